-- Weighted company links: all evidence for a pair, one weight per reason (the reason's base weight
-- from link_weights, lowered for fixed-line phones, which switchboards and agencies share, and for
-- buildings that hold many companies).
-- A pair is linked when its summed weight reaches link_threshold; weaker pairs stay as evidence only.
create or replace table pair_evidence as
select company_a, company_b, reason, attr_kind, attr_value, n_companies, days_apart
from shared_value_evidence
union all
select company_a, company_b, reason, attr_kind, attr_value, n_companies, null
from weak_evidence
union all
select company_a, company_b, reason, attr_kind, attr_value, null, null
from fuzzy_evidence;

create or replace table company_links as
with weighted as (
    select
        e.*,
        w.weight * case
            when e.attr_kind = 'phone' and e.reason = 'SAME_PHONE' and e.attr_value not like '+861%'
            then getvariable('fixed_line_factor')
            when e.reason = 'SAME_BUILDING' and e.n_companies > getvariable('weak_rarity_size')
            then ln(getvariable('weak_rarity_size')) / ln(e.n_companies)
            else 1.0
        end as weight
    from pair_evidence as e
    join link_weights as w using (reason)
),
per_reason as (
    select company_a, company_b, reason, max(weight) as weight, any_value(attr_value) as attr_value,
        any_value(n_companies) as n_companies, min(days_apart) as days_apart
    from weighted
    group by company_a, company_b, reason
)
select
    company_a,
    company_b,
    round(sum(weight), 3) as score,
    string_agg(reason, '+' order by weight desc, reason) as reason,
    sum(weight) >= getvariable('link_threshold') as is_link
from per_reason
group by company_a, company_b;
