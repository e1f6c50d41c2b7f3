-- Hubs: values shared by more companies than their kind's limit (a tower's room, an agency's phone,
-- a bank clerk). They link nothing, but are entities of their own; one whose companies are mostly
-- fresh registrations with fast accounts and young representatives is itself a finding.
create or replace table pub_hub_members as
select
    'H' || left(coalesce(p.pseudonym, md5(ca.attr_kind || '|' || ca.attr_value)), 12) as hub_key,
    ca.attr_kind,
    ca.attr_value,
    ca.company_id
from company_attributes as ca
join attribute_values as v using (attr_kind, attr_value)
left join pseudonyms as p on p.value = ca.attr_value
where v.is_hub
group by all;

create or replace table pub_hubs as
with profile as (
    select
        h.hub_key,
        any_value(h.attr_kind) as attr_kind,
        any_value(h.attr_value) as attr_value,
        count(distinct h.company_id) as n_companies,
        avg(f.fast_open_7d::integer) as share_fast_open_7d,
        avg(f.rep_young::integer) as share_rep_young,
        date_diff('day', quantile_disc(f.reg_date, 0.1), quantile_disc(f.reg_date, 0.9)) as reg_span_days
    from pub_hub_members as h
    join company_features as f using (company_id)
    group by h.hub_key
)
select
    getvariable('run_id') as run_id,
    hub_key as hub_id,
    attr_kind,
    display_value(attr_kind, attr_value) as value_display,
    n_companies::integer as n_companies,
    round(share_fast_open_7d, 3) as share_fast_open_7d,
    round(share_rep_young, 3) as share_rep_young,
    reg_span_days,
    share_fast_open_7d >= 0.5 and (share_rep_young >= 0.3 or reg_span_days <= 90) as suspicious,
    format('shared by {} companies; {:.0f}% opened accounts within 7 days, {:.0f}% with reps aged 18-22, '
        || 'registrations spread over {} days', n_companies, 100 * share_fast_open_7d, 100 * share_rep_young,
        reg_span_days) as why
from profile;
