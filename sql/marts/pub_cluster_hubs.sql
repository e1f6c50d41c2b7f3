-- The hubs each cluster touches: values its members share with too many companies to count as a
-- link (a tower's room, an agency's phone), with how many members carry each.
--
-- reads: pub_hub_members, company_clusters, stable_cluster_ids
-- params: run_id

create or replace table pub_cluster_hubs as
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    h.hub_key as hub_id,
    any_value(h.attr_kind) as attr_kind,
    display_value(any_value(h.attr_kind), any_value(h.attr_value)) as value_display,
    count(distinct h.company_id)::integer as n_members
from pub_hub_members as h
join company_clusters as cc using (company_id)
join stable_cluster_ids as ci using (cluster_no)
group by ci.cluster_id, h.hub_key;
