-- Hubs as published: each hub's masked value, how many companies share it, and whether those
-- companies look like a ring's (mostly fresh registrations with fast accounts and young
-- representatives, or registered within a season): a suspicious hub is a finding of its own.
--
-- reads: pub_hub_members, company_features
-- params: run_id, hub_suspicious_fast_share, hub_suspicious_young_share, hub_suspicious_span_days, hub_why

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
    share_fast_open_7d >= getvariable('hub_suspicious_fast_share')
        and (share_rep_young >= getvariable('hub_suspicious_young_share')
             or reg_span_days <= getvariable('hub_suspicious_span_days')) as suspicious,
    -- in the run's language: the registry's sentence page.hub_why (flows/core/wording.py)
    replace(replace(replace(replace(getvariable('hub_why'), '{n}', n_companies::varchar),
        '{fast}', format('{:.0f}%', 100 * share_fast_open_7d)), '{young}', format('{:.0f}%', 100 * share_rep_young)),
        '{days}', reg_span_days::varchar) as why
from profile;
