"""Normalisation stage: runs the matchers once per unique raw value and stores lookup tables.

Each lookup table is keyed by the raw input (and, where the parser uses one, a hint: the company's
registering-authority region), so SQL staging joins them back to every row that carries the value.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
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


# Below this many unique values a second process costs more than it saves (it imports polars and
# the matchers and loads the gazetteer: about a second).
PARALLEL_MIN_VALUES = 40_000


def _workers() -> int:
    return max(1, int(os.environ.get("SHELLRING_THREADS", os.cpu_count() or 1)))


def _call(parse: Callable[..., pl.DataFrame], values: list, hints: list | None) -> pl.DataFrame:
    return parse(values, hints) if hints is not None else parse(values)


def parse_unique(parse: Callable[..., pl.DataFrame], values: list, hints: list | None = None,
                 scratch: Path | None = None) -> pl.DataFrame:
    """Run a matcher over unique values, sharing the work with worker processes when there are many
    (the parsers are Python per value, so threads would not help). Rows keep the input order."""
    workers = _workers()
    if workers == 1 or len(values) < PARALLEL_MIN_VALUES:
        return _call(parse, values, hints)
    step = -(-len(values) // workers)
    name = f"{parse.__module__}:{parse.__name__}"
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        running = []
        for index, offset in enumerate(range(step, len(values), step)):
            chunk = {"input": values[offset:offset + step]}
            if hints is not None:
                chunk["hint"] = hints[offset:offset + step]
            source, target = Path(tmp) / f"in{index}.arrow", Path(tmp) / f"out{index}.arrow"
            pl.DataFrame(chunk, schema={k: pl.Utf8 for k in chunk}).write_ipc(source)
            process = subprocess.Popen([sys.executable, "-m", "flows.parse_worker", name, str(source), str(target)],
                                       stderr=subprocess.PIPE, text=True)
            running.append((process, target))
        parts = [_call(parse, values[:step], hints[:step] if hints is not None else None)]
        for process, target in running:
            _, err = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"normalisation worker for {name} failed: {err[-2000:]}")
            parts.append(pl.read_ipc(target))
    return pl.concat(parts, how="vertical_relaxed")


# Unique values are parsed a slice at a time, so memory stays flat however large the extract.
SLICE_VALUES = 400_000


def _store(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, first: bool) -> None:
    con.register("_lookup", frame.to_arrow())
    if first:
        con.execute(f"create or replace table {table} as select * from _lookup")
    else:
        con.execute(f"insert into {table} select * from _lookup")
    con.unregister("_lookup")


def _lookup(
    con: duckdb.DuckDBPyConnection, table: str, query: str, parse: Callable[..., pl.DataFrame], hinted: bool,
    parallel: bool,
) -> int:
    unique = fetch_frame(con, query)
    run = parse_unique if parallel else (lambda fn, values, hints=None: _call(fn, values, hints))
    for offset in range(0, max(unique.height, 1), SLICE_VALUES):
        part = unique.slice(offset, SLICE_VALUES)
        if hinted:
            parsed = run(parse, part["input"].to_list(), part["hint"].to_list())
            parsed = parsed.with_columns(part["hint"].alias("hint"))
        else:
            parsed = run(parse, part["input"].to_list())
        _store(con, table, parsed, first=offset == 0)
        del part, parsed
        gc.collect()  # the next slice should not sit on top of this one
    return unique.height


def normalise_all(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """Build every norm_* lookup table; returns unique-value counts and seconds per kind."""
    # (table, unique values, parser, parsed with a hint, worth a second process: the vectorised ID
    # parsers are not)
    steps = [
        ("norm_uscc", UNIQUE_USCC, parse_usccs, False, False),
        ("norm_resident_id", UNIQUE_RESIDENT_IDS, parse_resident_ids, False, False),
        ("norm_person_name", UNIQUE_PERSON_NAMES, parse_person_names, False, True),
        ("norm_company_name", UNIQUE_COMPANY_NAMES, parse_company_names, False, True),
        ("norm_address", UNIQUE_ADDRESSES, parse_addresses, True, True),
        ("norm_phone", UNIQUE_PHONES, parse_phones, True, True),
    ]
    stats: dict[str, dict[str, float]] = {}
    for table, query, parse, hinted, parallel in steps:
        started = time.perf_counter()
        n = _lookup(con, table, query, parse, hinted, parallel)
        stats[table] = {"unique_values": n, "seconds": round(time.perf_counter() - started, 3)}
    return stats
