"""Typed rows for the rule tests (tests/test_rules_*.py): `table(rows, columns)` builds a polars frame
with only the given columns, each with the type the pipeline gives it, so a column a case leaves
NULL is still a VARCHAR, DATE... in DuckDB (stepkit.given would infer NULL-only columns as NULL)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

TYPES: dict[str, pl.DataType] = {
    # stg_companies
    "company_id": pl.Int32, "uscc": pl.Utf8, "uscc_region": pl.Utf8, "rep_id": pl.Utf8, "rep_name": pl.Utf8,
    "rep_region": pl.Utf8, "rep_age_at_reg": pl.Int32, "reg_date": pl.Date, "reg_adcode": pl.Utf8,
    "reg_site_key": pl.Utf8, "reg_building_key": pl.Utf8, "reg_room_key": pl.Utf8, "reg_address_norm": pl.Utf8,
    "reg_place": pl.Utf8,
    "reg_address_notes": pl.List(pl.Utf8), "phone": pl.Utf8, "phone_also": pl.Utf8,
    "phone_is_virtual": pl.Boolean,
    "reg_capital": pl.Float64, "scope_key": pl.Utf8, "trade_name": pl.Utf8,
    # stg_accounts
    "account_id": pl.Int32, "bank_branch": pl.Utf8, "bank": pl.Utf8, "open_date": pl.Date,
    "days_since_registration": pl.Int64, "in_window": pl.Boolean, "agent_id": pl.Utf8, "agent_phone": pl.Utf8,
    "agent_phone_is_virtual": pl.Boolean, "agent_phone_also": pl.Utf8, "contact_phone": pl.Utf8,
    "contact_phone_also": pl.Utf8,
    "contact_phone_is_virtual": pl.Boolean,
    "contact_room_key": pl.Utf8,
    # company_attributes, evidence, links
    "attr_kind": pl.Utf8, "attr_value": pl.Utf8, "role": pl.Utf8, "seen_on": pl.Date,
    "company_a": pl.Int32, "company_b": pl.Int32, "reason": pl.Utf8, "n_companies": pl.Int64,
    "days_apart": pl.Int64, "season_value": pl.Boolean, "score": pl.Float64, "families": pl.Int64,
    "is_link": pl.Boolean,
    # clusters
    "cluster_no": pl.Int64, "cluster_size": pl.Int32, "cluster_id": pl.Utf8, "inherited": pl.Boolean,
    "n_window_companies": pl.Int64, "risk_score": pl.Float64, "flagged": pl.Boolean,
    "reasons": pl.List(pl.Utf8), "mitigations": pl.List(pl.Utf8), "term": pl.Utf8, "term_no": pl.Int64,
    "contribution": pl.Float64, "says": pl.Utf8, "pct": pl.Utf8, "shown_value": pl.Utf8,
    "reason_codes": pl.List(pl.Struct({"keys": pl.List(pl.Utf8), "pct": pl.Utf8, "value": pl.Utf8, "made_by": pl.Utf8,
                                       "made_on": pl.Utf8, "added": pl.Utf8, "risk": pl.Utf8})),
    "mitigation_codes": pl.List(pl.Struct({"keys": pl.List(pl.Utf8), "pct": pl.Utf8, "value": pl.Utf8,
                                           "made_by": pl.Utf8, "made_on": pl.Utf8, "added": pl.Utf8, "risk": pl.Utf8})),
    # company_features
    "fast_open_7d": pl.Boolean, "rep_young": pl.Boolean,
    # verdicts
    "verdict_id": pl.Int32, "target": pl.Utf8, "uscc_a": pl.Utf8, "uscc_b": pl.Utf8, "verdict": pl.Utf8,
    "made_by": pl.Utf8, "made_at": pl.Datetime("us"), "note": pl.Utf8, "run_id": pl.Utf8, "region": pl.Utf8,
    # pseudonyms (cluster_terms' numeric value: pass types={"value": pl.Float64})
    "value": pl.Utf8, "pseudonym": pl.Utf8,
}


def table(rows: list[dict], columns: tuple[str, ...] | list[str], types: dict | None = None) -> pl.DataFrame:
    """`rows` as a frame of exactly `columns` (missing keys are NULL); a key outside `columns` is an error.
    `types` overrides TYPES for a column whose name two tables use differently."""
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise KeyError(f"row {row} has columns {sorted(unknown)} outside {list(columns)}")
    return pl.DataFrame([{c: row.get(c) for c in columns} for row in rows],
                        schema={c: {**TYPES, **(types or {})}[c] for c in columns})


def d(text: str) -> date:
    return date.fromisoformat(text)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)
