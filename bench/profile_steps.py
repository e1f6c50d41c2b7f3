"""Seconds and peak memory of every step of the job, stage by stage, in one process without Prefect.

Runs the declared plan (flows/pipeline/plan.py) step by step on a fresh working DB, timing each step and
sampling the resident memory of this process and its children (the normalization workers) every 20 ms.
Finds the step to look at first; the whole-job figures come from bench/run_pipeline.py.

    python bench/profile_steps.py --data /work/data1m --work /tmp/prof1m [--results-db OUT.duckdb]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import threading
import time
from pathlib import Path

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import run_sql
from shellring.flows.core.workspace import Workspace, connect, write_run_params
from shellring.flows.pipeline.plan import PythonStep, RunContext, prepare_stage, stage_steps


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo += [int(k) for k in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            pass
    return total


def _dir_bytes(path: Path) -> int:
    try:
        return sum(entry.stat().st_size for entry in os.scandir(path) if entry.is_file())
    except FileNotFoundError:
        return 0


class Sampler:
    """Peak resident memory of the process tree, and peak size of DuckDB's temp directory (what it spilled)."""

    def __init__(self, spill_dir: Path):
        self.peak = 0
        self.spill_peak = 0
        self._spill_dir = spill_dir
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_kb(os.getpid()))
            self.spill_peak = max(self.spill_peak, _dir_bytes(self._spill_dir))
            time.sleep(0.02)

    def take(self) -> float:
        peak, self.peak = self.peak, _tree_rss_kb(os.getpid())
        return peak / 2**20

    def take_spill(self) -> float:
        peak, self.spill_peak = self.spill_peak, 0
        return peak / 2**30


def _cpu(who: int | None = None) -> float:
    """CPU seconds of this process and its ended children (the parse workers end with their stage); of one of
    them when `who` is RUSAGE_SELF or RUSAGE_CHILDREN."""
    if who is not None:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime
    return _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--stages", nargs="*",
                        help="only these stages (the work DB must hold the earlier ones; fresh when ingest is named)")
    args = parser.parse_args()
    from shellring.flows.pipeline.pseudonyms import load_key

    ws = Workspace(args.work)
    settings = Settings()
    if not args.stages or "ingest" in args.stages:
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        inputs = [args.data / "registrations.csv", args.data / "accounts.csv"]
        write_run_params(ws, run_id="profile", region="bench", since=None, until=None, inputs=inputs)
    os.environ.setdefault("SHELLRING_KEY", "profile-key-0123456789abcdef")
    ctx_args = {"run_id": "profile", "registrations": (args.data / "registrations.csv",),
                "accounts": (args.data / "accounts.csv",), "results_db": args.work / "none.duckdb",
                "key": load_key(None)}
    sampler = Sampler(ws.scratch / "duckdb_tmp")
    began = time.perf_counter()
    stages = args.stages or ["ingest", "normalize", "stage", "link", "verdicts", "cluster", "score", "history",
                             "marts"]
    for stage in stages:
        stage_started, stage_cpu = time.perf_counter(), _cpu()
        with connect(ws, settings) as con:
            prepare_stage(con, stage)
            ctx = RunContext(ws, settings, **ctx_args)
            for step in stage_steps(stage):
                started, cpu, own = time.perf_counter(), _cpu(), _cpu(resource.RUSAGE_SELF)
                if isinstance(step, PythonStep):
                    ctx.outcomes[step.name] = step.run(con, ctx)
                    name = step.name
                else:
                    run_sql(con, step)
                    name = step.name
                print(f"  {stage:<10}{name:<36}{time.perf_counter() - started:>8.2f} s{_cpu() - cpu:>8.2f} cpu-s"
                      f"{sampler.take():>8.2f} GB   (this process {_cpu(resource.RUSAGE_SELF) - own:.2f} cpu-s, "
                      f"spilled {sampler.take_spill():.2f} GB)", flush=True)
                if stage == "normalize":
                    for table, figures in ctx.outcomes[name].items():
                        print(f"      {table:<30}{figures['unique_values']:>10,} unique {figures['seconds']:>8.2f} s")
        print(f"{stage:<46}{time.perf_counter() - stage_started:>8.2f} s{_cpu() - stage_cpu:>8.2f} cpu-s   "
              f"(db {ws.db.stat().st_size / 2**30:.2f} GB)", flush=True)
    print(f"total {time.perf_counter() - began:.1f} s, {_cpu():.1f} cpu-s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
