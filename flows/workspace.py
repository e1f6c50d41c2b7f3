"""The run's working DuckDB file: raw and intermediate tables, never published as is."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

import duckdb

from flows.settings import Settings


@dataclass(frozen=True)
class Workspace:
    """Where one run keeps its working database and scratch files (beside the published DB)."""

    root: Path

    @classmethod
    def for_results(cls, results_db: Path, run_id: str) -> "Workspace":
        root = results_db.parent / f".{results_db.name}.work" / run_id
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for private in (root.parent, root):  # raw personal data inside: owner only, however they were made
            os.chmod(private, 0o700)
        return cls(root)

    @property
    def db(self) -> Path:
        return self.root / "work.duckdb"

    @property
    def scratch(self) -> Path:
        path = self.root / "scratch"
        path.mkdir(exist_ok=True, mode=0o700)
        return path


def _configure(con: duckdb.DuckDBPyConnection, scratch: Path) -> None:
    con.execute("set memory_limit = ?", [os.environ.get("SHELLRING_MEMORY_LIMIT", "2GB")])
    con.execute("set threads = ?", [int(os.environ.get("SHELLRING_THREADS", os.cpu_count() or 2))])
    con.execute("set temp_directory = ?", [str(scratch / "duckdb_tmp")])
    con.execute("set preserve_insertion_order = false")


@contextmanager
def connect(ws: Workspace, settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the working DB with explicit resource limits and the run's variables set."""
    con = duckdb.connect(str(ws.db))
    try:
        _configure(con, ws.scratch)
        (settings or Settings()).apply(con)
        params = _read_run_params(con)
        for name, value in params.items():
            con.execute(f"set variable {name} = ?", [value])
        yield con
    finally:
        con.close()
    os.chmod(ws.db, 0o600)


def write_run_params(ws: Workspace, *, run_id: str, region: str, since: date | None, until: date | None) -> None:
    con = duckdb.connect(str(ws.db))
    try:
        con.execute(
            "create or replace table run_params as select ?::varchar as run_id, ?::varchar as region, "
            "?::date as since, ?::date as until",
            [run_id, region, since, until],
        )
    finally:
        con.close()
    os.chmod(ws.db, 0o600)


def _read_run_params(con: duckdb.DuckDBPyConnection) -> dict:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'run_params'"
    ).fetchone()[0]
    if not exists:
        return {}
    row = con.execute("select run_id, region, since, until from run_params").fetchone()
    return dict(zip(["run_id", "region", "since", "until"], row))
