-- Red flags per company (DOMAIN.md §2): how fast the account followed registration, the
-- representative's age and origin, capital, how many companies the representative fronts, whether
-- they open accounts for others, virtual-operator phones, cluster-registration address notes, and whether the
-- bank was given a contact room other than the registered one (cluster_features: a contact address that is the
-- company's own room restates its place).
-- Thresholds are the risk terms' (rule registry: '<term>__<threshold>'). Flags and numbers only, for every
-- company: the texts a cluster compares (trade name, scope) cluster_features takes for its members alone.
--
-- reads: stg_accounts, stg_companies
-- params: fast_open_7d__max_days, fast_open_30d__max_days, rep_young__min_age, rep_young__max_age,
--     rep_under_30__min_age, rep_under_30__max_age, rep_over_40__min_age, capital_tiny__max_capital_10k_cny

create or replace table company_features as
-- stg_accounts is joined to the registered representative once, for both the accounts' flags and the
-- agents who open for others.
with account_rows as (
    select
        a.company_id, a.bank, a.days_since_registration, a.open_date, a.in_window, a.agent_id, a.rep_id,
        a.contact_phone_is_virtual, a.agent_phone_is_virtual,
        a.agent_id is not null and a.agent_id is distinct from c.rep_id as agent_not_rep,
        a.contact_room_key is not null and a.contact_room_key is distinct from c.reg_room_key as contact_elsewhere
    from stg_accounts as a
    join stg_companies as c using (company_id)
),
accounts as (
    select
        company_id,
        count(*) as n_accounts,
        count(distinct bank) as n_banks,
        min(days_since_registration) filter (where days_since_registration >= 0) as days_to_first_account,
        min(open_date) as first_open_date,
        max(open_date) as last_open_date,
        bool_or(in_window) as has_window_account,
        -- not the representative as the bank recorded it, nor as registered (the bank may record none)
        bool_or(agent_not_rep and agent_id is distinct from rep_id) as opened_by_agent,
        bool_or(coalesce(contact_phone_is_virtual, false) or coalesce(agent_phone_is_virtual, false)) as bank_phone_virtual,
        bool_or(contact_elsewhere) as contact_elsewhere
    from account_rows
    group by company_id
),
rep_companies as (
    select rep_id, count(distinct company_id) as n_companies
    from stg_companies
    where rep_id is not null
    group by rep_id
),
-- People who opened an account for a company they do not represent.
agents_for_others as (
    select distinct agent_id from account_rows where agent_not_rep
)
select
    c.company_id,
    c.reg_date,
    c.rep_age_at_reg,
    coalesce(a.n_accounts, 0) as n_accounts,
    coalesce(a.n_banks, 0) as n_banks,
    a.days_to_first_account,
    a.first_open_date,
    coalesce(a.has_window_account, false) as has_window_account,
    coalesce(a.opened_by_agent, false) as opened_by_agent,
    coalesce(a.contact_elsewhere, false) as contact_elsewhere,
    a.days_to_first_account between 0 and getvariable('fast_open_7d__max_days') as fast_open_7d,
    a.days_to_first_account between 0 and getvariable('fast_open_30d__max_days') as fast_open_30d,
    c.rep_age_at_reg between getvariable('rep_young__min_age') and getvariable('rep_young__max_age') as rep_young,
    c.rep_age_at_reg between getvariable('rep_under_30__min_age') and getvariable('rep_under_30__max_age')
        as rep_under_30,
    c.rep_age_at_reg >= getvariable('rep_over_40__min_age') as rep_over_40,
    left(c.rep_region, 2) <> left(coalesce(c.reg_adcode, c.uscc_region), 2) as rep_nonlocal,
    c.reg_capital <= getvariable('capital_tiny__max_capital_10k_cny') as capital_tiny,
    coalesce(rc.n_companies, 1) as rep_n_companies,
    c.rep_id in (select agent_id from agents_for_others) as rep_is_agent_elsewhere,
    coalesce(c.phone_is_virtual, false) or coalesce(a.bank_phone_virtual, false) as phone_virtual,
    coalesce(
        list_has_any(c.reg_address_notes, ['cluster_registration', 'workstation'])
        or len(list_filter(c.reg_address_notes, lambda x: x like 'hosted:%')) > 0,
        false
    ) as cluster_address
from stg_companies as c
left join accounts as a using (company_id)
left join rep_companies as rc using (rep_id);
