"""The lookups and the staged tables keep only columns a later step reads, and every column a step reads is kept.

Each column stored for nobody costs its share of the workers' Arrow files and of writing the working DB
(the address parser alone gives nine parts nobody reads); dropping one that a step reads breaks the job.
"""

from __future__ import annotations

import importlib
import inspect
import re
from importlib import resources

import duckdb

from shellring.flows.core.sqlsteps import SqlStep, load_query
from shellring.flows.pipeline.normalize import FIRST, STEPS, STORED_COLUMNS
from shellring.flows.pipeline.plan import plan
from shellring.flows.results.reveal import default_working_db

# Python code that queries the staged tables by column name (besides the SQL steps that declare them)
PYTHON_READERS = {"stg_companies": ("shellring.flows.pipeline.components", "shellring.flows.results.reveal"),
                  "stg_accounts": ("shellring.flows.pipeline.components",)}
# kept though no step reads them: the flags the README promises analysts (invalid codes are "warned about
# (`uscc_valid`, `rep_id_valid`) and kept") and the accounts' row key (bench/compare_splink.py orders by it)
DOCUMENTED = {"uscc_valid", "rep_id_valid", "account_id"}
KEYS = {"input", "hint"}


def _sql_reading(table: str) -> list[str]:
    """The text of every SQL step and DISTINCT query that reads the table."""
    queries = [load_query(query) for _, query, _, _ in (FIRST, *STEPS)]
    steps = [step for _, step in plan() if isinstance(step, SqlStep)]
    return [sql.sql for sql in (*steps, *queries) if table in sql.reads]


def _named(column: str, texts: list[str]) -> bool:
    return any(re.search(rf"\b{column}\b", text) for text in texts)


def _working_db(demo_run) -> duckdb.DuckDBPyConnection:
    summary, db = demo_run
    return duckdb.connect(str(default_working_db(db, summary["run_id"])), read_only=True)


def test_each_lookup_stores_its_declared_columns_and_each_is_read(demo_run):
    con = _working_db(demo_run)
    try:
        for table, columns in STORED_COLUMNS.items():
            stored = [row[0] for row in con.execute(f"describe {table}").fetchall()]
            assert [c for c in stored if c != "hint"] == list(columns), table
            readers = _sql_reading(table)
            unread = [c for c in columns if c not in KEYS and not _named(c, readers)]
            assert unread == [], f"{table} stores {unread}, which no step reads"
    finally:
        con.close()


def test_every_lookup_column_a_staging_step_reads_is_stored():
    root = resources.files("shellring.sql") / "staging"
    read: dict[str, set[str]] = {}
    for file in root.iterdir():
        if not file.name.endswith(".sql"):
            continue
        sql = file.read_text(encoding="utf-8")
        for table, alias in re.findall(r"\b(norm_\w+) as (\w+)", sql):
            read.setdefault(table, set()).update(re.findall(rf"\b{alias}\.(\w+)", sql))
    assert set(read) == set(STORED_COLUMNS)
    for table, columns in read.items():
        assert columns <= set(STORED_COLUMNS[table]) | KEYS, (table, columns - set(STORED_COLUMNS[table]))


def test_every_staged_column_is_read_by_a_later_step_or_reader(demo_run):
    con = _working_db(demo_run)
    try:
        for table, python in PYTHON_READERS.items():
            columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
            readers = _sql_reading(table)
            readers += [inspect.getsource(importlib.import_module(module)) for module in python]
            unread = [c for c in columns if c not in DOCUMENTED and not _named(c, readers)]
            assert unread == [], f"{table} keeps {unread}, which no later step or reader reads"
    finally:
        con.close()
