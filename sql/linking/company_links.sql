-- Weighted company links: all evidence for a pair, one weight per reason (the reason's base weight
-- from link_reasons, lowered for fixed-line phones, which switchboards and agencies share (unless the
-- two companies took the number up within fixed_line_full_days of each other, or the line is a dealer's:
-- shared_value_evidence.season_value), for rooms two companies
-- arrived in more than weak_days apart (a room changes tenants), and for
-- buildings that hold many companies and branches that open many accounts: link_reasons.scaled_by).
-- Reasons of one family (link_reasons.family: a room implies its building) count once, at the
-- strongest; `families` is a bit set of the independent kinds of evidence behind the pair, and
-- `full_families` those of them said at full weight (not a landline many share, nor a crowded
-- building or branch: a value no operator chose for the group). A pair is
-- linked when its summed weight reaches link_threshold; weaker pairs stay as evidence only.
--
-- reads: pair_evidence, link_reasons
-- params: fixed_line_factor, fixed_line_full_days, weak_rarity_size, room_reuse_factor, weak_days, link_threshold
--
-- The reason string lists a pair's reasons strongest first (ties by name). Reasons and families
-- travel as small integer codes and each pair's evidence as one sorted integer list, so the million
-- evidence rows are grouped once, by pair, and ordered as integers rather than through an ordered
-- string aggregate.
create or replace table company_links as
with reasons as (
    -- reason_no follows the reasons' text order, so ordering by it orders by name
    select
        reason,
        family,
        weight,
        dense_rank() over (order by reason) as reason_no,
        scaled_by,
        dense_rank() over (order by family) as family_no
    from link_reasons
),
weighted as (
    select
        e.company_a,
        e.company_b,
        r.reason_no,
        r.family_no,
        -- said at full weight: not a landline or a crowded building or branch, which many share
        (e.attr_kind is distinct from 'phone' or r.scaled_by is distinct from 'landline'
            or (e.attr_value like '+861%' and length(e.attr_value) = 14)
            or coalesce(e.days_apart <= getvariable('fixed_line_full_days'), false)
            or coalesce(e.season_value, false))
        and (r.scaled_by is distinct from 'rarity' or coalesce(e.n_companies, 0) <= getvariable('weak_rarity_size'))
        and (r.scaled_by is distinct from 'season' or coalesce(e.days_apart <= getvariable('weak_days'), true))
            as at_full_weight,
        r.weight * case
            -- a mobile is +86 1xx xxxx xxxx; Beijing landlines (+86 10 xxxx xxxx) are one digit shorter
            -- unless the two companies took it up within one season, or the line came with one season's
            -- new companies: a switchboard or an agency serves companies over years, a dealer's landline a batch
            when r.scaled_by = 'landline' and e.attr_kind = 'phone'
                and not (e.attr_value like '+861%' and length(e.attr_value) = 14)
                and not coalesce(e.days_apart <= getvariable('fixed_line_full_days'), false)
                and not coalesce(e.season_value, false)
            then getvariable('fixed_line_factor')
            when r.scaled_by = 'rarity' and e.n_companies > getvariable('weak_rarity_size')
            then ln(getvariable('weak_rarity_size')) / ln(e.n_companies)
            -- a room's tenants of other years are not the farm that fills it in a season
            when r.scaled_by = 'season' and e.days_apart > getvariable('weak_days')
            then getvariable('room_reuse_factor')
            else 1.0
        end as weight
    from pair_evidence as e
    join reasons as r using (reason)
),
-- The few distinct weights, strongest first. Each evidence row is keyed by (weight_rank, reason_no)
-- packed into one integer, whose ascending order is weight descending, then reason name.
weight_ranks as (
    select weight, dense_rank() over (order by weight desc) as weight_rank
    from (select distinct weight from weighted)
),
codes as (
    select
        (select count(*) from reasons) as n_reasons,
        (select list(reason order by reason_no) from reasons) as reason_names,
        (select list(family_no order by reason_no) from reasons) as reason_families,
        (select list(weight order by weight_rank) from weight_ranks) as rank_weights
),
per_pair as (
    select
        e.company_a,
        e.company_b,
        list_sort(list((w.weight_rank - 1) * c.n_reasons + (e.reason_no - 1))) as evidence_keys,
        bit_or((1 << (e.family_no - 1))::bigint) as families,
        bit_or(case when e.at_full_weight then (1 << (e.family_no - 1))::bigint else 0::bigint end) as full_families
    from weighted as e
    join weight_ranks as w on w.weight is not distinct from e.weight
    cross join codes as c
    group by e.company_a, e.company_b
),
-- A pair's reason and score follow from its sorted evidence keys alone, and the million pairs show a few
-- hundred distinct key lists: each list is decoded once and its result joined back to its pairs.
combinations as (
    select distinct evidence_keys from per_pair
),
-- A reason counts once, at its strongest evidence: the first of its keys in the sorted list.
per_reason as (
    select
        p.evidence_keys,
        list_filter(
            p.evidence_keys,
            lambda k, i: list_position(list_transform(p.evidence_keys, lambda j: j % c.n_reasons), k % c.n_reasons) = i
        ) as reason_keys
    from combinations as p
    cross join codes as c
),
decoded as (
    select
        p.evidence_keys,
        list_transform(p.reason_keys, lambda k: c.reason_names[k % c.n_reasons + 1]) as reason_names,
        list_transform(p.reason_keys, lambda k: c.reason_families[k % c.n_reasons + 1]) as reason_families,
        list_transform(p.reason_keys, lambda k: c.rank_weights[k // c.n_reasons + 1]) as weights
    from per_reason as p
    cross join codes as c
),
scored as (
    select
        evidence_keys,
        array_to_string(reason_names, '+') as reason,
        -- a family counts once, at its strongest reason: the first of its reasons in the list; the sum
        -- runs strongest first, so it does not depend on the order threads deliver rows in
        list_sum(list_filter(weights, lambda w, i: list_position(reason_families, reason_families[i]) = i)) as score
    from decoded
)
select
    p.company_a,
    p.company_b,
    round(s.score, 3) as score,
    s.reason,
    p.families,
    p.full_families,
    s.score >= getvariable('link_threshold') as is_link
from per_pair as p
join scored as s using (evidence_keys);
