-- Every scored pair inside a cluster as published, with its evidence in words (masked values, how
-- many companies share each, days apart) and the pseudonyms of the values behind it.
--
-- reads: pair_evidence, in_cluster_pairs, link_reasons, pseudonyms, stable_cluster_ids, stg_companies
-- params: run_id

create or replace table pub_links as
with evidence as (
    select
        e.company_a, e.company_b,
        string_agg(
            e.reason || ' ' || coalesce(display_value(e.attr_kind, e.attr_value), '')
                || coalesce(' (shared by ' || e.n_companies || ')', '')
                || coalesce(', ' || e.days_apart || ' days apart', ''),
            '; ' order by w.weight desc, e.reason, e.attr_value, e.days_apart) as evidence,
        -- the same evidence as reason codes and parameters (JSON), for a report in any language
        to_json(list(struct_pack(reason := e.reason, value := display_value(e.attr_kind, e.attr_value),
                                 n_companies := e.n_companies, days_apart := e.days_apart)
                     order by w.weight desc, e.reason, e.attr_value, e.days_apart))::varchar as evidence_codes,
        string_agg(distinct p.pseudonym, ',' order by p.pseudonym) as value_keys
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
    ev.evidence,
    ev.evidence_codes,
    ev.value_keys,
    case when l.is_link then 'link' else 'supporting' end as strength
from in_cluster_pairs as l
join evidence as ev using (company_a, company_b)
join stable_cluster_ids as ci on ci.cluster_no = l.cluster_no
join stg_companies as ca on ca.company_id = l.company_a
join stg_companies as cb on cb.company_id = l.company_b;
