-- Every scored pair inside a cluster as published, with its evidence in words (masked values, how
-- many companies share each, days apart) and the pseudonyms of the values behind it.
--
-- reads: pair_evidence, in_cluster_pairs, link_reasons, pseudonyms, stable_cluster_ids, stg_companies
-- params: run_id

create or replace table pub_links as
-- Each piece of evidence is rendered once (its sentence and its JSON code) and numbered within its pair in
-- the order shown: weight descending, then reason, value, days apart and text. The pair's texts and codes are
-- gathered as plain lists and put in that order with list_grade_up. Ordered aggregates (string_agg ... order
-- by) sort each group on its own, and lists of wide structs sorted per pair were most of the marts stage at
-- a million companies.
with rendered as (
    select
        e.company_a, e.company_b, e.reason, e.attr_value, e.days_apart, e.n_companies, w.weight,
        display_value(e.attr_kind, e.attr_value) as shown,
        p.pseudonym
    from pair_evidence as e
    join in_cluster_pairs as l using (company_a, company_b)
    join link_reasons as w on w.reason = e.reason
    left join pseudonyms as p on p.value = split_part(e.attr_value, '~', 1)
),
sentences as (
    select
        *,
        reason || ' ' || coalesce(shown, '') || coalesce(' (shared by ' || n_companies || ')', '')
            || coalesce(', ' || days_apart || ' days apart', '') as text
    from rendered
),
items as (
    select
        company_a, company_b, pseudonym, text,
        row_number() over (
            partition by company_a, company_b order by weight desc, reason, attr_value, days_apart, text
        ) as position,
        -- the same evidence as reason codes and parameters, for a report in any language
        to_json(struct_pack(reason := reason, value := shown, n_companies := n_companies,
            days_apart := days_apart))::varchar as code
    from sentences
),
evidence as (
    select
        company_a, company_b,
        list_grade_up(list(position)) as in_order,
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
