"""Runs the project's DuckDB SQL files. A file under sql/ (other than sql/schema/) is one step:

- it writes one table, named after the file (`sql/linking/company_links.sql` writes `company_links`);
- its header declares what it reads and the variables it needs:

      -- reads: pair_evidence, link_reasons
      -- params: fixed_line_factor, link_threshold

The declarations are checked against the SQL itself (`SqlStep.derived_reads`, the plan test), and a
step refuses to run while a variable it needs is unset: DuckDB's getvariable() of an unset name is
NULL, which would silently empty a filter. Files in sql/queries/ are selects a Python step reads
from (declared the same way); files in sql/schema/ are DDL of the published DB and the verdict
store, run as they are.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb

from shellring.flows.core.errors import ShellringError
from shellring.flows.core.resources import machine_memory_here

log = logging.getLogger(__name__)

# A statement that runs out of DuckDB's budget is retried with the budget doubled, up to this share of
# the machine's memory: the budget follows the extracts' size (flows/core/workspace.py) and some operators
# cannot spill, so a skewed extract can need more than its size suggests. Failing the run would be worse.
OOM_RETRY_MAX_SHARE = 0.6


class SqlStepError(ShellringError, RuntimeError):
    """A SQL step failed or is declared wrongly; the message names the file and carries the DuckDB error."""


def _physical_mib() -> int:
    """The memory the run may have: physical, or the container's limit when lower."""
    return machine_memory_here()


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


def read_step(name: str) -> str:
    """Text of `sql/<name>.sql` (name like 'staging/stg_companies')."""
    return resources.files("shellring.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _statements(sql: str) -> list[str]:
    return [statement.query for statement in duckdb.extract_statements(sql)]


_DECLARATION = re.compile(r"^--\s*(reads|params):(.*(?:\n--\s{3,}\S.*)*)", re.M)
# A step writes a table, or a view where a copy would only filter another step's table.
_CREATE = re.compile(r"^\s*create\s+or\s+replace\s+(temp\s+)?(?:table|view)\s+(\w+)\s+as\b", re.I | re.M)
_VARIABLE = re.compile(r"getvariable\('(\w+)'\)")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n for n in re.split(r"[\s,]+", text.replace("--", " ")) if n and n != "(none)")


@dataclass(frozen=True)
class SqlStep:
    """One SQL file as the plan sees it."""

    name: str  # 'linking/company_links'
    output: str  # the table it writes: the file's name
    reads: tuple[str, ...]  # as declared in the header
    params: tuple[str, ...]  # as declared in the header
    temporary: bool  # a temp table: it lives only as long as its stage's connection
    sql: str

    @property
    def path(self) -> str:
        return f"sql/{self.name}.sql"

    @property
    def doc(self) -> str:
        """The header's first sentence, for `shellring plan`."""
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--") or _DECLARATION.match(line) or line.strip() == "--":
                break
            lines.append(line[2:].strip())
        return " ".join(lines).split(". ")[0].rstrip(".")

    def used_params(self) -> set[str]:
        return set(_VARIABLE.findall(self.sql))

    def derived_reads(self) -> set[str]:
        """The tables the SQL reads, from DuckDB's own parse tree (CTE names left out)."""
        found: set[str] = set()
        for statement in _statements(self.sql):
            body = _CREATE.sub("", statement, count=1)
            tree = json.loads(_parser().execute("select json_serialize_sql(?)", [body]).fetchone()[0])
            if tree.get("error"):
                raise SqlStepError(f"{self.path}: DuckDB cannot parse it: {tree.get('error_message')}")
            tables, ctes = set(), set()
            _walk(tree, tables, ctes)
            found |= tables - ctes
        return found - {self.output}


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An empty in-memory DuckDB, only for parsing SQL text."""
    return duckdb.connect()


def _walk(node, tables: set[str], ctes: set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            tables.add(node["table_name"])
        for entry in (node.get("cte_map") or {}).get("map", []):
            ctes.add(entry["key"])
        for value in node.values():
            _walk(value, tables, ctes)
    elif isinstance(node, list):
        for value in node:
            _walk(value, tables, ctes)


def _declared(name: str, sql: str, output: str, temporary: bool) -> SqlStep:
    """The step or query with the reads and params its header declares (a missing reads line is an error)."""
    declared = {kind: _names(text) for kind, text in _DECLARATION.findall(sql)}
    if "reads" not in declared:
        raise SqlStepError(f"sql/{name}.sql does not declare what it reads (a '-- reads:' header line)")
    return SqlStep(name=name, output=output, reads=declared["reads"], params=declared.get("params", ()),
                   temporary=temporary, sql=sql)


def parse_step(name: str, sql: str) -> SqlStep:
    """Read a step's declarations; a file that does not write exactly its own table is an error."""
    creates = _CREATE.findall(sql)
    output = name.rsplit("/", 1)[-1]
    if len(creates) != 1 or creates[0][1] != output:
        made = ", ".join(table for _, table in creates) or "nothing"
        raise SqlStepError(f"sql/{name}.sql must create exactly one table, {output}; it creates {made}")
    return _declared(name, sql, output, temporary=bool(creates[0][0]))


@cache
def load_step(name: str) -> SqlStep:
    return parse_step(name, read_step(name))


@cache
def load_query(name: str) -> SqlStep:
    """A query of sql/queries/ that a Python step reads from: it writes no table, and its header declares
    what it reads like a step's."""
    sql = read_step(name)
    if _CREATE.search(sql):
        raise SqlStepError(f"sql/{name}.sql: a query creates no table")
    return _declared(name, sql, output="", temporary=False)


def bound_variables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select name from duckdb_variables()").fetchall()}


def run_sql(con: duckdb.DuckDBPyConnection, step: SqlStep) -> float:
    """Execute a parsed step after checking that every variable it needs is set; returns seconds taken."""
    unbound = sorted(set(step.params) - bound_variables(con))
    if unbound:
        raise SqlStepError(f"{step.path} needs variable(s) {', '.join(unbound)}, which are not set "
                           "(Settings or the run's parameters bind them)")
    started = time.perf_counter()
    for statement in _statements(step.sql):
        try:
            execute_with_memory_retry(con, statement, step.path)
        except duckdb.Error as exc:
            raise SqlStepError(f"{step.path} failed: {exc}\n--- statement ---\n{statement[:2000]}") from exc
    return time.perf_counter() - started


def run_step(con: duckdb.DuckDBPyConnection, name: str) -> float:
    """Execute one step of sql/ by name ('linking/company_links'); returns seconds taken."""
    return run_sql(con, load_step(name))


def run_schema(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Execute a DDL file of sql/schema/ ('published_tables') as it is."""
    path = f"sql/schema/{name}.sql"
    for statement in _statements(read_step(f"schema/{name}")):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise SqlStepError(f"{path} failed: {exc}\n--- statement ---\n{statement[:2000]}") from exc


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """Query result as a polars DataFrame (through Arrow, no per-row Python)."""
    import polars as pl

    return pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
