"""Keyed pseudonyms (HMAC-SHA256) for people and phones, so analysts can join without raw values.

The key lives outside every database: the SHELLRING_KEY environment variable or a key file. Without
a key the job refuses to publish; `shellring demo` passes a throwaway key of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import polars as pl

from shellring.flows.core.errors import ShellringError
from shellring.flows.core.sqlsteps import fetch_frame, load_query


class MissingKeyError(ShellringError, RuntimeError):
    pass


def load_key(key_file: Path | None = None) -> bytes:
    if key_file is not None:
        key = key_file.read_bytes().strip()
    else:
        key = os.environ.get("SHELLRING_KEY", "").encode()
    if len(key) < 16:
        raise MissingKeyError(
            "no pseudonymisation key: set SHELLRING_KEY (at least 16 characters) or pass --key-file; "
            "the key must be kept outside the results database (see README, 'Personal data')"
        )
    return key


def pseudonym(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def build_pseudonyms(con: duckdb.DuckDBPyConnection, key: bytes) -> int:
    """Table `pseudonyms(value, pseudonym)` for every person ID and phone the published tables show.

    HMAC runs in Python once per value, so it is limited to the values the marts join (about a tenth of
    all the IDs and phones at 200k companies), not every value the run saw."""
    values = fetch_frame(con, load_query("queries/pseudonym_values").sql)["value"]
    frame = pl.DataFrame({"value": values, "pseudonym": [pseudonym(key, v) for v in values.to_list()]})
    con.register("_pseudonyms", frame.to_arrow())
    con.execute("create or replace table pseudonyms as select * from _pseudonyms")
    con.unregister("_pseudonyms")
    return frame.height
