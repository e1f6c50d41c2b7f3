"""The run's working DuckDB file: raw and intermediate tables, never published as is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from shellring.flows.core import resources
from shellring.flows.core.settings import Settings


@dataclass(frozen=True)
class Workspace:
    """Where one run keeps its working database and scratch files (beside the published DB)."""

    root: Path

    @classmethod
    def for_results(cls, results_db: Path, run_id: str) -> Workspace:
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


def memory_budget(input_bytes: int | None) -> str:
    """DuckDB's budget for a run over extracts of this size on this machine (flows/core/resources.py)."""
    return f"{resources.memory_budget_here(input_bytes)}MiB"


def _configure(con: duckdb.DuckDBPyConnection, scratch: Path, memory_limit: str) -> None:
    override = os.environ.get("SHELLRING_MEMORY_LIMIT")
    con.execute("set memory_limit = ?", [memory_budget(None) if override else memory_limit])
    con.execute("set threads = ?", [resources.cores_here()])
    con.execute("set temp_directory = ?", [str(scratch / "duckdb_tmp")])
    con.execute("set preserve_insertion_order = false")


@contextmanager
def connect(ws: Workspace, settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the working DB with explicit resource limits and the run's variables set."""
    con = duckdb.connect(str(ws.db))
    try:
        params = _read_run_params(con)
        _configure(con, ws.scratch, params.pop("memory_limit", None) or memory_budget(None))
        (settings or Settings()).apply(con)
        for name, value in params.items():
            con.execute(f"set variable {name} = ?", [value])
        yield con
    finally:
        con.close()
    os.chmod(ws.db, 0o600)


def write_run_params(ws: Workspace, *, run_id: str, region: str, since: date | None, until: date | None,
                     inputs: list[Path] | None = None) -> None:
    """The run's parameters, read by every stage; `inputs` (the extract files) size DuckDB's memory budget."""
    input_bytes = sum(Path(p).stat().st_size for p in inputs) if inputs else None
    con = duckdb.connect(str(ws.db))
    try:
        con.execute(
            "create or replace table run_params as select ?::varchar as run_id, ?::varchar as region, "
            "?::date as since, ?::date as until, ?::varchar as memory_limit",
            [run_id, region, since, until, memory_budget(input_bytes)],
        )
    finally:
        con.close()
    os.chmod(ws.db, 0o600)


def _read_run_params(con: duckdb.DuckDBPyConnection) -> dict:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'run_params'"
    ).fetchall()[0][0]
    if not exists:
        return {}
    result = con.execute("select * from run_params")
    names = [column[0] for column in result.description]
    return dict(zip(names, result.fetchall()[0]))
