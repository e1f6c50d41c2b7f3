"""Time one SQL step, or a variant of it, on a profile work DB, and check that the variant writes the same rows.

bench/profile_steps.py leaves a working DB that holds every stage's tables. This runs a step's SQL file (the
project's own or an edited copy) against it again, into a temp table, and prints wall and CPU seconds; with
`--against FILE` it also runs FILE the same way and compares the two outputs row for row (EXCEPT ALL both
ways). `--explain` writes DuckDB's JSON profile of the first file and lists its costliest operators.

    python bench/step_variant.py --work /tmp/p1m sql/marts/pub_cluster_values.sql \
        --against /tmp/old/pub_cluster_values.sql --before marts/in_cluster_pairs

`--before` names steps whose temp tables the file reads (they live only in their stage's connection).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
from pathlib import Path

from shellring.flows.core.masking import create_masking_macros
from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import read_step
from shellring.flows.core.workspace import Workspace, connect

_CREATE = re.compile(r"create\s+or\s+replace\s+(temp\s+)?table\s+\w+\s+as", re.I)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _operators(node: dict, found: list) -> None:
    found.append((node.get("timing", 0.0), node.get("name", "?"), node.get("intermediate_rows", 0),
                  str(node.get("extra_info", {}).get("Aggregates") or node.get("extra_info", {}).get("Projections")
                      or "")[:100]))
    for child in node.get("children", []):
        _operators(child, found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sql", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--against", type=Path, help="another version of the step: compare the two outputs")
    parser.add_argument("--before", nargs="*", default=[], help="steps (like marts/in_cluster_pairs) to run first")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with connect(Workspace(args.work), Settings()) as con:
        create_masking_macros(con)
        con.execute("set variable run_id = 'profile'")
        for step in args.before:
            con.execute(read_step(step))
        for tag, path in (("a", args.sql), ("b", args.against)):
            if path is None:
                continue
            sql = _CREATE.sub(f"create or replace temp table variant_{tag} as", path.read_text(), count=1)
            profile = args.explain and tag == "a"
            if profile:
                con.execute("pragma enable_profiling = 'json'")
                con.execute("pragma profiling_output = ?", [str(args.work / "step_variant_profile.json")])
            started, cpu = time.perf_counter(), _cpu()
            con.execute(sql)
            print(f"{path}: {time.perf_counter() - started:.2f} s {_cpu() - cpu:.2f} cpu-s")
            if profile:
                con.execute("pragma disable_profiling")
                found: list = []
                for node in json.loads((args.work / "step_variant_profile.json").read_text())["operator"]:
                    _operators(node, found)
                for timing, name, rows, what in sorted(found, reverse=True)[:10]:
                    print(f"  {timing:8.2f} s {name:<18}{rows:>12,}  {what}")
        if args.against:
            n = con.execute("select count(*) from variant_a").fetchone()[0]
            only_a = con.execute("select count(*) from (from variant_a except all from variant_b)").fetchone()[0]
            only_b = con.execute("select count(*) from (from variant_b except all from variant_a)").fetchone()[0]
            print(f"rows {n}, only in {args.sql.name}: {only_a}, only in {args.against.name}: {only_b}:",
                  "IDENTICAL" if only_a == only_b == 0 else "DIFFERENT")


if __name__ == "__main__":
    main()
