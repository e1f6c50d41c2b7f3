"""Runs the project's DuckDB SQL files: one file is one named step."""

from __future__ import annotations

import logging
import os
import time
from importlib import resources

import duckdb

from shellring.flows.core.errors import ShellringError

log = logging.getLogger(__name__)

# A statement that runs out of DuckDB's budget is retried with the budget doubled, up to this share of
# the machine's memory: the budget follows the extracts' size (flows/core/workspace.py) and some operators
# cannot spill, so a skewed extract can need more than its size suggests. Failing the run would be worse.
OOM_RETRY_MAX_SHARE = 0.6


def _physical_mib() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def memory_limit_mib(con: duckdb.DuckDBPyConnection) -> float:
    """The connection's DuckDB memory_limit (reported like '1.8 GiB') in MiB."""
    number, unit = con.execute("select current_setting('memory_limit')").fetchall()[0][0].split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024 * 1024}[unit]


def execute_with_memory_retry(con: duckdb.DuckDBPyConnection, statement: str, label: str) -> None:
    """Run one statement; on DuckDB running out of its memory budget, double the budget and try again."""
    ceiling = OOM_RETRY_MAX_SHARE * _physical_mib()
    while True:
        try:
            con.execute(statement)
            return
        except duckdb.OutOfMemoryException:
            current = memory_limit_mib(con)
            if current * 2 > ceiling:
                raise
            con.execute("set memory_limit = ?", [f"{int(current * 2)}MiB"])
            log.warning("%s ran out of DuckDB's %d MiB budget; retrying with %d MiB", label, current, current * 2)


class SqlStepError(ShellringError, RuntimeError):
    """A SQL step failed; the message names the file and carries the DuckDB error."""


def read_step(name: str) -> str:
    """Text of `sql/<name>.sql` (name like 'staging/companies')."""
    return resources.files("shellring.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _statements(sql: str) -> list[str]:
    return [statement.query for statement in duckdb.extract_statements(sql)]


def run_step(con: duckdb.DuckDBPyConnection, name: str) -> float:
    """Execute every statement of one SQL file; returns seconds taken."""
    started = time.perf_counter()
    for statement in _statements(read_step(name)):
        try:
            execute_with_memory_retry(con, statement, f"sql/{name}.sql")
        except duckdb.Error as exc:
            raise SqlStepError(f"sql/{name}.sql failed: {exc}\n--- statement ---\n{statement[:2000]}") from exc
    return time.perf_counter() - started


def run_steps(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, float]:
    return {name: run_step(con, name) for name in names}


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """Query result as a polars DataFrame (through Arrow, no per-row Python)."""
    import polars as pl

    return pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
