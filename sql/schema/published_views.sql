-- Convenience views over the latest finished run, for analysts' first queries.
create or replace view latest_run as
select * from runs where status = 'succeeded' order by finished_at desc limit 1;
create or replace view latest_clusters as
select c.* from clusters as c join latest_run using (run_id);
create or replace view latest_flagged_members as
select m.*, c.risk_score, c.reasons
from cluster_members as m
join clusters as c using (run_id, cluster_id)
join latest_run using (run_id)
where c.flagged;
-- What changed in each region's latest run against its previous run (docs/history.md).
create or replace view latest_cluster_changes as
with latest as (
    select run_id, region from runs where status = 'succeeded'
    qualify row_number() over (partition by region order by finished_at desc, run_id) = 1
)
select l.region, ch.*, c.risk_score, c.flagged, c.verdict, c.verdict_overridden
from cluster_changes as ch
join latest as l using (run_id)
left join clusters as c using (run_id, cluster_id);
