"""Each planted ring judged by the cluster holding most of it, by the README's rule: `split` (that cluster holds
< 80% of the ring), `unflagged` (it holds >= 80% but is not flagged), `contaminated` (flagged but > 20%
legitimate), else `found`. Shared by bench/ring_misses.py (published results) and bench/rescore.py (re-scored
working DBs), which differ only in where a cluster's members and flags come from."""

from __future__ import annotations

# a published results DB's latest run, attached as `results`, as `members` for ring_outcomes_sql
PUBLISHED_MEMBERS = """
    select m.cluster_id as cluster_no, m.uscc, c.risk_score, c.flagged
    from results.cluster_members as m join results.clusters as c using (run_id, cluster_id)
    where m.run_id = (select run_id from results.runs where status = 'succeeded' order by finished_at desc limit 1)
"""


def ring_outcomes_sql(members: str) -> str:
    """The per-ring query over `members`, a SELECT of (cluster_no, uscc, risk_score, flagged); one parameter, the
    truth.csv path. Columns: group_id, kind, level ('-' if none), size, cluster_no, n, score, outcome."""
    return f"""
with truth as (
    select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id, is_ring::boolean as is_ring,
        nullif(sophistication, '') as level
    from read_csv(?, all_varchar = true, header = true)
),
members as ({members}),
legit as (
    select cluster_no, avg(case when coalesce(t.is_ring, false) then 0 else 1 end) as legit_share
    from members left join truth as t using (uscc) group by cluster_no
),
size as (select group_id, any_value(kind) as kind, any_value(level) as level, count(*) as size
         from truth where is_ring group by group_id),
best as (
    select t.group_id, m.cluster_no, any_value(m.flagged) as flagged, any_value(m.risk_score) as score,
        count(*) as n
    from truth as t join members as m using (uscc) where t.is_ring group by t.group_id, m.cluster_no
    qualify row_number() over (partition by t.group_id order by count(*) desc, m.cluster_no) = 1
)
select s.group_id, s.kind, coalesce(s.level, '-') as level, s.size, b.cluster_no, b.n, b.score,
    case when b.n is null or b.n < 0.8 * s.size then 'split'
         when not b.flagged then 'unflagged'
         when l.legit_share > 0.2 then 'contaminated'
         else 'found' end as outcome
from size as s left join best as b using (group_id) left join legit as l using (cluster_no)
"""
