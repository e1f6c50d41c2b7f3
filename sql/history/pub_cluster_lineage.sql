-- The member overlaps behind each of this run's stable ids (published as cluster_lineage): one row per
-- lineage edge to a previous run's cluster, and whether the id was inherited along it.
--
-- reads: lineage_edges, stable_cluster_ids
-- params: run_id, previous_run_id

create or replace table pub_cluster_lineage as
select
    getvariable('run_id') as run_id,
    ids.cluster_id,
    getvariable('previous_run_id') as previous_run_id,
    e.previous_cluster_id,
    e.n_common,
    e.n_current,
    e.n_previous,
    e.overlap,
    e.jaccard,
    ids.cluster_id = e.previous_cluster_id as inherited
from lineage_edges as e
join stable_cluster_ids as ids using (cluster_no);
