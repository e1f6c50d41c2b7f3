"""CPU seconds of storing a lookup table into a fresh DuckDB file slice by slice, as normalize does, per slice size.

    python bench/store_slice_cost.py WORK.duckdb norm_address [--sizes 100000 122880 245760]

Reads the table from a working DB that holds it (bench/profile_steps.py made it), then writes it again into a
scratch DB next to this process's temp dir in slices of each size (one insert per slice, DICT_FSST off as in
normalize), and once more in 100k slices inside one transaction. A slice smaller than DuckDB's row group
(122,880 rows) goes through the write-ahead log and is written again at the next checkpoint.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from shellring.flows.core.sqlsteps import fetch_frame


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _store(frame, path: Path, size: int, transaction: bool) -> tuple[float, float]:
    con = duckdb.connect(str(path))
    con.execute("set threads = 1")
    con.execute("set disabled_compression_methods = 'dict_fsst'")
    cpu, wall = _cpu(), time.perf_counter()
    if transaction:
        con.execute("begin")
    for index, offset in enumerate(range(0, frame.height, size)):
        con.register("_lookup", frame.slice(offset, size).to_arrow())
        con.execute(("create table t as " if index == 0 else "insert into t ") + "select * from _lookup")
        con.unregister("_lookup")
    if transaction:
        con.execute("commit")
    con.execute("checkpoint")
    con.close()
    return _cpu() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("table")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 122_880, 245_760])
    args = parser.parse_args()
    with duckdb.connect(str(args.db), read_only=True) as con:
        frame = fetch_frame(con, f"select * from {args.table}")
    print(f"{args.table}: {frame.height:,} rows")
    runs = [(size, False) for size in args.sizes] + [(100_000, True)]
    with tempfile.TemporaryDirectory() as scratch:
        for number, (size, transaction) in enumerate(runs):
            cpu, wall = _store(frame, Path(scratch) / f"store{number}.duckdb", size, transaction)
            label = f"{size:,} rows a slice" + (", one transaction" if transaction else "")
            print(f"  {label:<40}{cpu:>7.2f} cpu-s{wall:>7.2f} s")


if __name__ == "__main__":
    main()
