"""Re-run only the score steps on kept runs' working DBs and evaluate the flagged clusters, with why rings missed.

    python bench/rescore.py FOLDER [FOLDER ...] [--misses] [--terms] [--recluster]

A FOLDER is one `bench/quality.py --keep` run (truth.csv, results.duckdb and its `.results.duckdb.work/`).
The working DB is copied to a scratch file; this checkout's score stage (company_features ... cluster_scores)
and the flag rule (score >= flag_threshold and a member opened an account in the window; bench runs carry no
verdicts) are re-run with this checkout's SQL and settings, and the flagged (cluster, uscc) pairs are scored
with `evaluate_assignments`. The clusters are the run's, only the scoring differs, so two checkouts compare
side by side on the same clusters. `--misses` prints every ring whose best cluster holds >= 80% of it but is
not flagged, with its terms' contributions; `--terms` prints, per kind and level over all folders, how many
rings were split / unflagged / contaminated. `--recluster` re-runs this checkout's cluster stage
(build_company_clusters) first, on the run's links: a cluster-rule change compared side by side the same way.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import duckdb
import polars as pl
from ring_outcomes import ring_outcomes_sql

KINDS = ["address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"]
LEVELS = ["naive", "medium", "sophisticated"]
# the outside generators' names for the same kinds (truth.csv `kind`): the column shows whichever the data uses
KIND_ALIASES = {"nominee_rep": "nominee", "agent_opener": "agent", "weak_links": "mixed"}

RINGS = ring_outcomes_sql("""
    select cc.cluster_no, c.uscc, s.risk_score, s.flagged
    from company_clusters as cc join stg_companies as c using (company_id) join flags as s using (cluster_no)
""")


def kept_work_db(folder: Path) -> Path:
    """The working DB kept beside a run's results DB (a quality.py run, or a kept <name>.results.duckdb), hidden as
    the job leaves it or linked in as `results.duckdb.work` (a folder gathering a kept run's results and truth)."""
    found = [*folder.glob(".*results.duckdb.work/*/work.duckdb"), *folder.glob("results.duckdb.work/*/work.duckdb")]
    if len(found) != 1:
        raise SystemExit(f"{folder}: expected one kept working DB (.results.duckdb.work/*/work.duckdb), found "
                         f"{len(found)}")
    return found[0]


def working_copy(folder: Path, scratch: Path) -> duckdb.DuckDBPyConnection:
    """A connection to a scratch copy of the folder's kept working DB, with this checkout's settings applied."""
    from shellring.flows.core.settings import Settings

    copy = scratch / f"{folder.name}.duckdb"
    shutil.copyfile(kept_work_db(folder), copy)
    con = duckdb.connect(str(copy))
    con.execute("set threads = 2")
    Settings().apply(con)
    return con


def score(con: duckdb.DuckDBPyConnection) -> None:
    """This checkout's score stage (SQL steps only) on the clusters in `con`, and `flags` (cluster_no, risk_score,
    flagged) by the flag rule."""
    from shellring.flows.core.sqlsteps import load_step, run_sql
    from shellring.flows.pipeline.plan import STAGES

    for step in STAGES["score"]:
        run_sql(con, load_step(step))
    con.execute("""create or replace temp table flags as
        select s.cluster_no, s.risk_score, s.flagged and f.n_window_companies > 0 as flagged
        from cluster_scores as s join cluster_features as f using (cluster_no)""")


def rescore(folder: Path, scratch: Path, recluster: bool = False) -> duckdb.DuckDBPyConnection:
    from shellring.flows.core.settings import Settings
    from shellring.flows.pipeline.components import build_company_clusters

    con = working_copy(folder, scratch)
    if recluster:
        build_company_clusters(con, Settings())
    score(con)
    return con


def main() -> None:
    from shellring.flows.core.sqlsteps import fetch_frame
    from shellring.flows.results.evaluate import evaluate_assignments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--terms", action="store_true")
    parser.add_argument("--recluster", action="store_true", help="re-run the cluster stage first")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="shellring-rescore-"))
    header = ["run", "P", "R", "F1", "ring recall"] + KINDS + LEVELS + [
        "FA look-alikes", "FA all legit", "flagged", ">1 ring", ">=1 legit", "purity mean"]
    rows, outcomes = [], []
    try:
        for folder in args.folders:
            con = rescore(folder, scratch, args.recluster)
            flagged = fetch_frame(con, """select f.cluster_no::varchar as cluster_id, c.uscc
                from flags as f join company_clusters as cc using (cluster_no)
                join stg_companies as c using (company_id) where f.flagged""")
            ev = evaluate_assignments(folder / "truth.csv", flagged, folder.name)

            def cell(recall: dict, counts: dict, key: str) -> str:
                key = key if key in recall else KIND_ALIASES.get(key, key)
                return f"{recall[key]:.3f} ({counts[key]})" if key in recall else "-"

            rows.append([folder.name, f"{ev.pair_precision:.3f}", f"{ev.pair_recall:.3f}", f"{ev.pair_f1:.3f}",
                         f"{ev.ring_recall:.3f} ({ev.rings})"]
                        + [cell(ev.ring_recall_by_kind, ev.rings_by_kind, k) for k in KINDS]
                        + [cell(ev.ring_recall_by_sophistication, ev.rings_by_sophistication, k) for k in LEVELS]
                        + [f"{ev.lookalike_false_alarm_rate:.4f}", f"{ev.legit_false_alarm_rate:.4f}",
                           str(ev.flagged_clusters), str(ev.clusters_multi_ring), str(ev.clusters_with_legit),
                           f"{ev.purity_mean:.3f}"])
            rings = fetch_frame(con, RINGS, [str(folder / "truth.csv")])
            outcomes.append(rings.select("kind", "level", "outcome", pl.col("score").round(1)))
            if args.misses:
                missed = rings.filter(pl.col("outcome") == "unflagged").sort("kind", "level", "score")
                con.register("missed", missed.to_arrow())
                detail = con.execute("""
                    select m.kind, m.level, m.size, m.n, m.cluster_no, round(m.score, 1) as score,
                        string_agg(t.term || '=' || round(t.contribution, 2)::varchar, ' '
                                   order by abs(t.contribution) desc)
                            filter (where abs(t.contribution) >= 0.05) as terms,
                        any_value(f.max_companies_per_value) as per_value, any_value(f.value_span_days) as v_span,
                        any_value(f.life_days) as life, any_value(f.n_evidence_kinds) as kinds,
                        any_value(f.max_companies_per_rep) as per_rep,
                        any_value(f.max_companies_per_controller) as per_ctl, any_value(f.reg_span_days) as reg_span
                    from missed as m join cluster_terms as t using (cluster_no)
                    join cluster_features as f using (cluster_no)
                    group by all order by m.kind, m.level, score""").fetchall()
                print(f"\n{folder.name}: rings whole in one unflagged cluster")
                for row in detail:
                    print(" | ".join(map(str, row)))
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.terms:
        print("\n| kind | level | outcome | rings | median score of its best cluster |\n|---|---|---|---|---|")
        counts = (pl.concat(outcomes).filter(pl.col("outcome") != "found").group_by("kind", "level", "outcome")
                  .agg(pl.len(), pl.col("score").median()).sort("kind", "level", "outcome"))
        for kind, level, outcome, n, score in counts.iter_rows():
            print(f"| {kind} | {level} | {outcome} | {n} | {score} |")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
