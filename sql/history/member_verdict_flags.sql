-- Members of a cluster that carries a verdict, and whether each joined since the verdict: not in that
-- cluster in the run the verdict was made against (verdict_members).
--
-- reads: cur_members, stable_cluster_ids, effective_verdicts, verdict_members

create or replace table member_verdict_flags as
select
    m.cluster_no,
    m.company_id,
    not exists (
        select 1 from verdict_members as vm
        where vm.cluster_id = v.cluster_id and vm.run_id = v.run_id and vm.uscc = m.uscc
    ) as new_since_verdict
from cur_members as m
join stable_cluster_ids as ids using (cluster_no)
join effective_verdicts as v on v.target = 'cluster' and v.cluster_id = ids.cluster_id;
