-- Every scored pair inside a cluster as published, with its evidence in words (masked values, how
-- many companies share each, days apart) and the pseudonyms of the values behind it.
--
-- reads: pair_evidence, in_cluster_pairs, link_reasons, pseudonyms, stable_cluster_ids, stg_companies
-- params: run_id

create or replace table pub_links as
-- The evidence sentences are sorted as lists of structs rather than by ordered aggregates (string_agg ...
-- order by): DuckDB sorts each group of an ordered aggregate on its own, which at millions of pairs was most
-- of the marts stage. The struct's fields are the sort keys in order (weight descending), then the text.
with evidence as (
    select
        e.company_a, e.company_b,
        list_sort(list({
            'weight': -w.weight, 'reason': e.reason, 'value': e.attr_value, 'days': e.days_apart,
            'text': e.reason || ' ' || coalesce(display_value(e.attr_kind, e.attr_value), '')
                || coalesce(' (shared by ' || e.n_companies || ')', '')
                || coalesce(', ' || e.days_apart || ' days apart', ''),
            'shown': display_value(e.attr_kind, e.attr_value), 'n_companies': e.n_companies})) as items,
        nullif(array_to_string(list_sort(list_distinct(list(p.pseudonym))), ','), '') as value_keys
    from pair_evidence as e
    join in_cluster_pairs as l using (company_a, company_b)
    join link_reasons as w on w.reason = e.reason
    left join pseudonyms as p on p.value = split_part(e.attr_value, '~', 1)
    group by e.company_a, e.company_b
)
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    ca.uscc as uscc_a,
    cb.uscc as uscc_b,
    l.reason,
    l.score,
    array_to_string(list_transform(ev.items, lambda item: item.text), '; ') as evidence,
    -- the same evidence as reason codes and parameters (JSON), for a report in any language
    to_json(list_transform(ev.items, lambda item: struct_pack(reason := item.reason, value := item.shown,
        n_companies := item.n_companies, days_apart := item.days)))::varchar as evidence_codes,
    ev.value_keys,
    case when l.is_link then 'link' else 'supporting' end as strength
from in_cluster_pairs as l
join evidence as ev using (company_a, company_b)
join stable_cluster_ids as ci on ci.cluster_no = l.cluster_no
join stg_companies as ca on ca.company_id = l.company_a
join stg_companies as cb on cb.company_id = l.company_b;
