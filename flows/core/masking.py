"""Masking of personal data for the job: the one implementation is `shellring.matchers.masking` (matchers
may not import flows, and matchers/ids.py uses it), re-exported here with the step that creates its
DuckDB macros in a working DB."""

from __future__ import annotations

import duckdb

from shellring.matchers.masking import (
    RAW_ROW_LIMIT,
    display_value,
    mask_account,
    mask_id,
    mask_name,
    mask_phone,
    mask_text,
    sql_macros,
)

__all__ = [
    "RAW_ROW_LIMIT", "create_masking_macros", "display_value", "mask_account", "mask_id", "mask_name",
    "mask_phone", "mask_text", "sql_macros",
]


def create_masking_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create mask_id, mask_phone, mask_account, mask_name and display_value in this connection's DB,
    for the marts' SQL (sql/marts/pub_*.sql) to build the published values with."""
    con.execute(sql_macros())
