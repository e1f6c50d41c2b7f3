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
from ring_outcomes import PUBLISHED_MEMBERS, ring_outcomes_sql

QUERY = f"""
select kind, level, outcome, count(*) as rings, median(score) as median_score
from ({ring_outcomes_sql(PUBLISHED_MEMBERS)})
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
