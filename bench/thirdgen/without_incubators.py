"""Size one failure on third-generator data: the evaluation again with flagged clusters whose members are mostly
incubator tenants left unflagged (incubators are the look-alike the job flags most there).

    python bench/thirdgen/without_incubators.py FOLDER [FOLDER ...]   # folders holding truth.csv and results.duckdb
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import polars as pl

from shellring.flows.results.evaluate import evaluate_assignments

QUERY = """
with m as (
    select m.cluster_id, m.uscc, t.kind
    from r.cluster_members as m join r.clusters as c using (run_id, cluster_id) left join truth as t using (uscc)
    where c.flagged and m.run_id = (select run_id from r.latest_run)
),
incubator as (select cluster_id from m group by 1 having count(*) filter (where kind = 'incubator') >= 0.5 * count(*))
select cluster_id, uscc from m anti join incubator using (cluster_id)
"""


def main() -> None:
    for folder in map(Path, sys.argv[1:]):
        con = duckdb.connect()
        con.execute("attach ? as r (read_only)", [str(folder / "results.duckdb")])
        con.execute("create table truth as select * from read_csv(?, all_varchar = true)", [str(folder / "truth.csv")])
        kept = pl.from_arrow(con.sql(QUERY).to_arrow_table())
        e = evaluate_assignments(folder / "truth.csv", kept, folder.name)
        print(f"{folder.name}: pair P/R/F1 {e.pair_precision:.3f}/{e.pair_recall:.3f}/{e.pair_f1:.3f}, "
              f"ring recall {e.ring_recall:.3f}, FA look-alikes {e.lookalike_false_alarm_rate:.4f}, "
              f"all legit {e.legit_false_alarm_rate:.4f}")


if __name__ == "__main__":
    main()
