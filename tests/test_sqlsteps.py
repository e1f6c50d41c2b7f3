"""A SQL step that outgrows DuckDB's budget is retried with more memory instead of failing the run."""

from __future__ import annotations

import logging

import duckdb
import pytest

import shellring.flows.core.sqlsteps as sqlsteps
from shellring.flows.core.sqlsteps import execute_with_memory_retry

NEEDS_MEMORY = "create or replace table t as select list(i::varchar || repeat('x', 50)) as l from range(400000) r(i)"


@pytest.fixture()
def con():
    connection = duckdb.connect()
    connection.execute("set memory_limit = '16MB'")
    yield connection
    connection.close()


def test_out_of_memory_doubles_the_budget_and_retries(con, caplog):
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute(NEEDS_MEMORY)  # the statement really does not fit the budget
    with caplog.at_level(logging.WARNING, logger="shellring.flows.core.sqlsteps"):
        execute_with_memory_retry(con, NEEDS_MEMORY, "test step")
    assert con.execute("select len(l) from t").fetchall() == [(400_000,)]
    assert "test step ran out of DuckDB's" in caplog.text
    number, unit = con.execute("select current_setting('memory_limit')").fetchall()[0][0].split()
    assert unit == "MiB" and float(number) > 16


def test_the_retry_stops_at_the_machine_ceiling(con, monkeypatch):
    monkeypatch.setattr(sqlsteps, "_physical_mib", lambda: 40)  # 60 % of 40 MiB: no room to double 16 MiB twice
    with pytest.raises(duckdb.OutOfMemoryException):
        execute_with_memory_retry(con, NEEDS_MEMORY, "test step")
