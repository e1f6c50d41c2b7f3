"""Runs the project's DuckDB SQL files: one file is one named step."""

from __future__ import annotations

import time
from importlib import resources

import duckdb


class SqlStepError(RuntimeError):
    """A SQL step failed; the message names the file and carries the DuckDB error."""


def read_step(name: str) -> str:
    """Text of `sql/<name>.sql` (name like 'staging/companies')."""
    return resources.files("sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _statements(sql: str) -> list[str]:
    return [statement.query for statement in duckdb.extract_statements(sql)]


def run_step(con: duckdb.DuckDBPyConnection, name: str) -> float:
    """Execute every statement of one SQL file; returns seconds taken."""
    started = time.perf_counter()
    for statement in _statements(read_step(name)):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise SqlStepError(f"sql/{name}.sql failed: {exc}\n--- statement ---\n{statement[:2000]}") from exc
    return time.perf_counter() - started


def run_steps(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, float]:
    return {name: run_step(con, name) for name in names}


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """Query result as a polars DataFrame (through Arrow, no per-row Python)."""
    import polars as pl

    return pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
