"""Why rings were missed, by kind and sophistication: split, clustered but unflagged, or in a flagged cluster
that is too legitimate (the README's rule: found = >= 80% in one flagged cluster that is <= 20% legitimate).

    python bench/ring_misses.py FOLDER [FOLDER ...]   # folders holding truth.csv and results.duckdb

Each ring is judged by the cluster holding most of it: `split` (that cluster holds < 80% of the ring),
`unflagged` (it holds >= 80% but is not flagged), `contaminated` (flagged but > 20% legitimate), else `found`.
The last column is the median risk score of those clusters (the flag line is in flows/core/settings.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

QUERY = """
with truth as (
    select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id, is_ring::boolean as is_ring,
        nullif(sophistication, '') as sophistication
    from read_csv(?, all_varchar = true, header = true)
),
run as (select run_id from results.runs where status = 'succeeded' order by finished_at desc limit 1),
members as (
    select m.cluster_id, m.uscc, c.flagged, c.risk_score
    from results.cluster_members as m join results.clusters as c using (run_id, cluster_id)
    where m.run_id = (select run_id from run)
),
cluster_legit as (
    select cluster_id, avg(case when coalesce(t.is_ring, false) then 0 else 1 end) as legit_share
    from members left join truth as t using (uscc) group by cluster_id
),
ring_size as (select group_id, any_value(kind) as kind, any_value(sophistication) as level, count(*) as size
              from truth where is_ring group by group_id),
best as (
    select t.group_id, m.cluster_id, any_value(m.flagged) as flagged, any_value(m.risk_score) as score,
        count(*) as n
    from truth as t join members as m using (uscc) where t.is_ring group by t.group_id, m.cluster_id
    qualify row_number() over (partition by t.group_id order by count(*) desc) = 1
)
select r.kind, coalesce(r.level, '-') as level,
    case when b.n is null or b.n < 0.8 * r.size then 'split'
         when not b.flagged then 'unflagged'
         when cl.legit_share > 0.2 then 'contaminated'
         else 'found' end as outcome,
    count(*) as rings, median(b.score) as median_score
from ring_size as r left join best as b using (group_id) left join cluster_legit as cl using (cluster_id)
group by all order by all
"""


def main() -> None:
    for folder in map(Path, sys.argv[1:]):
        con = duckdb.connect()
        con.execute("attach ? as results (read_only)", [str(folder / "results.duckdb")])
        rows = con.execute(QUERY, [str(folder / "truth.csv")]).fetchall()
        print(f"\n{folder.name}\n\n| kind | sophistication | outcome | rings | median score of its best cluster |")
        print("|---|---|---|---|---|")
        for kind, level, outcome, rings, score in rows:
            print(f"| {kind} | {level} | {outcome} | {rings} | {score if score is None else round(score, 1)} |")


if __name__ == "__main__":
    main()
