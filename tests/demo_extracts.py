"""Reading the demo generator's extracts row by row, and running the audit flow on files in-process."""

from __future__ import annotations

import csv
import io
from pathlib import Path

REG_ENCODING, ACC_ENCODING = "gb18030", "utf-8-sig"  # as the demo generator writes them


def read_rows(path: Path, encoding: str) -> list[list[str]]:
    """A CSV extract as rows of fields, header first; every record on one line, so rows map to line numbers."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    assert not any("\n" in field or "\r" in field for row in rows for field in row), "line numbers need one-line rows"
    return rows


def run_audit(registrations: Path, accounts: Path, db: Path, region: str, **options) -> dict:
    """The real audit flow with the patience the CLI gives Prefect's temporary server (other tests load the cores);
    `options` are the flow's other parameters (since, until...)."""
    from shellring.flows.orchestration.audit import audit_flow
    from shellring.flows.orchestration.temporary_server import patient_temporary_server

    with patient_temporary_server():
        return audit_flow(registrations=[str(registrations)], accounts=[str(accounts)], db=str(db), region=region,
                          **options)
