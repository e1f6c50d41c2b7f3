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
