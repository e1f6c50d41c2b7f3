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


def timed(cmd: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return best


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
        print(f"# {args.lines:,} lines, {len(set(lines)):,} distinct; whole processes, best of {args.repeat}")
        ours = timed([shellring, "normalize", "--kind", "address", str(path)], args.repeat)
        print(f"shellring normalize --kind address  {ours:6.2f} s  {args.lines / ours:9,.0f} lines/s")
        try:
            import cpca  # noqa: F401
        except ImportError:
            print("cpca not installed (pip install -e '.[bench]'): skipped")
            return
        theirs = timed([sys.executable, "-c", CPCA, str(path)], args.repeat)
        print(f"cpca.transform (batch)              {theirs:6.2f} s  {args.lines / theirs:9,.0f} lines/s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
