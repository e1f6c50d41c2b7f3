-- Evidence from exact shared values: every pair of companies that share a person, phone or room
-- which is not a hub. One row per pair, reason and value; the reason names the roles involved.
--
-- `season_value` marks a landline (or 400 number) that came with one season's new companies (at least
-- fixed_line_season_min_companies; two sharing an office line are no batch), each under its
-- own representative and trade name, all registered within fixed_line_season_days: a dealer's line, said at
-- full weight (company_links). A group's switchboard serves subsidiaries that share a trade name and reuse
-- representatives, and an agency's line serves clients, over years.
--
-- reads: company_attributes, attribute_values, stg_companies
-- params: fixed_line_season_days, fixed_line_season_min_companies

create or replace table shared_value_evidence as
with members as (
    select ca.company_id, ca.attr_kind, ca.attr_value, ca.role,
        -- a company is in a room from the first time it is seen there: a tenant registered in it years ago that
        -- now gives it as its account's contact address did not arrive with this season's new companies
        case when ca.attr_kind = 'room'
            then min(ca.seen_on) over (partition by ca.company_id, ca.attr_kind, ca.attr_value)
            else ca.seen_on end as seen_on,
        v.n_companies
    from company_attributes as ca
    join attribute_values as v using (attr_kind, attr_value)
    where not v.is_hub
),
season_lines as (
    select m.attr_value
    from members as m
    join stg_companies as c using (company_id)
    where m.attr_kind = 'phone' and not (m.attr_value like '+861%' and length(m.attr_value) = 14)
    group by m.attr_value
    having count(distinct c.company_id) >= getvariable('fixed_line_season_min_companies')
        and date_diff('day', min(c.reg_date), max(c.reg_date)) <= getvariable('fixed_line_season_days')
        and count(distinct c.company_id) filter (where c.reg_date is not null) = count(distinct c.company_id)
        and count(distinct coalesce(c.rep_id, c.company_id::varchar)) = count(distinct c.company_id)
        and count(distinct coalesce(c.trade_name, c.company_id::varchar)) = count(distinct c.company_id)
),
pairs as (
    select
        a.company_id as company_a,
        b.company_id as company_b,
        a.attr_kind,
        a.attr_value,
        a.n_companies,
        a.role as role_a,
        b.role as role_b,
        abs(date_diff('day', a.seen_on, b.seen_on)) as days_apart
    from members as a
    join members as b
        on a.attr_kind = b.attr_kind and a.attr_value = b.attr_value and a.company_id < b.company_id
)
select
    company_a,
    company_b,
    case
        when attr_kind = 'person' and bool_and(role_a = 'rep' and role_b = 'rep') then 'SAME_REP'
        when attr_kind = 'person' and bool_or(role_a = 'rep' and role_b = 'rep') then 'SAME_REP'
        when attr_kind = 'person' and bool_or(role_a = 'agent' and role_b = 'agent') then 'SAME_AGENT'
        when attr_kind = 'person' then 'REP_IS_AGENT'
        when attr_kind = 'phone' then 'SAME_PHONE'
        when bool_or(role_a = 'reg' and role_b = 'reg') then 'SAME_ROOM'
        else 'SAME_CONTACT_ADDRESS'
    end as reason,
    attr_kind,
    attr_value,
    any_value(n_companies) as n_companies,
    min(days_apart) as days_apart,
    attr_kind = 'phone' and attr_value in (select attr_value from season_lines) as season_value
from pairs
group by company_a, company_b, attr_kind, attr_value;
