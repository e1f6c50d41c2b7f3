"""Would a count or limit that grows with the region, changed, keep more rings whole? Re-link, re-cluster and re-score a
copy of a kept run with one piece of evidence recomputed, and evaluate.

    python bench/link_counterfactual.py FOLDER CHANGE [CHANGE ...]

FOLDER is a kept run: truth.csv and its working DB (.results.duckdb.work/ or results.duckdb.work/).

Each CHANGE runs on its own scratch copy of the working DB (a 1,000,000-company one is 4 GB; copy and run take about
as long as the link score and cluster stages, 1-2 minutes on two cores), with this checkout's SQL and settings:

- `none`: pair_evidence as the run kept it (the run's own figures back, a check of the method);
- `hometown-limit=N`: SAME_HOMETOWN rows recomputed (sql/linking/weak_evidence.sql's own CTE) with
  hub_limit_hometown N in place of the setting (a county's usual count of young newcomers, over the whole region);
- `home-region-full`: every BATCH_HOME_REGION row at full weight (its rarity count, the prefecture's young fresh
  companies over the whole region, capped at weak_rarity_size);
- `branch-flow=F`: the batch rules' rows (sql/linking/batch_evidence.sql) recomputed with each branch's fresh
  openings times F - F = 0.2 is the region with five times the branches, each as busy as at a fifth of the size;
- `branch-flow-all=F`: the same, and the cluster stage's straggler rules (flows/pipeline/batch_stragglers.py) expect
  from the place's fresh openings times F too (their first window count, `n_place`);
- `stray-branches=F`: the batch rules' rows recomputed with BATCH_JOINED's count of branches that had fresh openings
  within batch_days (the branches any of which could have shown a stray cell, over the whole region) times F -
  F = 0.2 at 1,000,000 companies with `grow_branches` is the 200k region's count;
- `county-strays-own-batch`: the batch rules' rows recomputed with a stray cell that is a batch of its own another
  event even when both are batches of one county (BATCH_JOINED's exception for a recruiter's town split over two
  branches dropped);
- `batch-rows`: the batch rules' rows recomputed with this checkout's SQL as it stands;
- `stray-any-city`: the same with BATCH_JOINED's strays taken at a branch of any city (the test that a prefecture
  batch's stray branch and its own are of one city, each branch's city the prefecture most of its openers are
  registered in, left out);
- `county-same-city`: the same with a county's batch kept to its city too (the SQL keeps only a prefecture's);
- `branch-city-share=F`: the batch rules' rows recomputed with a branch's city known only when more than F of its
  openers are registered in it (the SQL asks a majority, F = 0.5); a branch without one is judged as any.
- `no-twins`: the batch rules' rows recomputed without BATCH_TWO_BRANCHES (a batch's second branch that shows a
  batch of its own stays apart, as before it);
- `twin-days=N`: the same with BATCH_TWO_BRANCHES's window N days in place of branch_days;
- `twin-no-bank-pick`: the same without the bank as the last tie-break (a half that sees several other branches and
  no footprint towards any pairs with none, even when one of them is of its own bank's);
- `twin-no-footprint`: the same without the footprint (no shared phone, agent, room or person picks a half's second
  branch among several).

Then company_links, the verdict steps (no verdicts in a bench run), the cluster stage, the score stage and the flag
rule, and `evaluate_assignments` as `shellring evaluate` counts: pair P/R/F1, rings found by kind and level, false
alarms, flagged clusters holding more than one ring or a legitimate company.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
from rescore import kept_work_db, score

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlfunctions import create_sql_functions
from shellring.flows.core.sqlsteps import fetch_frame, load_step, run_sql
from shellring.flows.pipeline import batch_stragglers
from shellring.flows.pipeline.components import build_company_clusters
from shellring.flows.results.evaluate import evaluate_assignments

SQL = Path(__file__).resolve().parents[1] / "sql" / "linking"
BATCH_REASONS = "select reason from link_reasons where produced_by = 'batch_evidence'"
RELINK = ["linking/company_links", "history/effective_verdicts", "history/dropped_links", "history/company_links_kept"]


def _cte_rows(name: str, table: str, last_cte: str, replace: tuple[str, str] | None = None) -> str:
    """A SELECT of one CTE of a linking step's SQL (its CTEs up to `last_cte`'s successor kept)."""
    body = (SQL / f"{name}.sql").read_text().split(f"create or replace temp table {name} as", 1)[1]
    if replace:
        assert replace[0] in body, replace
        body = body.replace(replace[0], replace[1], 1)
    if last_cte:
        body = body[:body.index(f"{last_cte} as (")].rstrip().rstrip(",") + f"\nselect * from {table}"
    return body


def _replace_rows(con: duckdb.DuckDBPyConnection, reasons: str, select: str) -> None:
    con.execute(f"create or replace temp table _new as {select}")
    con.execute(f"delete from pair_evidence where reason in ({reasons})")
    con.execute("insert into pair_evidence select company_a, company_b, reason, attr_kind, attr_value, n_companies, "
                "null, null from _new")


# BATCH_TWO_BRANCHES's variants: the text of sql/linking/batch_evidence.sql replaced, and by what ({value}: the
# change's value)
TWIN_CHANGES = {
    "no-twins": ("anti join siblings as s using (company_a, company_b);",
                 "anti join siblings as s using (company_a, company_b) where false;"),
    "twin-days": ("<= getvariable('branch_days')\n    left join branch_cities as ac",
                  "<= {value}\n    left join branch_cities as ac"),
    "twin-no-bank-pick": ("when count(distinct k.other_branch) = 0 and", "when false and"),
    "twin-no-footprint": ("semi join shared_value_evidence as e",
                          "semi join (from shared_value_evidence limit 0) as e"),
}


def apply(con: duckdb.DuckDBPyConnection, change: str) -> Callable[[], None]:
    """Recompute the change's evidence in `con`; returns what undoes any change to this process's modules."""
    name, _, value = change.partition("=")
    if name == "none":
        return lambda: None
    if name == "hometown-limit":
        con.execute(f"set variable hub_limit_hometown = {float(value)}")
        _replace_rows(con, "'SAME_HOMETOWN'", _cte_rows("weak_evidence", "same_hometown", "signed_pairs"))
    elif name == "home-region-full":
        con.execute("update pair_evidence set n_companies = least(n_companies, getvariable('weak_rarity_size')) "
                    "where reason = 'BATCH_HOME_REGION'")
    elif name in ("branch-flow", "branch-flow-all"):
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", (") as n_branch,", f") * {float(value)} "
                                                                                    "as n_branch,")))
        if name == "branch-flow-all":
            return _scale_straggler_place_counts(float(value))
    elif name == "stray-branches":
        scaled = f"n.n_branches * {float(value)} as n_branches,"
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", ("n.n_branches,", scaled)))
    elif name == "county-strays-own-batch":
        county_exception = "where length(b.origin) = 6 or not exists ("
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", (county_exception, "where not exists (")))
    elif name == "batch-rows":
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", ""))
    elif name == "stray-any-city":
        city_test = "where (xc.city is null or bc.city is null or xc.city = bc.city or length(b.origin) = 6)"
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", (city_test, "where (true)")))
    elif name == "county-same-city":
        county = " or length(b.origin) = 6)\n        and (length(b.origin) = 6 or not exists"
        strict = ")\n        and (length(b.origin) = 6 or not exists"
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", (county, strict)))
    elif name == "branch-city-share":
        majority = "max(n) * 2 > sum(n) as clear"
        share = f"max(n) > {float(value)} * sum(n) as clear"
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", (majority, share)))
    elif name in TWIN_CHANGES:
        old, new = TWIN_CHANGES[name]
        _replace_rows(con, BATCH_REASONS, _cte_rows("batch_evidence", "", "", (old, new.format(value=value))))
    else:
        raise SystemExit(f"unknown change {change!r} (see the docstring)")
    return lambda: None


def _scale_straggler_place_counts(factor: float) -> Callable[[], None]:
    """The straggler rules' first window count in each `_attach` call is `n_place` (the place's fresh openings in the
    days); scale it, and nothing else, by wrapping the module's `_attach` and `_window_counts`."""
    window_counts, attach = batch_stragglers._window_counts, batch_stragglers._attach
    state = {"calls": 0}

    def counted(*args, **kwargs):
        out = window_counts(*args, **kwargs)
        state["calls"] += 1
        return out * factor if state["calls"] == 1 else out

    def attach_scaled(*args, **kwargs):
        state["calls"] = 0
        return attach(*args, **kwargs)

    batch_stragglers._window_counts = counted
    batch_stragglers._attach = attach_scaled

    def restore() -> None:
        batch_stragglers._window_counts, batch_stragglers._attach = window_counts, attach

    return restore


def run(folder: Path, change: str, scratch: Path) -> str:
    copy = scratch / f"{folder.name}.duckdb"
    shutil.copyfile(kept_work_db(folder), copy)
    con = duckdb.connect(str(copy))
    undo = None
    try:
        con.execute("set threads = 2")
        Settings().apply(con)
        create_sql_functions(con)
        undo = apply(con, change)
        for step in RELINK:
            run_sql(con, load_step(step))
        build_company_clusters(con, Settings())
        score(con)
        flagged = fetch_frame(con, """select f.cluster_no::varchar as cluster_id, c.uscc
            from flags as f join company_clusters as cc using (cluster_no)
            join stg_companies as c using (company_id) where f.flagged""")
    finally:
        if undo:
            undo()
        con.close()
        copy.unlink()
    ev = evaluate_assignments(folder / "truth.csv", flagged, folder.name)
    kinds = " / ".join(f"{k} {v:.3f}" for k, v in sorted(ev.ring_recall_by_kind.items()))
    levels = " / ".join(f"{k} {v:.3f}" for k, v in sorted(ev.ring_recall_by_sophistication.items()))
    return (f"| {folder.name} | {change} | {ev.pair_precision:.3f} / {ev.pair_recall:.3f} / {ev.pair_f1:.3f} | "
            f"{ev.ring_recall:.3f} | {kinds} | {levels} | {ev.lookalike_false_alarm_rate:.4f} / "
            f"{ev.legit_false_alarm_rate:.4f} | {ev.clusters_multi_ring} / {ev.clusters_with_legit} of "
            f"{ev.flagged_clusters} |")


def main() -> None:
    folder, changes = Path(sys.argv[1]), sys.argv[2:] or ["none"]
    print("| run | change | P / R / F1 | ring recall | by kind | by level | FA look-alikes / all legit | "
          "flagged: >1 ring / >=1 legit |\n|---|---|---|---|---|---|---|---|")
    for change in changes:
        scratch = Path(tempfile.mkdtemp(prefix="shellring-counterfactual-", dir="/tmp"))
        try:
            print(run(folder, change, scratch), flush=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
