-- Evidence from exact shared values: every pair of companies that share a person, phone or room
-- which is not a hub. One row per pair, reason and value; the reason names the roles involved.
--
-- `season_value` marks a landline (or 400 number) that came with one season's new companies (at least
-- fixed_line_season_min_companies; two sharing an office line are no batch), each under its
-- own representative and trade name, all registered within fixed_line_season_days: a dealer's line, said at
-- full weight (company_links). A group's switchboard serves subsidiaries that share a trade name and reuse
-- representatives, and an agency's line serves clients, over years.
-- A line that is all its companies share (no two of them share a person, another phone or a room, nor is it the
-- line of a building most of whose companies it carries: an agency's line comes with its address and its clerk, a
-- park's serves its building's tenants) is judged by its pace instead, as the score's
-- lone_line judges it: within lone_line__fade_windows x lone_line__days_per_company days per company, so
-- that a careful dealer who spreads eight companies over fourteen months is still one line's batch. (The score's
-- window stops at lone_line__max_window_days; the link's does not: a big agency's number over years still ties its
-- clients into one cluster, and the score says it gathered them too slowly to be a dealer's. Capping the link too
-- changed no figure on the 20k and 200k demos and could not be measured at 1M in session 13.)
--
-- reads: company_attributes, attribute_values, stg_companies
-- params: fixed_line_season_days, fixed_line_season_min_companies, lone_line__days_per_company,
--     lone_line__fade_windows, lone_line__building_share

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
line_companies as (
    select m.attr_value, count(distinct c.company_id) as n_companies,
        date_diff('day', min(c.reg_date), max(c.reg_date)) as span_days
    from members as m
    join stg_companies as c using (company_id)
    where m.attr_kind = 'phone' and not (m.attr_value like '+861%' and length(m.attr_value) = 14)
    group by m.attr_value
    having count(distinct c.company_id) >= getvariable('fixed_line_season_min_companies')
        and count(distinct c.company_id) filter (where c.reg_date is not null) = count(distinct c.company_id)
        and count(distinct coalesce(c.rep_id, c.company_id::varchar)) = count(distinct c.company_id)
        and count(distinct coalesce(c.trade_name, c.company_id::varchar)) = count(distinct c.company_id)
        and date_diff('day', min(c.reg_date), max(c.reg_date)) <= greatest(getvariable('fixed_line_season_days'),
            getvariable('lone_line__fade_windows') * getvariable('lone_line__days_per_company')
            * count(distinct c.company_id))
),
-- lines past the season whose companies share something else: an address or building, a clerk, another number
line_holders as (
    select distinct l.attr_value, m.company_id
    from line_companies as l
    join members as m on m.attr_kind = 'phone' and m.attr_value = l.attr_value
    where l.span_days > getvariable('fixed_line_season_days')
),
shared_beyond as (
    select h.attr_value
    from line_holders as h
    join company_attributes as o on o.company_id = h.company_id
        and not (o.attr_kind = 'phone' and o.attr_value = h.attr_value)
    group by h.attr_value, o.attr_kind, o.attr_value
    having count(distinct h.company_id) >= 2
    union
    select h.attr_value
    from line_holders as h
    join stg_companies as c using (company_id)
    join (select reg_building_key, count(*) as n_companies from stg_companies
          where reg_building_key is not null group by reg_building_key) as b using (reg_building_key)
    group by h.attr_value, c.reg_building_key
    having count(*) >= 2 and count(*) >= getvariable('lone_line__building_share') * any_value(b.n_companies)
),
season_lines as (
    select attr_value from line_companies
    where span_days <= getvariable('fixed_line_season_days')
        or attr_value not in (select attr_value from shared_beyond)
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
