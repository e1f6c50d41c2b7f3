"""Whole-job benchmark: generate demo extracts, run the audit flow, report wall time and peak memory per stage.

Each size runs in a fresh subprocess (the real `audit_flow`, Prefect with no server configured, so it
starts its temporary server like a user's first run would). The parent samples the resident memory of
the job process (and, separately, of its children: Prefect's temporary server) every 20 ms, and
attributes the peak to each stage from the stage windows the flow reports.

    python bench/run_pipeline.py --companies 200000 1000000 [--seed 7] [--keep DIR]
    python bench/run_pipeline.py --data /work/data1m /work/data5m [--json OUT.json]
    python bench/run_pipeline.py --companies 200000 --accounts-per-company 1 --keep /tmp/bench   # as many openings

`--data` runs on folders the demo generator already wrote (registrations.csv, accounts.csv, truth.csv),
so a large extract is generated once and reused. Besides the job's own peak, the whole process tree
(job, normalization workers, Prefect's temporary server) is sampled together; the load average of the
machine before and after each run is printed, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHILD = r"""
import json, os, sys, time
started = time.time()
from shellring.flows.orchestration import digests
from shellring.flows.orchestration.audit import audit_flow
from shellring.flows.orchestration.temporary_server import patient_temporary_server
imported = time.time()
digests.start(sys.argv[1:3])  # as `shellring run` does: the extracts hashed while the temporary server starts
with patient_temporary_server():  # as `shellring run` does: a busy machine can take over 20 s to start it
    summary = audit_flow(registrations=[sys.argv[1]], accounts=[sys.argv[2]], db=sys.argv[3], region="bench")
finished = time.time()
print("SUMMARY " + json.dumps({"summary": summary, "started": started, "imported": imported, "finished": finished},
                              default=str))
"""


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                kids = [int(k) for k in handle.read().split()]
        except FileNotFoundError:
            kids = []
        found += kids
        todo += kids
    return found


def _is_prefect_server(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"prefect" in handle.read()
    except FileNotFoundError:
        return False


def _sample(proc: subprocess.Popen, samples: list, stop: threading.Event) -> None:
    """(time, RSS of the job: its process plus its normalization workers, RSS of Prefect's server); the
    whole tree's RSS at one instant is the sum of the two."""
    while not stop.is_set() and proc.poll() is None:
        children = _children(proc.pid)
        server = [c for c in children if _is_prefect_server(c)]
        workers = [c for c in children if c not in server]
        samples.append((time.time(), _rss_kb(proc.pid) + sum(_rss_kb(c) for c in workers),
                        sum(_rss_kb(c) for c in server)))
        time.sleep(0.02)


def run_once(registrations: Path, accounts: Path, db: Path) -> dict:
    env = dict(os.environ, SHELLRING_KEY=os.environ.get("SHELLRING_KEY", "bench-key-0123456789abcdef"),
               PREFECT_LOGGING_LEVEL="WARNING")
    samples: list = []
    stop = threading.Event()
    wall_start = time.time()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(registrations), str(accounts), str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    sampler = threading.Thread(target=_sample, args=(proc, samples, stop), daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    wall = time.time() - wall_start
    if proc.returncode != 0:
        raise RuntimeError(f"audit run failed:\n{err[-4000:]}")
    payload = json.loads(next(line[8:] for line in out.splitlines() if line.startswith("SUMMARY ")))
    stages = []
    for name, start, end in payload["summary"]["stage_windows"]:
        window = [s[1] for s in samples if start <= s[0] <= end] or [0]
        tree = [s[1] + s[2] for s in samples if start <= s[0] <= end] or [0]
        stages.append({"stage": name, "seconds": round(end - start, 2), "peak_rss_gb": round(max(window) / 2**20, 2),
                       "peak_rss_gb_tree": round(max(tree) / 2**20, 2)})
    stage_total = sum(s["seconds"] for s in stages)
    return {
        "wall_seconds": round(wall, 1),
        "python_start_and_imports": round(payload["imported"] - payload["started"], 1),
        "stages_total": round(stage_total, 1),
        "orchestration_overhead": round(wall - stage_total - (payload["imported"] - payload["started"]), 1),
        "peak_rss_gb_job": round(max(s[1] for s in samples) / 2**20, 2),
        "peak_rss_gb_prefect_server": round(max(s[2] for s in samples) / 2**20, 2),
        "peak_rss_gb_tree": round(max(s[1] + s[2] for s in samples) / 2**20, 2),
        "stages": stages,
        "companies": payload["summary"]["companies"],
        "accounts": payload["summary"]["accounts"],
        "clusters": payload["summary"]["clusters"],
        "flagged": payload["summary"]["flagged"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accounts-per-company", type=float,
                        help="generate exactly this many account openings per company (default: the demo's ~0.7)")
    parser.add_argument("--keep", type=Path, help="folder for data and results (default: a temp dir)")
    parser.add_argument("--data", type=Path, nargs="+", help="existing demo folders to run on instead of generating")
    parser.add_argument("--results", type=Path, help="folder for the results DBs with --data (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="append each run's figures as one JSON line to this file")
    args = parser.parse_args()
    from shellring.flows.demo.generate import DemoFiles, generate_demo
    from shellring.flows.results.evaluate import evaluate

    root = args.keep or Path(tempfile.mkdtemp(prefix="shellring-bench-"))
    runs = ([(folder.name, folder) for folder in args.data] if args.data
            else [(n, root / f"n{n}") for n in args.companies])
    for label, folder in runs:
        started = time.perf_counter()
        if args.data:
            files = DemoFiles(folder / "registrations.csv", folder / "accounts.csv", folder / "truth.csv")
            generated = None
            db = (args.results or root) / f"{folder.name}.results.duckdb"
        else:
            accounts = None if args.accounts_per_company is None else round(label * args.accounts_per_company)
            files = generate_demo(folder, n_companies=label, seed=args.seed, accounts=accounts)
            generated = time.perf_counter() - started
            db = folder / "results.duckdb"
        db.unlink(missing_ok=True)
        load_before = os.getloadavg()
        result = run_once(files.registrations, files.accounts, db)
        load_after = os.getloadavg()
        quality = evaluate(files.truth, db)
        made = f"demo generation {generated:.1f} s, not part of the job" if generated else f"data {folder}"
        print(f"\n== {label} ({made})")
        print(f"load average (1/5/15 min) before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
              f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}")
        print(f"whole job wall time {result['wall_seconds']} s  = python start+imports "
              f"{result['python_start_and_imports']} s + stages {result['stages_total']} s + Prefect orchestration "
              f"{result['orchestration_overhead']} s")
        print(f"peak RSS: whole process tree {result['peak_rss_gb_tree']} GB; job (process + normalization "
              f"workers) {result['peak_rss_gb_job']} GB, "
              f"Prefect temporary server {result['peak_rss_gb_prefect_server']} GB")
        print(f"{'stage':<12}{'seconds':>10}{'peak RSS GB job':>18}{'tree':>8}")
        for stage in result["stages"]:
            print(f"{stage['stage']:<12}{stage['seconds']:>10}{stage['peak_rss_gb']:>18}{stage['peak_rss_gb_tree']:>8}")
        print(f"companies {result['companies']:,}, accounts {result['accounts']:,}, clusters {result['clusters']:,}, "
              f"flagged {result['flagged']:,}")
        print(f"quality: pair F1 {quality.pair_f1}, ring recall {quality.ring_recall} {quality.ring_recall_by_kind}, "
              f"look-alike false alarms {quality.lookalike_false_alarm_rate}, "
              f"all legit {quality.legit_false_alarm_rate}", flush=True)
        if args.json:
            with args.json.open("a") as handle:
                handle.write(json.dumps({"label": str(label), "load_before": load_before, "load_after": load_after,
                                         **result, "pair_f1": quality.pair_f1}) + "\n")


if __name__ == "__main__":
    main()
