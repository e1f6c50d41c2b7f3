"""The national hub list for a regional run: values a national run published as hubs (a dealer phone on 30
companies in each of three cities) are hubs in the region too, though the region alone holds too few
companies on them to tell.

A published hub is known by its id, `H` + the first 12 hex digits of its value's pseudonym (people and
phones: HMAC with the run's key, so the regional run must use the national run's key) or of md5('kind|value')
(rooms): sql/marts/pub_hub_members.sql. The regional run computes the same id for each value its own
companies share and keeps the values whose id the national run published.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl

from shellring.flows.core.errors import ShellringError
from shellring.flows.pipeline.pseudonyms import pseudonym

KEYED_KINDS = ("person", "phone")  # their hub ids come from the keyed pseudonym


class NationalHubsError(ShellringError, ValueError):
    """The national results DB named for its hub list cannot be read."""


def hub_id(kind: str, value: str, key: bytes) -> str:
    digest = pseudonym(key, value) if kind in KEYED_KINDS else hashlib.md5(f"{kind}|{value}".encode()).hexdigest()
    return "H" + digest[:12]


def _published_hub_ids(national_db: Path) -> set[str]:
    try:
        con = duckdb.connect(str(national_db), read_only=True)
    except duckdb.Error as exc:
        raise NationalHubsError(f"{national_db}: cannot open the national results DB: {exc}") from exc
    try:
        return {row[0] for row in con.execute(
            "select h.hub_id from hubs as h join latest_run as r using (run_id)").fetchall()}
    except duckdb.Error as exc:
        raise NationalHubsError(f"{national_db}: no published hubs to read ({exc})") from exc
    finally:
        con.close()


def build_national_hub_values(con: duckdb.DuckDBPyConnection, national_db: Path | None, key: bytes | None) -> int:
    """Table `national_hub_values(attr_kind, attr_value)`: the values this run's companies share that the
    national run published as hubs (empty without a national DB)."""
    con.execute("create or replace table national_hub_values (attr_kind varchar, attr_value varchar)")
    if national_db is None:
        return 0
    if key is None:
        raise NationalHubsError("the national hub list needs the pseudonymisation key the national run used")
    published = _published_hub_ids(national_db)
    shared = con.execute("select attr_kind, attr_value from company_attributes group by all "
                         "having count(distinct company_id) >= 2").fetchall()
    found = [(kind, value) for kind, value in shared if hub_id(kind, value, key) in published]
    if found:
        frame = pl.DataFrame(found, schema={"attr_kind": pl.Utf8, "attr_value": pl.Utf8}, orient="row")
        con.register("_found", frame.to_arrow())
        con.execute("insert into national_hub_values select * from _found")
        con.unregister("_found")
    return len(found)
