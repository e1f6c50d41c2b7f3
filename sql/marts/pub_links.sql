-- Every scored pair inside a cluster as published, with its evidence in words (masked values, how
-- many companies share each, days apart) and the pseudonyms of the values behind it.
--
-- reads: pair_evidence, in_cluster_pairs, link_reasons, pseudonyms, stable_cluster_ids, stg_companies
-- params: run_id

create or replace table pub_links as
-- Each piece of evidence is shown in the order weight descending, then reason, value, days apart and text. The
-- values are rendered (masked, pseudonymised) once per distinct value, not once per piece of evidence, and the
-- order travels as one integer per piece, (reason's rank, value's rank, days apart) packed into a bigint, so a
-- pair's pieces are put in order with list_grade_up over integers. A window ranking each pair's pieces sorted
-- all of them with their texts (half of this step at a million companies); ordered aggregates (string_agg ...
-- order by) sort each group on their own, and lists of wide structs sorted per pair were slower still.
-- The value's rank stands in for the text as the last tie-break: the evidence steps give a pair one piece per
-- reason and value, so two pieces of one pair never tie on reason, value and days apart.
with in_cluster_evidence as (
    select e.company_a, e.company_b, e.reason, e.attr_kind, e.attr_value, e.days_apart, e.n_companies
    from pair_evidence as e
    semi join in_cluster_pairs as l using (company_a, company_b)
),
-- weight descending, then name: weight is the reason's own (link_reasons)
reasons as (
    select reason, row_number() over (order by weight desc, reason) as reason_rank from link_reasons
),
distinct_values as (
    select v.attr_kind, v.attr_value, display_value(v.attr_kind, v.attr_value) as shown, p.pseudonym
    from (select distinct attr_kind, attr_value from in_cluster_evidence) as v
    left join pseudonyms as p on p.value = split_part(v.attr_value, '~', 1)
),
ranked_values as (
    select *, row_number() over (order by attr_value, shown) as value_rank from distinct_values
),
items as (
    select
        e.company_a, e.company_b, v.pseudonym,
        e.reason || ' ' || coalesce(v.shown, '') || coalesce(' (shared by ' || e.n_companies || ')', '')
            || coalesce(', ' || e.days_apart || ' days apart', '') as text,
        ((r.reason_rank * (1::bigint << 31) + v.value_rank) * (1::bigint << 22)
            + coalesce(e.days_apart + (1::bigint << 21), (1::bigint << 22) - 1)) as sort_key,
        -- the same evidence as reason codes and parameters, for a report in any language
        to_json(struct_pack(reason := e.reason, value := v.shown, n_companies := e.n_companies,
            days_apart := e.days_apart))::varchar as code
    from in_cluster_evidence as e
    join reasons as r using (reason)
    join ranked_values as v
        on v.attr_kind is not distinct from e.attr_kind and v.attr_value is not distinct from e.attr_value
),
evidence as (
    select
        company_a, company_b,
        list_grade_up(list(sort_key)) as in_order,
        list(text) as texts,
        list(code) as codes,
        nullif(array_to_string(list_sort(list_distinct(list(pseudonym))), ','), '') as value_keys
    from items
    group by company_a, company_b
)
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    ca.uscc as uscc_a,
    cb.uscc as uscc_b,
    l.reason,
    l.score,
    array_to_string(list_select(ev.texts, ev.in_order), '; ') as evidence,
    -- a JSON list of the codes in the same order
    '[' || array_to_string(list_select(ev.codes, ev.in_order), ',') || ']' as evidence_codes,
    ev.value_keys,
    case when l.is_link then 'link' else 'supporting' end as strength
from in_cluster_pairs as l
join evidence as ev using (company_a, company_b)
join stable_cluster_ids as ci on ci.cluster_no = l.cluster_no
join stg_companies as ca on ca.company_id = l.company_a
join stg_companies as cb on cb.company_id = l.company_b;
