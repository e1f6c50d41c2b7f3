-- Every scored pair inside a cluster as published, with its evidence in words (masked values, how
-- many companies share each, days apart) and the pseudonyms of the values behind it.
--
-- reads: pair_evidence, in_cluster_pairs, link_reasons, pseudonyms, stable_cluster_ids, stg_companies,
--     company_clusters
-- params: run_id

create or replace table pub_links as
-- Each piece of evidence is rendered once (its sentence and its JSON code). A pair with one piece (43 % of the
-- published pairs at a million companies) is its own evidence. The pieces of any other pair are numbered in the
-- order shown: weight descending, then reason, value, days apart and text. A pair of two or three pieces (55 %)
-- reads its second and third from the same window (lead) on its first row; only pairs of four or more gather
-- their texts and codes as plain lists, put in that order with list_grade_up. A hash group-by with list states
-- for every pair was half of the step; ordered aggregates (string_agg ... order by) sort each group on its own,
-- and lists of wide structs sorted per pair were most of the marts stage at a million companies.
with pieces as (
    select company_a, company_b, count(*) as n_pieces
    from pair_evidence
    semi join in_cluster_pairs using (company_a, company_b)
    group by company_a, company_b
),
rendered as (
    select
        e.company_a, e.company_b, e.reason, e.attr_value, e.days_apart, e.n_companies, w.weight, c.n_pieces,
        display_value(e.attr_kind, e.attr_value) as shown,
        p.pseudonym
    from pair_evidence as e
    join pieces as c using (company_a, company_b)
    join link_reasons as w on w.reason = e.reason
    left join pseudonyms as p on p.value = split_part(e.attr_value, '~', 1)
),
sentences as (
    select
        company_a, company_b, weight, reason, attr_value, days_apart, n_pieces, pseudonym,
        reason || ' ' || coalesce(shown, '') || coalesce(' (shared by ' || n_companies || ')', '')
            || coalesce(', ' || days_apart || ' days apart', '') as text,
        -- the same evidence as reason codes and parameters, for a report in any language
        to_json(struct_pack(reason := reason, value := shown, n_companies := n_companies,
            days_apart := days_apart))::varchar as code
    from rendered
),
items as (
    select
        company_a, company_b, n_pieces, pseudonym, text, code,
        row_number() over pair_order as position,
        lead(text, 1) over pair_order as text_2, lead(text, 2) over pair_order as text_3,
        lead(code, 1) over pair_order as code_2, lead(code, 2) over pair_order as code_3,
        lead(pseudonym, 1) over pair_order as pseudonym_2, lead(pseudonym, 2) over pair_order as pseudonym_3
    from sentences
    where n_pieces > 1
    window pair_order as (
        partition by company_a, company_b order by weight desc, reason, attr_value, days_apart, text)
),
gathered as (
    select
        company_a, company_b,
        list_grade_up(list(position)) as in_order,
        list(text) as texts,
        list(code) as codes,
        list_sort(list_distinct(list(pseudonym))) as keys
    from items
    where n_pieces > 3
    group by company_a, company_b
),
-- the USCCs of clustered companies only: the two lookups below probe a tenth of the companies, not all of them
clustered as (
    select company_id, uscc from stg_companies semi join company_clusters using (company_id)
),
-- texts joined by '; ', and the codes as a JSON list in the same order
evidence as (
    select company_a, company_b, text as evidence, '[' || code || ']' as evidence_codes, pseudonym as value_keys
    from sentences
    where n_pieces = 1
    union all
    select
        company_a, company_b,
        concat_ws('; ', text, text_2, text_3),
        '[' || concat_ws(',', code, code_2, code_3) || ']',
        nullif(array_to_string(list_sort(list_distinct([pseudonym, pseudonym_2, pseudonym_3])), ','), '')
    from items
    where n_pieces <= 3 and position = 1
    union all
    select
        company_a, company_b,
        array_to_string(list_select(texts, in_order), '; '),
        '[' || array_to_string(list_select(codes, in_order), ',') || ']',
        nullif(array_to_string(keys, ','), '')
    from gathered
)
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    ca.uscc as uscc_a,
    cb.uscc as uscc_b,
    l.reason,
    l.score,
    ev.evidence,
    ev.evidence_codes,
    ev.value_keys,
    case when l.is_link then 'link' else 'supporting' end as strength
from in_cluster_pairs as l
join evidence as ev using (company_a, company_b)
join stable_cluster_ids as ci on ci.cluster_no = l.cluster_no
join clustered as ca on ca.company_id = l.company_a
join clustered as cb on cb.company_id = l.company_b;
