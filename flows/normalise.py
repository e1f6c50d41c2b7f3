"""Normalisation stage: runs the matchers once per unique raw value and stores lookup tables.

Each lookup table is keyed by the raw input (and, where the parser uses one, a hint: the company's
registering-authority region), so SQL staging joins them back to every row that carries the value.
"""

from __future__ import annotations

import time
from typing import Callable

import duckdb
import polars as pl

from flows.sqlsteps import fetch_frame

from matchers.address import parse_addresses
from matchers.company import parse_company_names
from matchers.ids import parse_resident_ids, parse_usccs
from matchers.names import parse_person_names
from matchers.phone import parse_phones

UNIQUE_USCC = """
select distinct uscc as input from src_registrations where uscc is not null
union select distinct uscc from src_accounts where uscc is not null
"""
UNIQUE_RESIDENT_IDS = """
select distinct legal_rep_id as input from src_registrations where legal_rep_id is not null
union select distinct legal_rep_id from src_accounts where legal_rep_id is not null
union select distinct agent_id from src_accounts where agent_id is not null
"""
UNIQUE_PERSON_NAMES = """
select distinct legal_rep_name as input from src_registrations where legal_rep_name is not null
union select distinct legal_rep_name from src_accounts where legal_rep_name is not null
union select distinct agent_name from src_accounts where agent_name is not null
"""
UNIQUE_COMPANY_NAMES = """
select distinct company_name as input from src_registrations where company_name is not null
union select distinct company_name from src_accounts where company_name is not null
"""
# Addresses and phones are parsed with the company's registering-authority region as a hint
# (6 digits for addresses, 4 for phones), so the lookups key on (input, hint).
UNIQUE_ADDRESSES = """
select distinct r.reg_address as input, substr(u.region_code, 1, 6) as hint
from src_registrations as r left join norm_uscc as u on u.input = r.uscc
where r.reg_address is not null
union
select distinct a.contact_address, substr(u.region_code, 1, 6)
from src_accounts as a left join norm_uscc as u on u.input = a.uscc
where a.contact_address is not null
"""
UNIQUE_PHONES = """
select distinct r.phone as input, substr(u.region_code, 1, 4) as hint
from src_registrations as r left join norm_uscc as u on u.input = r.uscc
where r.phone is not null
union
select distinct p.input, substr(u.region_code, 1, 4)
from (
    select uscc, contact_phone as input from src_accounts
    union all select uscc, agent_phone from src_accounts
) as p
left join norm_uscc as u on u.input = p.uscc
where p.input is not null
"""


def _store(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("_lookup", frame.to_arrow())
    con.execute(f"create or replace table {table} as select * from _lookup")
    con.unregister("_lookup")


def _lookup(
    con: duckdb.DuckDBPyConnection, table: str, query: str, parse: Callable[..., pl.DataFrame], hinted: bool = False
) -> int:
    unique = fetch_frame(con, query)
    if hinted:
        parsed = parse(unique["input"].to_list(), unique["hint"].to_list())
        parsed = parsed.with_columns(unique["hint"].alias("hint"))
    else:
        parsed = parse(unique["input"].to_list())
    _store(con, table, parsed)
    return unique.height


def normalise_all(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """Build every norm_* lookup table; returns unique-value counts and seconds per kind."""
    steps = [
        ("norm_uscc", UNIQUE_USCC, parse_usccs, False),
        ("norm_resident_id", UNIQUE_RESIDENT_IDS, parse_resident_ids, False),
        ("norm_person_name", UNIQUE_PERSON_NAMES, parse_person_names, False),
        ("norm_company_name", UNIQUE_COMPANY_NAMES, parse_company_names, False),
        ("norm_address", UNIQUE_ADDRESSES, parse_addresses, True),
        ("norm_phone", UNIQUE_PHONES, parse_phones, True),
    ]
    stats: dict[str, dict[str, float]] = {}
    for table, query, parse, hinted in steps:
        started = time.perf_counter()
        n = _lookup(con, table, query, parse, hinted)
        stats[table] = {"unique_values": n, "seconds": round(time.perf_counter() - started, 3)}
    return stats
