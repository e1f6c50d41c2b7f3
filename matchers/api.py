"""Analyst-facing entry point: one JSON-serialisable dict per input value with the stable fields of each kind."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import polars as pl

from .address import parse_addresses
from .company import parse_company_names
from .ids import parse_resident_ids, parse_usccs
from .names import parse_person_names
from .phone import parse_phones

FIELDS: dict[str, list[str]] = {
    "address": ["province", "city", "district", "road", "number", "building", "unit", "floor", "room", "site_key",
                "building_key", "room_key", "normalized", "notes"],
    "phone": ["e164", "type", "extension", "valid"],
    "id": ["kind", "valid", "reason", "birth_date", "sex", "region_code"],
    "company": ["trade_name", "region", "legal_form", "industry"],
    "name": ["normalized", "pinyin"],
}
_USCC_SHAPE = re.compile(r"^[0-9A-Z]{2}\d{6}[0-9A-Z]{10}$")


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def _records(frame: pl.DataFrame, fields: list[str]) -> list[dict]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.select(fields).iter_rows(named=True)]


def _id_records(values: list[str | None]) -> list[dict]:
    """Resident IDs and USCCs mixed: a value with letters outside a final X in 18 chars is taken as a USCC."""
    cleaned = [re.sub(r"[\s\-]", "", v).upper() if isinstance(v, str) else "" for v in values]
    is_uscc = [bool(_USCC_SHAPE.match(c)) and not re.fullmatch(r"\d{17}[\dX]", c) for c in cleaned]
    rid = _records(parse_resident_ids(values), FIELDS["id"])
    uscc_rows = parse_usccs(values)
    # All-digit 18-char codes fit both shapes: take the one whose check digit holds (resident ID on a tie).
    is_uscc = [flag or (not rid[i]["valid"] and bool(uscc_rows["valid"][i])) for i, flag in enumerate(is_uscc)]
    out = []
    for i, flag in enumerate(is_uscc):
        if flag:
            u = uscc_rows.row(i, named=True)
            out.append({"kind": "uscc", "valid": u["valid"], "reason": u["reason"], "birth_date": None, "sex": None,
                        "region_code": u["region_code"]})
        else:
            out.append(rid[i])
    return out


_FRAME_PARSERS = {"address": parse_addresses, "phone": parse_phones, "company": parse_company_names,
                  "name": parse_person_names}


def normalize_lines(kind: str, values: Sequence[str | None] | pl.Series) -> list[str]:
    """normalize_records as JSON text, one line (without its newline) per value; the frame kinds are written by
    polars in one pass (`shellring normalize` spent more time in json.dumps than in parsing)."""
    import json

    values = list(values)
    parse = _FRAME_PARSERS.get(kind)
    if parse is None:
        return [json.dumps(r, ensure_ascii=False, default=str) for r in normalize_records(kind, values)]
    if not values:
        return []
    text = parse(values).select(FIELDS[kind]).write_ndjson()
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")  # not splitlines: U+2028 is data


def normalize_records(kind: str, values: Sequence[str | None] | pl.Series) -> list[dict]:
    """kind in {address, name, phone, id, company}; one dict per value, in order."""
    values = list(values)
    if kind == "address":
        return _records(parse_addresses(values), FIELDS["address"])
    if kind == "phone":
        return _records(parse_phones(values), FIELDS["phone"])
    if kind == "id":
        return _id_records(values)
    if kind == "company":
        return _records(parse_company_names(values), FIELDS["company"])
    if kind == "name":
        return _records(parse_person_names(values), FIELDS["name"])
    raise ValueError(f"kind must be one of {sorted(FIELDS)}, got {kind!r}")
