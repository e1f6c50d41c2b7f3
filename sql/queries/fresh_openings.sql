-- Each company's first account at each branch within fresh_days of registering (the openings a student batch is
-- made of), with what the cluster step's batch-straggler rule (flows/pipeline/batch_stragglers.py) asks of its
-- company: a representative aged batch_min_age to batch_member_max_age from another province (`profiled`), that
-- province, and the registered capital. The branch is a 64-bit hash of its name (only ever compared for equality).
--
-- reads: stg_accounts, stg_companies
-- params: fresh_days, batch_min_age, batch_member_max_age

select a.company_id, hash(a.bank_branch) as branch, (min(a.open_date) - date '1970-01-01')::bigint as day,
    coalesce(any_value(c.rep_region is not null
        and left(c.rep_region, 2) <> left(coalesce(c.reg_adcode, c.uscc_region), 2)
        and c.rep_age_at_reg between getvariable('batch_min_age') and getvariable('batch_member_max_age')), false)
        as profiled,
    any_value(left(c.rep_region, 2)) as province,
    any_value(c.reg_capital) as capital
from stg_accounts as a
join stg_companies as c using (company_id)
where a.bank_branch is not null and a.open_date is not null
    and a.days_since_registration between 0 and getvariable('fresh_days')
group by a.company_id, a.bank_branch
