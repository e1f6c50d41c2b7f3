"""Analysts' verdicts on clusters and links, kept in their own DuckDB file beside the results.

`RESULTS.verdicts.duckdb` (owner-only) is written only by the `shellring verdict` command, one short
transaction per verdict, so an analyst never races a run that republishes `RESULTS.duckdb`. A run
takes a read-only snapshot of it (`analyst_verdicts` in the working DB) before clustering, honours
it, and publishes the snapshot into the results DB as table `verdicts`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shellring.flows.core.errors import ShellringError
from shellring.flows.core.masking import mask_text
from shellring.flows.core.rules import sentence, verdict_kinds
from shellring.flows.core.sqlsteps import read_step, run_schema, run_step

CLUSTER_VERDICTS = verdict_kinds("cluster")
LINK_VERDICTS = verdict_kinds("link")
LOCK_WAIT_SECONDS = 15.0


class VerdictError(ShellringError, ValueError):
    """A verdict that cannot be recorded (unknown cluster or link, bad verdict name).

    Keyed like the rule registry's sentences (`verdict_error.<key>`), so the command line says it in
    English and the review page in the page's language."""

    key: str | None = None
    params: dict[str, object] = {}  # replaced per instance by `keyed`, never mutated

    @classmethod
    def keyed(cls, key: str, **params: object) -> VerdictError:
        exc = cls(sentence(f"verdict_error.{key}", "en").format(**params))
        exc.key, exc.params = key, params
        return exc

    def say(self, language: str) -> str:
        """The message in a language of the registry (an unkeyed error keeps its one message)."""
        return sentence(f"verdict_error.{self.key}", language).format(**self.params) if self.key else str(self)


def verdicts_path(results_db: Path) -> Path:
    """`results.duckdb` -> `results.verdicts.duckdb`, in the same folder."""
    return results_db.with_name(f"{results_db.stem}.verdicts.duckdb")


def _with_lock_retry(open_fn):
    """DuckDB lets one process hold a file for writing; verdict writes take milliseconds, so wait."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return open_fn()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def open_store(results_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The verdicts file for writing, created owner-only if missing."""
    path = verdicts_path(results_db)
    previous_umask = os.umask(0o077)
    try:
        con = _with_lock_retry(lambda: duckdb.connect(str(path)))
    finally:
        os.umask(previous_umask)
    try:
        run_schema(con, "verdict_store")
        yield con
    finally:
        con.close()
        os.chmod(path, 0o600)


def _results_lookup(results_db: Path, sql: str, params: list) -> tuple | None:
    if not results_db.is_file():
        raise VerdictError.keyed("no_results", db=results_db)
    con = duckdb.connect(str(results_db), read_only=True)
    try:
        return con.execute(sql, params).fetchone()
    finally:
        con.close()


def _insert(results_db: Path, row: dict) -> dict:
    row = {**row, "note": mask_text(row.get("note")), "made_at": row.get("made_at") or _utc_now()}
    with open_store(results_db) as con:
        con.execute("begin transaction")
        row["verdict_id"] = con.execute("select coalesce(max(verdict_id), 0) + 1 from verdicts").fetchone()[0]
        columns = list(row)
        con.execute(
            f"insert into verdicts ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
            list(row.values()),
        )
        con.execute("commit")
    return row


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_author(made_by: str) -> str:
    made_by = (made_by or "").strip()
    if not made_by:
        raise VerdictError.keyed("no_author")
    return made_by


def record_cluster_verdict(results_db: Path, cluster_id: str, verdict: str, made_by: str,
                           note: str | None = None, made_at: datetime | None = None) -> dict:
    """Record a verdict on a published cluster, against the latest run that holds that cluster id."""
    if verdict not in CLUSTER_VERDICTS:
        raise VerdictError.keyed("cluster_verdict", choices=", ".join(CLUSTER_VERDICTS), verdict=verdict)
    found = _results_lookup(
        results_db,
        "select c.run_id, r.region from clusters as c join runs as r using (run_id) "
        "where c.cluster_id = ? order by r.finished_at desc limit 1",
        [cluster_id],
    )
    if found is None:
        raise VerdictError.keyed("unknown_cluster", cluster_id=cluster_id, db=results_db)
    return _insert(results_db, {
        "target": "cluster", "cluster_id": cluster_id, "uscc_a": None, "uscc_b": None, "verdict": verdict,
        "made_by": _check_author(made_by), "made_at": made_at, "note": note, "run_id": found[0], "region": found[1],
    })


def record_link_verdict(results_db: Path, uscc_1: str, uscc_2: str, verdict: str, made_by: str,
                        note: str | None = None, made_at: datetime | None = None) -> dict:
    """Record a verdict on a published link (either order of the two USCCs)."""
    if verdict not in LINK_VERDICTS:
        raise VerdictError.keyed("link_verdict", choices=", ".join(LINK_VERDICTS), verdict=verdict)
    uscc_a, uscc_b = sorted((uscc_1.strip().upper(), uscc_2.strip().upper()))
    found = _results_lookup(
        results_db,
        "select l.run_id, r.region from links as l join runs as r using (run_id) "
        "where least(l.uscc_a, l.uscc_b) = ? and greatest(l.uscc_a, l.uscc_b) = ? "
        "order by r.finished_at desc limit 1",
        [uscc_a, uscc_b],
    )
    if found is None:
        raise VerdictError.keyed("unknown_link", uscc_a=uscc_a, uscc_b=uscc_b, db=results_db)
    return _insert(results_db, {
        "target": "link", "cluster_id": None, "uscc_a": uscc_a, "uscc_b": uscc_b, "verdict": verdict,
        "made_by": _check_author(made_by), "made_at": made_at, "note": note, "run_id": found[0], "region": found[1],
    })


def list_verdicts(results_db: Path, history: bool = False) -> list[dict]:
    """Verdicts in force (latest per cluster or link), or every verdict ever made with `history`."""
    path = verdicts_path(results_db)
    if not path.is_file():
        return []
    con = duckdb.connect()  # in memory: the store is only attached, read-only
    try:
        _with_lock_retry(lambda: con.execute("attach ? as verdict_store (read_only)", [str(path)]))
        con.execute("create table analyst_verdicts as select * from verdict_store.verdicts")
        if not history:
            run_step(con, "history/effective_verdicts")
        source = "analyst_verdicts" if history else "effective_verdicts"
        cursor = con.execute(f"select * from {source} order by made_at, verdict_id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def snapshot_verdicts(con: duckdb.DuckDBPyConnection, results_db: Path | None) -> int:
    """Snapshot the verdicts file into the working DB as `analyst_verdicts` (empty when there is none)."""
    con.execute("drop table if exists analyst_verdicts")
    con.execute(read_step("schema/verdict_store").replace("if not exists verdicts", "analyst_verdicts"))
    path = verdicts_path(results_db) if results_db is not None else None
    if path is not None and path.is_file():
        _with_lock_retry(lambda: con.execute("attach ? as verdict_store (read_only)", [str(path)]))
        try:
            con.execute("insert into analyst_verdicts by name select * from verdict_store.verdicts")
        finally:
            con.execute("detach verdict_store")
    return con.execute("select count(*) from analyst_verdicts").fetchone()[0]
