"""The distributed run's overhead against one process, on the same extracts and machine.

Runs `shellring run` once in one process and once with `--workers N` (a local Dask cluster), each in a fresh
subprocess with Prefect's temporary server, samples the resident memory of the whole process tree (the run,
its Dask workers and nanny, Prefect's server) every 200 ms, and prints wall time, peak memory and the stages'
seconds of each, then whether the two published the same tables (bench/compare_published.py).

    python bench/distributed_overhead.py REGISTRATIONS ACCOUNTS OUT_DIR [--workers 2] [--memory-per-worker 3GB]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from compare_published import compare


def _tree(pid: int) -> list[int]:
    found, todo = [pid], [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                kids = [int(k) for k in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            kids = []
        found += kids
        todo += kids
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
    except (FileNotFoundError, ProcessLookupError):
        return 0


def measured_run(args: list[str]) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "shellring.flows.cli.app", "run", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], sum(_rss_kb(p) for p in _tree(process.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    if process.returncode:
        sys.exit(f"shellring run failed:\n{out[-3000:]}\n{err[-5000:]}")
    logged = out + err  # the flow logs "<stage> done in <s>s: <outcome>" per stage
    stages = {name: float(sec) for name, sec in re.findall(r"- (\w+) done in ([\d.]+)s", logged)}
    # the distributed stages' outcomes carry the workers' summed task seconds per step
    details = [line.split(" - ", 1)[-1] for line in logged.splitlines() if re.search(r"(normalize|link) done in", line)]
    return {"wall_s": round(time.perf_counter() - started, 1), "peak_tree_mb": peak[0] // 1024,
            "stages": stages, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registrations")
    parser.add_argument("accounts")
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-per-worker", default="3GB")
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--skip-single", action="store_true", help="reuse OUT_DIR/single.duckdb from a previous run")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    key_file = args.out / "bench.key"
    key_file.write_text(secrets.token_hex(32))
    os.chmod(key_file, 0o600)
    common = ["--registrations", args.registrations, "--accounts", args.accounts, "--key-file", str(key_file),
              "--region", "bench"]
    results = {}
    with open("/proc/loadavg") as handle:
        print("load before:", handle.read().split()[:3])
    if not args.skip_single:
        results["single"] = measured_run([*common, "--db", str(args.out / "single.duckdb")])
        print("single process:", json.dumps(results["single"], ensure_ascii=False))
    distributed = [*common, "--db", str(args.out / "distributed.duckdb"), "--workers", str(args.workers),
                   "--memory-per-worker", args.memory_per_worker,
                   *(["--partitions", str(args.partitions)] if args.partitions else [])]
    results["distributed"] = measured_run(distributed)
    print(f"distributed ({args.workers} workers):", json.dumps(results["distributed"], ensure_ascii=False))
    with open("/proc/loadavg") as handle:
        print("load after:", handle.read().split()[:3])
    if "single" in results:
        print(f"overhead: {results['distributed']['wall_s'] / results['single']['wall_s']:.2f}x wall, "
              f"{results['distributed']['peak_tree_mb'] / max(1, results['single']['peak_tree_mb']):.2f}x peak memory")
    compare(str(args.out / "single.duckdb"), str(args.out / "distributed.duckdb"))


if __name__ == "__main__":
    main()
