"""The normalize stage alone, on a copy of a working DB that holds the ingested extracts: wall and CPU seconds.

    python bench/normalize_only.py INGESTED.duckdb OUT_DIR

Copies INGESTED.duckdb into OUT_DIR (so before/after runs start from the same bytes), runs `normalize_all` as the
plan runs it (same DuckDB memory budget) and prints wall seconds, CPU seconds of this process and of its ended
parse workers, the load average and the DB size after. Compare two OUT_DIRs with bench/compare_lookups.py.
A DB with the ingested extracts: `bench/profile_steps.py --data DIR --work W --stages ingest` (W/work.duckdb).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb

from shellring.flows.core.sqlsteps import memory_limit_mib
from shellring.flows.pipeline.normalize import normalize_all


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ingested", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    db = args.out / "work.duckdb"
    shutil.copy(args.ingested, db)
    with duckdb.connect(str(db)) as con:
        con.execute("set memory_limit = ?", [f"{max(64, int(memory_limit_mib(con) / 2))}MiB"])
        own, started = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        stats = normalize_all(con, args.out)
        wall, own = time.perf_counter() - started, _cpu(resource.RUSAGE_SELF) - own
    workers = _cpu(resource.RUSAGE_CHILDREN)
    print(f"normalize {wall:.2f} s, {own + workers:.2f} CPU-s (this process {own:.2f}, workers {workers:.2f}); "
          f"load average {os.getloadavg()}; DB {db.stat().st_size / 2**20:.0f} MiB")
    for table, figures in stats.items():
        print(f"    {table:<20}{figures['unique_values']:>12,} unique {figures['seconds']:>8.2f} s")


if __name__ == "__main__":
    main()
