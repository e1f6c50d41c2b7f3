"""Atomic publication of a run into the analysts' DuckDB file.

The published file is never written in place: the previous file is copied, the run's rows are
written into the copy, and the copy is renamed over the original. Readers that hold the old file
open keep reading it; a run killed at any point leaves the previous results intact. Re-publishing
the same run_id replaces that run's rows, so reruns are idempotent.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from flows.sqlsteps import run_step

# Published table -> the working-DB table holding this run's rows.
PUBLISHED = {
    "clusters": "pub_clusters",
    "cluster_members": "pub_cluster_members",
    "links": "pub_links",
    "hubs": "pub_hubs",
    "rejected_rows": "rejected_rows",
    "cluster_changes": "pub_cluster_changes",
    "cluster_lineage": "pub_cluster_lineage",
    "run_history": "pub_run_history",
}


@contextmanager
def publish_lock(results_db: Path) -> Iterator[None]:
    """One publisher at a time per results file (two scheduled runs may finish together)."""
    lock_path = results_db.with_name(results_db.name + ".lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_run(con: duckdb.DuckDBPyConnection, work_db: Path, run_row: dict) -> None:
    con.execute("attach ? as work (read_only)", [str(work_db)])
    run_step(con, "marts/published_schema")
    run_id = run_row["run_id"]
    for published, source in PUBLISHED.items():
        con.execute(f"delete from {published} where run_id = ?", [run_id])
        if source == "rejected_rows":
            con.execute(f"insert into {published} by name select * from work.{source} where run_id = ?", [run_id])
        else:
            con.execute(f"insert into {published} by name select * from work.{source}")
    con.execute("delete from verdicts")  # a whole copy of the verdicts this run honoured
    con.execute("insert into verdicts by name select * from work.analyst_verdicts")
    con.execute("delete from runs where run_id = ?", [run_id])
    columns = list(run_row)
    placeholders = ", ".join("?" for _ in columns)
    con.execute(
        f"insert into runs ({', '.join(columns)}) values ({placeholders})",
        [json.dumps(v, default=str) if isinstance(v, (dict, list)) else v for v in run_row.values()],
    )
    run_step(con, "marts/published_views")
    con.execute("detach work")
    con.execute("checkpoint")


def publish(work_db: Path, results_db: Path, run_row: dict) -> Path:
    """Write this run into a copy of the published file, then rename the copy into place."""
    results_db.parent.mkdir(parents=True, exist_ok=True)
    with publish_lock(results_db):
        staging = results_db.with_name(f".{results_db.name}.{run_row['run_id']}.publishing")
        staging.unlink(missing_ok=True)
        if results_db.exists():
            shutil.copyfile(results_db, staging)
        con = duckdb.connect(str(staging))
        try:
            _write_run(con, work_db, run_row)
        finally:
            con.close()
        os.chmod(staging, 0o600)
        with open(staging, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, results_db)
        _fsync_dir(results_db.parent)
    return results_db
