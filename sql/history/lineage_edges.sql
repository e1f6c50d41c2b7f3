-- Member overlap between this run's clusters and the previous run's (prev_members). An edge is
-- kept when the clusters share at least lineage_min_common companies and the overlap coefficient
-- (shared / size of the smaller cluster) reaches lineage_min_overlap.
--
-- reads: cur_members, prev_members, cur_clusters
-- params: lineage_min_common, lineage_min_overlap

create or replace table lineage_edges as
with previous_sizes as (
    select cluster_id, count(*)::integer as n_companies from prev_members group by cluster_id
),
shared as (
    select m.cluster_no, p.cluster_id as previous_cluster_id, count(*)::integer as n_common
    from cur_members as m
    join prev_members as p using (uscc)
    group by all
)
select
    s.cluster_no,
    s.previous_cluster_id,
    s.n_common,
    c.n_companies as n_current,
    ps.n_companies as n_previous,
    round(s.n_common / least(c.n_companies, ps.n_companies), 4) as overlap,
    round(s.n_common / (c.n_companies + ps.n_companies - s.n_common), 4) as jaccard,
    c.min_uscc
from shared as s
join cur_clusters as c using (cluster_no)
join previous_sizes as ps on ps.cluster_id = s.previous_cluster_id
where s.n_common >= getvariable('lineage_min_common')
  and s.n_common / least(c.n_companies, ps.n_companies) >= getvariable('lineage_min_overlap');
