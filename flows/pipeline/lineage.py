"""Stable cluster ids across runs, the lineage behind them, and what changed since the last run.

Runs after scoring and before the marts (the history stage of flows/pipeline/plan.py: the Python steps
here read the published DB and hand ids over; the SQL steps in sql/history/ do the rest).
The region's previous run is read from the published DB
(attached read-only); each cluster of this run is compared with the previous run's clusters by
shared companies (`sql/history/lineage_edges.sql`). A previous id passes to at most one cluster and
a cluster takes at most one id: greedily, the edge sharing most companies first (ties: higher
Jaccard, then smaller previous id, then smaller member USCC), so the ring that holds most of a
previous cluster keeps its id as it grows, and the result is the same for the same inputs. Every
other cluster gets a fresh id never issued before in the results DB.

"Previous" means the region's latest run published before this run_id was first published, so a
rerun of an older period compares with the same run as the first time and gives the same ids.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

_EMPTY_HISTORY = {
    "prev_members": "select null::varchar as cluster_id, null::varchar as uscc where false",
    "used_cluster_ids": "select null::varchar as cluster_id where false",
    "verdict_members": "select null::varchar as cluster_id, null::varchar as run_id, null::varchar as uscc where false",
}


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute(
        "select count(*) from duckdb_tables() where database_name = 'published' and table_name = ?", [name]
    ).fetchone()[0] > 0


def _read_history(con: duckdb.DuckDBPyConnection, results_db: Path) -> str | None:
    """Copy what this run needs from the published DB into the working DB; returns the previous run id.

    A run looks back on the runs published before its history cutoff (the time its history was first
    taken, kept in `run_history`), so a rerun sees the same past as the first time it ran.
    """
    con.execute("attach ? as published (read_only)", [str(results_db)])
    try:
        if not _has_table(con, "runs"):
            return None
        stored = None
        if _has_table(con, "run_history"):
            stored = con.execute("select previous_run_id, history_cutoff from published.run_history "
                                 "where run_id = getvariable('run_id')").fetchone()
            cutoffs = "select run_id, history_cutoff from published.run_history"
        else:
            cutoffs = "select null::varchar as run_id, null::timestamp as history_cutoff where false"
        if stored:
            con.execute("update pub_run_history set previous_run_id = ?, history_cutoff = ?", list(stored))
        con.execute(
            f"""
            create or replace temp table history_runs as
            select r.run_id, r.region, coalesce(h.history_cutoff, r.finished_at) as cutoff
            from published.runs as r
            left join ({cutoffs}) as h using (run_id)
            where r.status = 'succeeded' and r.run_id <> getvariable('run_id')
              and coalesce(h.history_cutoff, r.finished_at) < (select history_cutoff from pub_run_history)
            """
        )
        if not stored:
            con.execute(
                """
                update pub_run_history set previous_run_id = (
                    select run_id from history_runs where region = getvariable('region')
                    order by cutoff desc, run_id limit 1)
                """
            )
        previous_run_id = con.execute("select previous_run_id from pub_run_history").fetchone()[0]
        con.execute(
            "create or replace table prev_members as select distinct cluster_id, uscc "
            "from published.cluster_members where run_id = ?",
            [previous_run_id],
        )
        con.execute(
            "create or replace table used_cluster_ids as select distinct cluster_id from published.clusters "
            "where run_id in (select run_id from history_runs)"
        )
        con.execute(
            """
            create or replace table verdict_members as
            select distinct m.cluster_id, m.run_id, m.uscc
            from published.cluster_members as m
            join effective_verdicts as v on v.target = 'cluster' and v.cluster_id = m.cluster_id
                and v.run_id = m.run_id
            """
        )
        return previous_run_id
    finally:
        con.execute("detach published")


def match_previous_ids(edges: pl.DataFrame) -> pl.DataFrame:
    """Greedy one-to-one hand-over of previous ids along the strongest overlaps first."""
    ordered = edges.sort(
        ["n_common", "jaccard", "previous_cluster_id", "min_uscc"], descending=[True, True, False, False]
    )
    taken_numbers: set[int] = set()
    taken_ids: set[str] = set()
    numbers, ids = [], []
    for cluster_no, previous_id in ordered.select("cluster_no", "previous_cluster_id").iter_rows():
        if cluster_no in taken_numbers or previous_id in taken_ids:
            continue
        taken_numbers.add(cluster_no)
        taken_ids.add(previous_id)
        numbers.append(cluster_no)
        ids.append(previous_id)
    return pl.DataFrame({"cluster_no": numbers, "cluster_id": ids},
                        schema={"cluster_no": edges.schema["cluster_no"], "cluster_id": pl.String})


def read_history(con: duckdb.DuckDBPyConnection, results_db: Path | None) -> dict:
    """Write prev_members, used_cluster_ids, verdict_members and pub_run_history from the published DB
    (empty ones for a first run), and bind the variable previous_run_id."""
    for table, sql in _EMPTY_HISTORY.items():
        con.execute(f"create or replace table {table} as {sql}")
    con.execute(
        "create or replace table pub_run_history as select getvariable('run_id') as run_id, "
        "getvariable('region') as region, null::varchar as previous_run_id, "
        "(now() at time zone 'UTC')::timestamp as history_cutoff"
    )
    previous_run_id = _read_history(con, results_db) if results_db is not None and results_db.is_file() else None
    con.execute("set variable previous_run_id = ?::varchar", [previous_run_id])
    return {"previous_run_id": previous_run_id}


def build_inherited_ids(con: duckdb.DuckDBPyConnection) -> int:
    """Table inherited_ids(cluster_no, cluster_id): the previous ids this run's clusters keep."""
    edges = pl.from_arrow(con.sql(
        "select cluster_no, previous_cluster_id, n_common, jaccard, min_uscc from lineage_edges"
    ).to_arrow_table())
    inherited = match_previous_ids(edges)
    con.register("_inherited", inherited.to_arrow())
    con.execute("create or replace table inherited_ids as select * from _inherited")
    con.unregister("_inherited")
    return inherited.height


def history_summary(con: duckdb.DuckDBPyConnection, previous_run_id: str | None) -> dict:
    """Check the stable ids (every cluster one id, no id twice) and count the changes."""
    unassigned = con.execute(
        "select count(*) from cur_clusters anti join stable_cluster_ids using (cluster_no)"
    ).fetchone()[0]
    duplicated = con.execute(
        "select count(*) - count(distinct cluster_id) from stable_cluster_ids"
    ).fetchone()[0]
    if unassigned or duplicated:
        raise RuntimeError(f"stable ids: {unassigned} clusters without an id, {duplicated} ids used twice")
    changes = dict(con.execute("select change, count(*) from pub_cluster_changes group by change").fetchall())
    return {"previous_run_id": previous_run_id, "changes": changes,
            "verdicts_applied": con.execute("select count(*) from cluster_verdict_effects").fetchone()[0]}
