-- The values a cluster's companies share, one row per value and member company carrying it: the nodes
-- and edges of the cluster's picture (flows/results/picture.py). Exact shared people, phones, rooms
-- and branches behind the cluster's scored pairs (link reasons with shared_value in the rule
-- registry), with the reasons each supports; and the hubs its members touch (too common to link
-- anything, drawn apart). People and phones appear only masked and by pseudonym.
--
-- reads: pair_evidence, in_cluster_pairs, link_reasons, company_attributes, pub_hub_members,
--     company_clusters, stable_cluster_ids, stg_companies, pseudonyms
-- params: run_id

create or replace table pub_cluster_values as
-- unnest in the select list, not as a lateral join in from: DuckDB plans the lateral one as a dependent join
-- that joins every pair's rows back to themselves (most of this step at a million companies)
-- A value's reasons travel as a bit set (reasons numbered in name order) and are named once per distinct set:
-- grouping on fixed-size bits, not lists of strings, over the pairs' evidence.
with shared_reasons as (
    select reason, (row_number() over (order by reason) - 1)::integer as reason_no
    from link_reasons
    where shared_value
),
reason_names as (
    select list(reason order by reason_no) as names from shared_reasons
),
pair_values as (
    select p.cluster_no, e.attr_kind, e.attr_value, 1::hugeint << w.reason_no as reason_bit,
        unnest([e.company_a, e.company_b]) as company_id
    from pair_evidence as e
    join in_cluster_pairs as p using (company_a, company_b)
    join shared_reasons as w on w.reason = e.reason
),
value_reasons as (
    select cluster_no, attr_kind, attr_value, company_id, bit_or(reason_bit) as reason_bits
    from pair_values
    group by cluster_no, attr_kind, attr_value, company_id
),
reason_sets as (
    select s.reason_bits,
        list_filter(n.names, lambda r, i: (s.reason_bits >> (i - 1)) & 1 = 1) as reasons
    from (select distinct reason_bits from value_reasons) as s
    cross join reason_names as n
),
shared as (
    select v.cluster_no, v.attr_kind, v.attr_value, v.company_id, false as is_hub, null as hub_key, r.reasons
    from value_reasons as v
    join reason_sets as r using (reason_bits)
),
hub_values as (
    select cc.cluster_no, h.attr_kind, h.attr_value, h.company_id, true as is_hub, h.hub_key,
        []::varchar[] as reasons
    from pub_hub_members as h
    join company_clusters as cc using (company_id)
),
cluster_values as (
    select * from shared union all by name select * from hub_values
),
-- roles only for the values drawn (a few per clustered company), not for every attribute of every company
roles as (
    select a.company_id, a.attr_kind, a.attr_value, list_sort(list_distinct(list(a.role))) as roles
    from company_attributes as a
    semi join cluster_values as v using (company_id, attr_kind, attr_value)
    group by a.company_id, a.attr_kind, a.attr_value
)
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    coalesce(v.hub_key, 'V' || left(coalesce(p.pseudonym, md5(v.attr_kind || '|' || v.attr_value)), 12)) as value_id,
    v.attr_kind,
    display_value(v.attr_kind, v.attr_value) as value_display,
    p.pseudonym as value_key,
    v.is_hub,
    c.uscc,
    coalesce(r.roles, []::varchar[]) as roles,
    v.reasons::varchar[] as reasons
from cluster_values as v
join stable_cluster_ids as ci using (cluster_no)
join stg_companies as c using (company_id)
left join roles as r using (company_id, attr_kind, attr_value)
left join pseudonyms as p on p.value = v.attr_value;
