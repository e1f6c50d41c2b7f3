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
with pair_values as (
    select p.cluster_no, e.reason, e.attr_kind, e.attr_value, unnest([e.company_a, e.company_b]) as company_id
    from pair_evidence as e
    join in_cluster_pairs as p using (company_a, company_b)
    join link_reasons as w on w.reason = e.reason
    where w.shared_value
),
shared as (
    select cluster_no, attr_kind, attr_value, company_id, false as is_hub, null as hub_key,
        list_sort(list_distinct(list(reason))) as reasons
    from pair_values
    group by cluster_no, attr_kind, attr_value, company_id
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
