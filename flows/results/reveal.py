"""Re-identification of one cluster for an authorised case handler, with an audit record of every attempt.

The published DB holds people and phones only as keyed pseudonyms; the run's working DB (beside the
results, owner-only) keeps the raw values. With the pseudonymisation key, a raw value is revealed only
when its HMAC equals the pseudonym published for that company, so a wrong key or a working DB from
another run reveals nothing. Every attempt, refused or not, is appended to `<results>.access-log.duckdb`
(who, when, which cluster, how many values) and written to the log; the log never holds the values.
"""

from __future__ import annotations

import fcntl
import getpass
import hmac
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from shellring.flows.core.errors import ShellringError
from shellring.flows.pipeline.pseudonyms import MissingKeyError, load_key, pseudonym

log = logging.getLogger("shellring.reveal")

ACCESS_LOG_DDL = """create table if not exists reveal_log (
    accessed_at timestamp, by_name varchar, os_user varchar, results_db varchar, run_id varchar, cluster_id varchar,
    n_companies integer, n_values_revealed integer, outcome varchar, detail varchar
)"""


class RevealRefused(ShellringError, RuntimeError):
    """The reveal was not allowed or not possible; the message says why (never a personal value)."""


@dataclass
class RevealedCompany:
    uscc: str
    company_name: str | None
    rep_name: str | None = None
    rep_id: str | None = None
    phone: str | None = None


@dataclass
class Revelation:
    cluster_id: str
    run_id: str
    companies: list[RevealedCompany] = field(default_factory=list)

    @property
    def values_revealed(self) -> int:
        return sum((c.rep_id is not None) + (c.phone is not None) for c in self.companies)


def access_log_path(results_db: Path) -> Path:
    """`results.duckdb` -> `results.access-log.duckdb`, beside it, so the analysts' file never holds it."""
    return results_db.with_name(f"{results_db.stem}.access-log.duckdb")


def default_working_db(results_db: Path, run_id: str) -> Path:
    """Where `shellring.flows.core.workspace.Workspace.for_results` keeps a run's working DB (without creating it)."""
    return results_db.parent / f".{results_db.name}.work" / run_id / "work.duckdb"


def record_access(results_db: Path, *, by: str, cluster_id: str, run_id: str | None, n_companies: int,
                  n_values: int, outcome: str, detail: str = "") -> None:
    """Append one row to the access log (serialised by a lock file) and to the application log."""
    path = access_log_path(results_db)
    lock = path.with_name(path.name + ".lock")
    with os.fdopen(os.open(lock, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        con = duckdb.connect(str(path))
        try:
            os.chmod(path, 0o600)
            con.execute(ACCESS_LOG_DDL)
            con.execute(
                "insert into reveal_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [datetime.now(UTC).replace(tzinfo=None), by, getpass.getuser(), str(results_db.resolve()),
                 run_id, cluster_id, n_companies, n_values, outcome, detail],
            )
        finally:
            con.close()
    log.warning("reveal %s: cluster %s (run %s) by %s: %d companies, %d values revealed%s", outcome, cluster_id,
                run_id, by, n_companies, n_values, f" ({detail})" if detail else "")


def _published_members(results_db: Path, cluster_id: str, run_id: str | None) -> tuple[str, list[tuple]]:
    con = duckdb.connect(str(results_db), read_only=True)
    try:
        if run_id is None:
            found = con.execute(
                "select r.run_id from runs as r join clusters as c using (run_id) where c.cluster_id = ? "
                "and r.status = 'succeeded' order by r.finished_at desc limit 1",
                [cluster_id],
            ).fetchone()
            if found is None:
                raise RevealRefused(f"no cluster {cluster_id!r} in any succeeded run of {results_db}")
            run_id = found[0]
        members = con.execute(
            "select uscc, company_name, legal_rep_key, phone_key from cluster_members "
            "where run_id = ? and cluster_id = ? order by uscc",
            [run_id, cluster_id],
        ).fetchall()
    finally:
        con.close()
    if not members:
        raise RevealRefused(f"no cluster {cluster_id!r} in run {run_id}")
    return run_id, members


def _raw_values(working_db: Path, usccs: list[str]) -> dict[str, tuple]:
    if not working_db.is_file():
        raise RevealRefused(f"working DB {working_db} not found (cleaned up, or pass --working-db)")
    con = duckdb.connect(str(working_db), read_only=True)
    try:
        rows = con.execute(
            "select uscc, legal_rep_name, rep_id, phone from stg_companies where list_contains(?, uscc)",
            [usccs],
        ).fetchall()
    finally:
        con.close()
    return {uscc: (name, rep_id, phone) for uscc, name, rep_id, phone in rows}


def _matches(key: bytes, raw: str | None, published: str | None) -> bool:
    return raw is not None and published is not None and hmac.compare_digest(pseudonym(key, raw), published)


def reveal_cluster(results_db: Path, cluster_id: str, *, by: str, key_file: Path | None = None,
                   working_db: Path | None = None, run_id: str | None = None) -> Revelation:
    """Raw legal-rep IDs and phones of one cluster's companies; refuses (and logs) without the right key."""
    found_run: str | None = run_id
    try:
        if not by.strip():
            raise RevealRefused("--by must name the case handler")
        try:
            key = load_key(key_file)
        except (MissingKeyError, OSError) as exc:
            raise RevealRefused(f"no usable key: {exc}") from exc
        found_run, members = _published_members(results_db, cluster_id, run_id)
        raw = _raw_values(working_db or default_working_db(results_db, found_run), [m[0] for m in members])
        revelation = Revelation(cluster_id, found_run)
        checked = mismatched = 0
        for uscc, company_name, rep_key, phone_key in members:
            rep_name, rep_id, phone = raw.get(uscc, (None, None, None))
            company = RevealedCompany(uscc, company_name)
            for raw_value, published in ((rep_id, rep_key), (phone, phone_key)):
                if published is None:
                    continue
                checked += 1
                mismatched += not _matches(key, raw_value, published)
            if _matches(key, rep_id, rep_key):
                company.rep_name, company.rep_id = rep_name, rep_id
            if _matches(key, phone, phone_key):
                company.phone = phone
            revelation.companies.append(company)
        if checked == 0 or mismatched == checked:
            raise RevealRefused("the key does not reproduce this cluster's published pseudonyms (wrong key "
                                "or a working DB of another run); nothing revealed")
    except RevealRefused as exc:
        record_access(results_db, by=by, cluster_id=cluster_id, run_id=found_run, n_companies=0, n_values=0,
                      outcome="refused", detail=str(exc))
        raise
    except Exception as exc:  # an unforeseen failure is still an attempt: log it (type only, never values)
        record_access(results_db, by=by, cluster_id=cluster_id, run_id=found_run, n_companies=0, n_values=0,
                      outcome="failed", detail=type(exc).__name__)
        raise
    record_access(results_db, by=by, cluster_id=cluster_id, run_id=found_run,
                  n_companies=len(revelation.companies), n_values=revelation.values_revealed, outcome="revealed",
                  detail=f"{mismatched} of {checked} pseudonyms unmatched" if mismatched else "")
    return revelation


def reveal_command(
    db: Path = typer.Option(..., "--db", help="published results DuckDB file"),
    cluster: str = typer.Option(..., "--cluster", help="cluster id, e.g. C0e70e615d74c"),
    by: str = typer.Option(..., "--by", help="name of the authorised case handler (recorded in the access log)"),
    working_db: Path | None = typer.Option(None, "--working-db", help="the run's working DB (default: beside --db)"),
    run_id: str | None = typer.Option(None, "--run-id", help="a run other than the latest holding the cluster"),
    key_file: Path | None = typer.Option(None, "--key-file", help="pseudonymisation key (else $SHELLRING_KEY)"),
) -> None:
    """Show a cluster's companies with real legal-rep IDs and phones (authorised case handlers; logged)."""
    err = Console(stderr=True)
    if not log.handlers:
        log.addHandler(RichHandler(console=err, show_path=False))
    if not db.is_file():
        err.print(f"[red]error:[/red] no such file: {escape(str(db))}")
        raise typer.Exit(2)
    try:
        revelation = reveal_cluster(db, cluster, by=by, key_file=key_file, working_db=working_db, run_id=run_id)
    except RevealRefused as exc:
        err.print(f"[red]refused:[/red] {escape(str(exc))}")
        raise typer.Exit(3) from None
    table = Table(title=f"cluster {revelation.cluster_id} (run {revelation.run_id}) - confidential, access logged")
    for column in ("USCC", "company", "legal rep", "legal rep ID", "phone"):
        table.add_column(column, overflow="fold")  # a case handler needs every digit, never an ellipsis
    for c in revelation.companies:
        table.add_row(c.uscc, c.company_name or "", c.rep_name or "", c.rep_id or "", c.phone or "")
    Console(markup=False).print(table)
