-- Weighted company links: all evidence for a pair, one weight per reason (the reason's base weight
-- from link_weights, lowered for fixed-line phones, which switchboards and agencies share, and for
-- buildings that hold many companies and branches that open many accounts).
-- Reasons of one family (link_weights.family: a room implies its building) count once, at the
-- strongest; `families` is a bit set of the independent kinds of evidence behind the pair. A pair is linked when its summed weight reaches link_threshold; weaker pairs stay as
-- evidence only.
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
        w.family,
        w.weight * case
            when e.attr_kind = 'phone' and e.reason = 'SAME_PHONE' and e.attr_value not like '+861%'
            then getvariable('fixed_line_factor')
            when e.reason in ('SAME_BUILDING', 'SAME_BRANCH_DAYS') and e.n_companies > getvariable('weak_rarity_size')
            then ln(getvariable('weak_rarity_size')) / ln(e.n_companies)
            else 1.0
        end as weight
    from pair_evidence as e
    join link_weights as w using (reason)
),
per_reason as (
    select company_a, company_b, reason, any_value(family) as family, max(weight) as weight
    from weighted
    group by company_a, company_b, reason
),
family_bits as (
    select family, (1 << (dense_rank() over (order by family) - 1))::bigint as bit
    from (select distinct family from link_weights)
),
per_family as (
    select company_a, company_b, family, max(weight) as weight
    from per_reason
    group by company_a, company_b, family
),
scored as (
    select f.company_a, f.company_b, sum(f.weight) as score, bit_or(b.bit) as families
    from per_family as f
    join family_bits as b using (family)
    group by f.company_a, f.company_b
),
reasons as (
    select company_a, company_b, string_agg(reason, '+' order by weight desc, reason) as reason
    from per_reason
    group by company_a, company_b
)
select
    company_a,
    company_b,
    round(s.score, 3) as score,
    r.reason,
    s.families,
    s.score >= getvariable('link_threshold') as is_link
from scored as s
join reasons as r using (company_a, company_b);
