"""Atomic publication of a run into the analysts' DuckDB file.

The published file is never written in place: the previous file is copied, the run's rows are
written into the copy, and the copy is renamed over the original. Readers that hold the old file
open keep reading it; a run killed at any point leaves the previous results intact. Re-publishing
the same run_id replaces that run's rows, so reruns are idempotent.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from shellring.flows.core.sqlsteps import run_schema

# Published table -> the working-DB table holding this run's rows.
PUBLISHED = {
    "clusters": "pub_clusters",
    "cluster_members": "pub_cluster_members",
    "links": "pub_links",
    "hubs": "pub_hubs",
    "cluster_hubs": "pub_cluster_hubs",
    "cluster_values": "pub_cluster_values",
    "rejected_rows": "rejected_rows",
    "cluster_changes": "pub_cluster_changes",
    "cluster_lineage": "pub_cluster_lineage",
    "run_history": "pub_run_history",
}
COPY_CHUNK = 1 << 20
# Test-only fault injection: with SHELLRING_TEST_PAUSE_AT=publish:<point> (points: locked, copying, writing,
# renaming) the publisher touches the file named by SHELLRING_TEST_PAUSE_FILE and sleeps there, so a test
# can kill -9 the run at that point. Unset in production; costs one dict lookup per point.
PAUSE_ENV = "SHELLRING_TEST_PAUSE_AT"


def _test_pause(point: str) -> None:
    if os.environ.get(PAUSE_ENV) != f"publish:{point}":
        return
    marker = os.environ.get("SHELLRING_TEST_PAUSE_FILE")
    if marker:
        Path(marker).touch()
    time.sleep(float(os.environ.get("SHELLRING_TEST_PAUSE_SECONDS", "600")))


@contextmanager
def publish_lock(results_db: Path) -> Iterator[None]:
    """One publisher at a time per results file (two scheduled runs may finish together)."""
    lock_path = results_db.with_name(results_db.name + ".lock")
    with os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
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


def _remove_stale_staging(results_db: Path) -> None:
    """Staging files (and DuckDB WALs) left by a killed publisher; safe because we hold the lock."""
    pattern = glob.escape(str(results_db.with_name(f".{results_db.name}."))) + "*.publishing*"
    for stale in glob.glob(pattern):
        Path(stale).unlink(missing_ok=True)


def _copy_private(source: Path, target: Path) -> None:
    """Copy the published file into a new owner-only file (never readable by others, even briefly)."""
    with (open(source, "rb") as src,
          os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as dst):
        dst.write(src.read(COPY_CHUNK))
        dst.flush()
        _test_pause("copying")
        while chunk := src.read(COPY_CHUNK):
            dst.write(chunk)


def _write_run(con: duckdb.DuckDBPyConnection, work_db: Path, run_row: dict) -> None:
    con.execute("attach ? as work (read_only)", [str(work_db)])
    run_schema(con, "published_tables")
    run_id = run_row["run_id"]
    for published, source in PUBLISHED.items():
        con.execute(f"delete from {published} where run_id = ?", [run_id])
        if source == "rejected_rows":
            con.execute(f"insert into {published} by name select * from work.{source} where run_id = ?", [run_id])
        else:
            con.execute(f"insert into {published} by name select * from work.{source}")
        _test_pause("writing")
    con.execute("delete from verdicts")  # a whole copy of the verdicts this run honoured
    con.execute("insert into verdicts by name select * from work.analyst_verdicts")
    con.execute("delete from runs where run_id = ?", [run_id])
    columns = list(run_row)
    placeholders = ", ".join("?" for _ in columns)
    con.execute(
        f"insert into runs ({', '.join(columns)}) values ({placeholders})",
        [json.dumps(v, default=str) if isinstance(v, (dict, list)) else v for v in run_row.values()],
    )
    run_schema(con, "published_views")
    con.execute("detach work")
    con.execute("checkpoint")


def publish(work_db: Path, results_db: Path, run_row: dict) -> Path:
    """Write this run into a copy of the published file, then rename the copy into place."""
    results_db.parent.mkdir(parents=True, exist_ok=True)
    with publish_lock(results_db):
        _test_pause("locked")
        _remove_stale_staging(results_db)
        staging = results_db.with_name(f".{results_db.name}.{run_row['run_id']}.publishing")
        if results_db.exists():
            _copy_private(results_db, staging)
        con = duckdb.connect(str(staging))
        os.chmod(staging, 0o600)
        try:
            _write_run(con, work_db, run_row)
        finally:
            con.close()
        os.chmod(staging, 0o600)
        with open(staging, "rb+") as handle:
            os.fsync(handle.fileno())
        _test_pause("renaming")
        os.replace(staging, results_db)
        _fsync_dir(results_db.parent)
    return results_db
