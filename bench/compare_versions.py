"""Whole-job time of two installed versions of shellring, side by side on the same extracts.

Each version lives in its own virtualenv (e.g. an older commit checked out with `git worktree add` and
installed with `pip install .`). The versions run alternately, PAIRS times each, every run in a fresh
process with a fresh results DB and Prefect's temporary server (the real `audit_flow`, as `shellring run`
runs it); the script prints each run and the medians of wall time, the flow's stage seconds and the CPU
time of the whole process tree (job, parse workers, Prefect server), which load on the machine disturbs
less than wall time. Each run's results DB is kept, so bench/compare_published.py can compare them.

    python bench/compare_versions.py --old /path/old-venv/bin/python --new .venv/bin/python \\
        --registrations d200k/registrations.csv --accounts d200k/accounts.csv --pairs 3 --out bench/out/versions
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("SHELLRING_KEY", "compare-versions-key-0123456789abcdef")
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
try:
    from shellring.flows.orchestration.audit import audit_flow
except ImportError:  # versions before the shellring package layout
    from flows.audit import audit_flow
started = time.time()
summary = audit_flow(registrations=[sys.argv[1]], accounts=[sys.argv[2]], db=sys.argv[3], region="bench")
print("RESULT " + json.dumps({"flow_seconds": time.time() - started, "stage_seconds": summary["stage_seconds"]}))
"""


def _run(python: str, args: argparse.Namespace, db: Path) -> dict:
    for stale in (db, db.with_name(db.name + ".lock"), db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(db.parent / f".{db.name}.work", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    out = subprocess.run([python, "-c", CHILD, str(args.registrations), str(args.accounts), str(db)],
                         capture_output=True, text=True, cwd=db.parent, check=True)
    wall = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    result.update(wall=wall, cpu=after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
                  load=os.getloadavg()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="python of the older version's virtualenv")
    parser.add_argument("--new", required=True, help="python of the newer version's virtualenv")
    parser.add_argument("--registrations", type=Path, required=True)
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out/versions"))
    args = parser.parse_args()
    args.registrations, args.accounts = args.registrations.resolve(), args.accounts.resolve()
    args.old, args.new = os.path.abspath(args.old), os.path.abspath(args.new)  # runs start in the output folder
    args.out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for pair in range(args.pairs):
        for name in runs:
            result = _run(getattr(args, name), args, (args.out / f"{name}.duckdb").resolve())
            runs[name].append(result)
            stages = sum(result["stage_seconds"].values())
            print(f"{name} run {pair + 1}: wall {result['wall']:.1f} s, stages {stages:.1f} s, "
                  f"cpu {result['cpu']:.1f} s, load {result['load']:.2f}", flush=True)
    medians = {}
    for name, results in runs.items():
        medians[name] = {key: statistics.median(r[key] if key != "stages" else sum(r["stage_seconds"].values())
                                                for r in results) for key in ("wall", "stages", "cpu")}
        print(f"{name}: median wall {medians[name]['wall']:.1f} s, stages {medians[name]['stages']:.1f} s, "
              f"cpu {medians[name]['cpu']:.1f} s")
        per_stage = {stage: statistics.median(r["stage_seconds"][stage] for r in results)
                     for stage in results[0]["stage_seconds"]}
        print("   " + ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in per_stage.items()))
    print("new / old: " + ", ".join(f"{key} {medians['new'][key] / medians['old'][key]:.2f}"
                                     for key in ("wall", "stages", "cpu")))


if __name__ == "__main__":
    main()
