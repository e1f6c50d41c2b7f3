"""CPU seconds of `parse_addresses` per 100k unique (address, hint) pairs of a demo's extracts, and a digest of
its output frame, so that two versions can be compared side by side:

    python bench/address_parse_cpu.py DEMO_DIR [--n 100000] [--runs 3]
    PYTHONPATH=BASE python bench/address_parse_cpu.py DEMO_DIR      # BASE/shellring: the other version

The pairs are the registered and the contact addresses with the USCC's region as the hint (as the
normalize stage's query gives them), first seen first, at most --n. CPU is process time (all threads).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from pathlib import Path

import polars as pl

from shellring.matchers import address
from shellring.matchers.divisions import gazetteer, townships


def _read(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False)
    except pl.exceptions.ComputeError:  # the demo writes registrations in GBK
        return pl.read_csv(path, infer_schema=False, encoding="gbk")


def pairs(demo: Path, n: int) -> tuple[list[str], list[str | None]]:
    reg, acc = _read(demo / "registrations.csv"), _read(demo / "accounts.csv")
    frame = pl.concat([  # by position: the headers vary between demo runs
        reg.select(pl.nth(4).alias("a"), pl.nth(0).str.slice(2, 6).alias("h")),
        acc.select(pl.nth(11).alias("a"), pl.nth(3).str.slice(2, 6).alias("h")),
    ]).drop_nulls("a").unique(maintain_order=True).head(n)
    return frame["a"].to_list(), frame["h"].to_list()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("demo", type=Path)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    values, hints = pairs(args.demo, args.n)
    gazetteer(), townships()
    address.parse_addresses(values[:50], hints[:50])  # warm-up: tables and lazily built indexes
    cpu = []
    for _ in range(args.runs):
        address._parse_tail.cache_clear()
        address._first_road.cache_clear()
        started = time.process_time()
        frame = address.parse_addresses(values, hints)
        cpu.append(time.process_time() - started)
    flat = frame.with_columns(pl.col("notes").list.join("\x1f"))  # CSV has no lists
    digest = hashlib.sha256(flat.write_csv().encode()).hexdigest()[:16]
    print(f"{address.__file__}: {len(values):,} pairs, CPU-s per run {[round(c, 3) for c in cpu]}, "
          f"best {min(cpu) / len(values) * 1e5:.3f} per 100k; output sha256 {digest}; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
