"""Seconds and CPU-seconds of publishing one run, statement by statement, into a fresh results DB.

Needs a working DB that holds the marts (e.g. the --work folder of a whole bench/profile_steps.py run). The
publisher's connection is wrapped so that every statement it runs is timed; the run row is a stand-in.

    python bench/profile_publish.py --work-db W/work.duckdb --out /tmp/pub.duckdb
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import datetime
from pathlib import Path

import duckdb

from shellring.flows.results import publish


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


class _Timed:
    """A DuckDB connection that records (wall s, CPU s, statement) of every execute."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: list):
        self._con, self._log = con, log

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        started, cpu = time.perf_counter(), _cpu()
        result = self._con.execute(sql, *args)
        self._log.append((time.perf_counter() - started, _cpu() - cpu, " ".join(sql.split())[:90]))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for stale in (args.out, args.out.with_name(args.out.name + ".lock")):
        stale.unlink(missing_ok=True)
    log: list = []
    connect = duckdb.connect
    publish.duckdb = type("TimedDuckDB", (), {"connect": staticmethod(lambda *a, **k: _Timed(connect(*a, **k), log))})
    now = datetime.now()
    run_row = {"run_id": "profile", "region": "bench", "started_at": now, "finished_at": now, "status": "succeeded",
               "since": None, "until": None, "n_registrations": 0, "n_accounts": 0, "n_rejected": 0, "n_clusters": 0,
               "n_flagged": 0, "code_version": "profile", "inputs": {}, "parameters": {}, "stage_seconds": {},
               "dependencies": {}, "language": "zh"}
    started, cpu = time.perf_counter(), _cpu()
    publish.publish(args.work_db, args.out, run_row)
    print(f"publish {time.perf_counter() - started:.2f} s {_cpu() - cpu:.2f} cpu-s; results DB "
          f"{args.out.stat().st_size / 2**20:.0f} MiB; load average {os.getloadavg()}")
    for wall, cpu_s, statement in sorted(log, key=lambda row: -row[1])[:8]:
        print(f"  {wall:7.2f} s {cpu_s:7.2f} cpu-s  {statement}")


if __name__ == "__main__":
    main()
