-- Each company that opened an account within fresh_days of registering, as the cluster step's registration
-- straggler rule (flows/pipeline/batch_stragglers.py) reads it: its registration authority (USCC digits 3-8, else
-- the registered address's district; a 64-bit hash, only ever compared for equality), the day it registered, a
-- representative aged batch_min_age to batch_member_max_age from another province (`profiled`), the
-- representative's county (ID digits 1-6) and the registered capital.
--
-- reads: stg_accounts, stg_companies
-- params: fresh_days, batch_min_age, batch_member_max_age

select c.company_id, hash(coalesce(c.uscc_region, c.reg_adcode)) as authority,
    (c.reg_date - date '1970-01-01')::bigint as day,
    coalesce(c.rep_region is not null
        and left(c.rep_region, 2) <> left(coalesce(c.reg_adcode, c.uscc_region), 2)
        and c.rep_age_at_reg between getvariable('batch_min_age') and getvariable('batch_member_max_age'), false)
        as profiled,
    left(c.rep_region, 6) as county,
    c.reg_capital as capital
from stg_companies as c
where c.reg_date is not null and coalesce(c.uscc_region, c.reg_adcode) is not null
    and exists (
        select 1 from stg_accounts as a
        where a.company_id = c.company_id and a.bank_branch is not null and a.open_date is not null
            and a.days_since_registration between 0 and getvariable('fresh_days')
    )
