"""Given/expect for pipeline steps, in the spirit of dbt unit tests: a few rows in, one step run, rows out.

    con = given({"stg_companies": [{"company_id": 1, ...}, ...]}, settings=Settings(weak_days=30))
    run(con, "linking/weak_evidence")
    assert rows(con, "select company_a, company_b, reason from weak_evidence") == [...]

`given` opens an in-memory DuckDB with the settings and rule tables applied (as every stage has them)
and the run's parameters bound, then creates each given table from its rows (dicts; a column's type is
read from its values, so give dates as datetime.date and spell NULL-only columns with a typed value in
one row or pass a polars DataFrame with a schema).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import run_step

RUN_PARAMETERS = {"run_id": "run-1", "region": "test", "since": None, "until": None,
                  "previous_run_id": None}
# Tables a run always has, empty unless a test gives rows: no national hub list (the usual regional run).
EMPTY_UNLESS_GIVEN = {"national_hub_values": "attr_kind varchar, attr_value varchar"}


def given(tables: dict[str, list[dict] | pl.DataFrame], settings: Settings | None = None,
          **variables) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    (settings or Settings()).apply(con)
    for name, value in {**RUN_PARAMETERS, **variables}.items():
        if isinstance(value, date):
            con.execute(f"set variable {name} = ?::date", [value])
        elif value is None:
            con.execute(f"set variable {name} = null::varchar")
        else:
            con.execute(f"set variable {name} = ?", [value])
    for table, columns in EMPTY_UNLESS_GIVEN.items():
        con.execute(f"create table {table} ({columns})")
    for table, data in tables.items():
        frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(data, infer_schema_length=None)
        con.register("_given", frame.to_arrow())
        con.execute(f"create or replace table {table} as select * from _given")
        con.unregister("_given")
    return con


def run(con: duckdb.DuckDBPyConnection, *steps: str) -> None:
    for step in steps:
        run_step(con, step)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()
