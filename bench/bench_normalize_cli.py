"""`shellring normalize --kind address` against cpca's batch `transform`, both as whole processes, on one file.

    python bench/bench_normalize_cli.py [--lines 110000] [--repeat 3]

The file: `--lines` lines drawn with repeats (seed 13) from the 18,367 real company addresses in
tests/data/addresses/company_addresses.csv (16,941 distinct), written to a temp file. Each tool runs in a fresh
process that reads that file and writes its answer to /dev/null; the wall clock of the whole process is timed
(imports, gazetteer or dictionary loading included), best of `--repeat`. cpca is a dev-only comparison
(`pip install -e ".[bench]"`): it returns three admin levels only, where ours returns every field and the keys.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "addresses" / "company_addresses.csv"

CPCA = """
import sys
import cpca
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
frame = cpca.transform(lines)
frame.to_csv(sys.stdout)
"""


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=110_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = [r[0] for r in list(csv.reader(open(DATA, encoding="utf-8")))[1:]]
    rng = random.Random(13)
    lines = [rng.choice(rows) for _ in range(args.lines)]
    folder = Path(tempfile.mkdtemp(prefix="shellring-normalize-bench-"))
    try:
        path = folder / "addresses.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        shellring = shutil.which("shellring", path=str(Path(sys.executable).parent)) or "shellring"
        print(f"# {args.lines:,} lines, {len(set(lines)):,} distinct; whole processes, run in turn, best of "
              f"{args.repeat} (wall clock, and CPU time: less sensitive to other load on the box)")
        commands = {"shellring normalize --kind address": [shellring, "normalize", "--kind", "address", str(path)]}
        try:
            import cpca  # noqa: F401

            commands["cpca.transform (batch)"] = [sys.executable, "-c", CPCA, str(path)]
        except ImportError:
            print("cpca not installed (pip install -e '.[bench]'): skipped")
        best = {name: (float("inf"), float("inf")) for name in commands}
        for _ in range(args.repeat):  # in turn, so that a busy moment falls on both
            for name, cmd in commands.items():
                wall, cpu = run_once(cmd)
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
        for name, (wall, cpu) in best.items():
            print(f"{name:36s} wall {wall:5.2f} s {args.lines / wall:9,.0f} lines/s   "
                  f"CPU {cpu:5.2f} s {args.lines / cpu:9,.0f} lines/s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
