"""Normalization stage: runs the matchers once per unique raw value and stores lookup tables.

Each lookup table is keyed by the raw input (and, where the parser uses one, a hint: the company's
registering-authority region), so SQL staging joins them back to every row that carries the value.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from shellring.flows.core.resources import cores_here
from shellring.flows.core.sqlsteps import fetch_frame, load_query
from shellring.matchers.address import parse_addresses
from shellring.matchers.company import parse_company_names
from shellring.matchers.ids import parse_resident_ids, parse_usccs
from shellring.matchers.names import parse_person_names_for_linking
from shellring.matchers.phone import parse_phones

# Below this many unique values the split (Arrow files to and from the worker) costs more than it saves.
PARALLEL_MIN_VALUES = 20_000
# Extracts smaller than this many rows are normalized in-process: a worker takes about a second to warm up.
POOL_MIN_ROWS = 20_000


def _workers() -> int:
    return cores_here()


def _listed(values: list | pl.Series | None) -> list | None:
    return values.to_list() if isinstance(values, pl.Series) else values


def _call(parse: Callable[..., pl.DataFrame], values: list | pl.Series, hints: list | pl.Series | None,
          columns: tuple[str, ...] | None = None) -> pl.DataFrame:
    values, hints = _listed(values), _listed(hints)
    frame = parse(values, hints) if hints is not None else parse(values)
    return frame.select(columns) if columns is not None else frame


def _name(parse: Callable[..., pl.DataFrame]) -> str:
    return f"{parse.__module__}:{parse.__name__}"


def _concat(parts: list) -> pl.DataFrame | pa.Table:
    """One frame of a job's parts (polars frames, or Arrow tables from the workers), in order."""
    if all(isinstance(part, pa.Table) and part.schema.equals(parts[0].schema) for part in parts):
        return pa.concat_tables(parts)
    parts = [pl.from_arrow(part) if isinstance(part, pa.Table) else part for part in parts]
    return pl.concat(parts, how="vertical_relaxed")


class ParsePool:
    """Worker processes (`shellring.flows.pipeline.parse_worker`) that share the per-value parsing with this process.

    They start warming up when the pool opens, so their imports overlap the DISTINCT queries, and
    they live for the whole stage, so each matcher pays that start-up once, not once per call.
    """

    def __init__(self, size: int, scratch: Path, *, share_here: bool = True,
                 keep: dict[str, tuple[str, ...]] | None = None, arrow: bool = False):
        """`share_here=False`: this process parses nothing and keeps to its DuckDB work (queries, stores),
        which then runs while the workers parse; use one worker per core. `keep`: the columns to hand back of a
        matcher's output, by "module:function" (all of them for a matcher not named). `arrow`: the workers'
        results come back as pyarrow Tables over the memory-mapped exchange file, for a caller that hands them
        to DuckDB (no copy: reading them into polars and back to Arrow cost this process 0.06 CPU-s per 100k
        addresses, and DuckDB scans the mapped table faster too)."""
        self._share_here = share_here
        self._keep = keep or {}
        self._arrow = arrow
        self._tmp = tempfile.TemporaryDirectory(dir=scratch)
        self._root = Path(self._tmp.name)
        self._calls = 0
        self._workers = []
        for index in range(size):
            log = (self._root / f"worker{index}.log").open("w")
            process = subprocess.Popen([sys.executable, "-m", "shellring.flows.pipeline.parse_worker"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
            self._workers.append((process, log))

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for process, log in self._workers:
            if process.stdin and not process.stdin.closed:
                process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self._workers = []
        self._tmp.cleanup()

    def _failure(self, index: int, name: str, detail: str) -> RuntimeError:
        log_tail = (self._root / f"worker{index}.log").read_text(errors="replace")[-2000:]
        return RuntimeError(f"normalization worker {index} failed on {name}: {detail}{log_tail}")

    def submit(self, parse: Callable[..., pl.DataFrame], values: list | pl.Series,
               hints: list | pl.Series | None = None) -> tuple:
        """Send parse(values[, hints]) to the next worker and return at once; `collect` gets the result.

        A worker answers its requests in the order it got them, so collect them in submission order. Values
        given as a polars Series go to the Arrow file as they are (no Python strings on this side)."""
        name = _name(parse)
        index = self._calls % len(self._workers)
        self._calls += 1
        chunk = {"input": values} if hints is None else {"input": values, "hint": hints}
        source = self._root / f"in{self._calls}.arrow"
        target = self._root / f"out{self._calls}.arrow"
        pl.DataFrame([pl.Series(k, v, dtype=pl.Utf8) for k, v in chunk.items()]).write_ipc(source)
        process = self._workers[index][0]
        request = {"parse": name, "source": str(source), "target": str(target)}
        if name in self._keep:
            request["columns"] = list(self._keep[name])
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self._failure(index, name, f"{exc}\n") from exc
        return index, name, source, target

    def collect(self, pending: tuple) -> pl.DataFrame:
        index, name, source, target = pending
        line = self._workers[index][0].stdout.readline()
        if not line:
            raise self._failure(index, name, "the process ended\n")
        answer = json.loads(line)
        if not answer["ok"]:
            raise self._failure(index, name, answer["error"])
        if self._arrow:
            # the mapping keeps the data readable once the file is unlinked (POSIX)
            frame = pa.ipc.open_file(pa.memory_map(str(target))).read_all()
        else:
            frame = pl.read_ipc(target)
        source.unlink()
        target.unlink()
        return frame

    def map(self, parse: Callable[..., pl.DataFrame], values: list, hints: list | None = None) -> pl.DataFrame:
        """parse(values[, hints]) with the rows shared between this process and the workers; input order kept."""
        return next(self.imap(parse, [(values, hints)]))

    def _send(self, parse: Callable[..., pl.DataFrame], values: list, hints: list | None) -> tuple:
        """Queue the workers' shares of one batch; returns this process's share and the workers' handles."""
        if not self._workers:
            return (values, hints), []
        if not self._share_here and len(values) < PARALLEL_MIN_VALUES:
            return ([], None), [self.submit(parse, values, hints)]
        if len(values) < PARALLEL_MIN_VALUES:
            return (values, hints), []
        shares = len(self._workers) + (1 if self._share_here else 0)
        step = -(-len(values) // shares)
        first = step if self._share_here else 0
        sent = [self.submit(parse, values[offset:offset + step],
                            hints[offset:offset + step] if hints is not None else None)
                for offset in range(first, len(values), step)]
        return (values[:first], hints[:first] if hints is not None else None), sent

    def imap(self, parse: Callable[..., pl.DataFrame], batches: Iterable[tuple[list, list | None]]
             ) -> Iterator[pl.DataFrame]:
        """parse(values[, hints]) of each (values, hints) batch, in order, each shared like `map`."""
        for _, frame in self.stream((parse, values, hints, None) for values, hints in batches):
            yield frame

    def stream(self, jobs: Iterable[tuple[Callable[..., pl.DataFrame], list, list | None, object]]
               ) -> Iterator[tuple[object, pl.DataFrame]]:
        """(tag, parse(values[, hints])) of each (parse, values, hints, tag) job, in order, each shared like `map`.

        The workers get the next two jobs' shares before this one is handed back, so they keep parsing while
        the caller stores a result or prepares the next jobs (memory stays at about three batches). The jobs
        may come from several matchers: the workers then parse one matcher's last slices while this process
        runs the next matcher's DISTINCT query."""
        jobs = iter(jobs)
        ahead: deque[tuple] = deque()
        for parse, values, hints, tag in itertools.islice(jobs, 2):
            ahead.append((parse, tag, self._send(parse, values, hints)))
        while ahead:
            parse, tag, ((values, hints), sent) = ahead.popleft()
            parts = [_call(parse, values, hints, self._keep.get(_name(parse)))] if len(values) or not sent else []
            parts += [self.collect(pending) for pending in sent]
            following = next(jobs, None)
            if following is not None:
                next_parse, next_values, next_hints, next_tag = following
                ahead.append((next_parse, next_tag, self._send(next_parse, next_values, next_hints)))
            yield tag, (_concat(parts) if len(parts) > 1 else parts[0])


# Unique values are parsed a slice at a time, so memory stays flat however large the extract. A slice of
# 100k addresses grows a process by ~250 MB of Python objects (400k slices: about twice the peak).
# A slice is one of DuckDB's row groups (122,880 rows): each store then writes whole row groups straight to the
# table. A slice smaller than a row group goes through the write-ahead log and is written again at the next
# checkpoint: 100k slices cost a third more CPU to store (1.48M addresses: 1.70 -> 1.15 CPU-s).
SLICE_VALUES = 122_880


# DuckDB's DICT_FSST string compression is half the cost of writing a lookup slice (0.57 -> 0.30 CPU-s per 100k
# parsed addresses). The price is disk: the working DB doubles (1M: 470 -> 1,070 MB); the lookups are scratch,
# read by the staging joins only, and plain strings scan faster. "" keeps DuckDB's default.
STORE_WITHOUT_COMPRESSION = "dict_fsst"


def _with_hints(frame: pl.DataFrame | pa.Table, hints: pl.Series | None) -> pl.DataFrame | pa.Table:
    if hints is None:
        return frame
    if isinstance(frame, pa.Table):
        return frame.append_column("hint", hints.to_arrow())
    return frame.with_columns(hints.alias("hint"))


def _store(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame | pa.Table, first: bool) -> None:
    con.register("_lookup", frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame)
    if first:
        con.execute(f"create or replace table {table} as select * from _lookup")
    else:
        con.execute(f"insert into {table} select * from _lookup")
    con.unregister("_lookup")


def _slices(con: duckdb.DuckDBPyConnection, table: str, query: str, parse: Callable[..., pl.DataFrame],
            hinted: bool, counts: dict[str, int], stored: dict[str, int]) -> Iterator[tuple]:
    """The parse jobs of one lookup table: (parse, values, hints, (table, first slice?, hints)) per slice."""
    if hinted and stored.get(FIRST[0]) != counts.get(FIRST[0]):
        # the hint queries read norm_uscc: every slice of it must be stored before they run (the tables
        # between them in STEPS give the stream the room; see normalize_all)
        raise RuntimeError(f"{table}: norm_uscc holds {stored.get(FIRST[0])} of {counts.get(FIRST[0])} rows")
    unique = fetch_frame(con, load_query(query).sql)
    counts[table] = unique.height
    for offset in range(0, max(unique.height, 1), SLICE_VALUES):
        hints = unique["hint"].slice(offset, SLICE_VALUES) if hinted else None
        yield parse, unique["input"].slice(offset, SLICE_VALUES), hints, (table, offset == 0, hints)


def _extract_rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select (select count(*) from src_registrations) + (select count(*) from src_accounts)"
                       ).fetchall()[0][0]


# (table, unique values, parser, parsed with a hint). The USCC table comes first: the address and phone queries
# read it for their hints, and the three tables between give its last slices time to be stored (the stream
# holds two jobs ahead of the one being stored; each table has at least one job).
FIRST = ("norm_uscc", "queries/unique_uscc", parse_usccs, False)
# The columns of each lookup that the staging SQL and the DISTINCT queries read (tests/test_lookup_columns.py
# holds them to it); the parsers give more (for analysts and the matcher tests). The rest would be shipped from
# the workers and compressed into the working DB for nobody: the address parser's parts alone are 9 columns.
STORED_COLUMNS = {
    "norm_uscc": ("input", "normalized", "valid", "region_code"),
    "norm_resident_id": ("input", "normalized", "valid", "birth_date", "region_code"),
    "norm_person_name": ("input", "normalized"),
    "norm_company_name": ("input", "trade_name"),
    "norm_address": ("input", "adcode", "site_key", "building_key", "room_key", "poi", "normalized", "notes"),
    "norm_phone": ("input", "e164", "type", "is_virtual", "also"),
}
STEPS = [
    ("norm_resident_id", "queries/unique_resident_ids", parse_resident_ids, False),
    ("norm_person_name", "queries/unique_person_names", parse_person_names_for_linking, False),
    ("norm_company_name", "queries/unique_company_names", parse_company_names, False),
    ("norm_address", "queries/unique_addresses", parse_addresses, True),
    ("norm_phone", "queries/unique_phones", parse_phones, True),
]


def normalize_all(con: duckdb.DuckDBPyConnection, scratch: Path) -> dict[str, dict[str, float]]:
    """Build every norm_* lookup table; returns unique-value counts and seconds per kind.

    Every table's slices go to the workers, one per core, as one stream, and this process runs the DISTINCT
    queries and stores the results meanwhile. That includes the USCCs: parsed here, they kept one core idle
    while the workers waited (5M: ~5 CPU-s). A table's seconds are those from the previous table's last store
    to its own (the tables overlap).
    """
    counts: dict[str, int] = {}
    stored: dict[str, int] = {}
    stats: dict[str, dict[str, float]] = {}
    helpers = _workers() if _extract_rows(con) >= POOL_MIN_ROWS else 0
    keep = {_name(parse): STORED_COLUMNS[table] for table, _, parse, _ in (FIRST, *STEPS)}
    pool = ParsePool(helpers, scratch, share_here=False, keep=keep, arrow=True) if helpers > 0 else None
    started = time.perf_counter()

    def done(table: str) -> None:
        nonlocal started
        stats[table] = {"unique_values": counts[table], "seconds": round(time.perf_counter() - started, 3)}
        started = time.perf_counter()

    if STORE_WITHOUT_COMPRESSION:
        con.execute(f"set disabled_compression_methods = '{STORE_WITHOUT_COMPRESSION}'")
    try:
        jobs = itertools.chain.from_iterable(_slices(con, *step, counts, stored) for step in (FIRST, *STEPS))
        parsed = (pool.stream(jobs) if pool is not None
                  else ((tag, _call(parse, values, hints, keep[_name(parse)])) for parse, values, hints, tag in jobs))
        current = None
        for (table, first, hints), frame in parsed:
            if first and current is not None:
                done(current)
            current = table
            _store(con, table, _with_hints(frame, hints), first)
            stored[table] = stored.get(table, 0) + len(frame)
            del frame
        if current is not None:
            done(current)
    finally:
        con.execute("reset disabled_compression_methods")
        if pool is not None:
            pool.close()
    return stats
