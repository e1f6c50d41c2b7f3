"""What the address keys contribute to linking, on a run kept by `bench/quality.py --keep FOLDER`.

    python bench/address_key_links.py FOLDER/n20000-s7-r0.07-x0.15

Counts, among the published links, those resting on the registered/contact room or building keys
(SAME_ROOM, SAME_CONTACT_ADDRESS, SAME_BUILDING): pairs inside one planted ring (right) and the others, and the
planted rings with at least one such link inside them.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb

REASONS = ("SAME_ROOM", "SAME_CONTACT_ADDRESS", "SAME_BUILDING")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    group = {r["uscc"]: r["group_id"] for r in csv.DictReader(open(args.folder / "truth.csv", encoding="utf-8"))
             if r["is_ring"] == "true"}
    rings = set(group.values())
    con = duckdb.connect(str(args.folder / "results.duckdb"), read_only=True)
    run = con.execute("select run_id from latest_run").fetchone()[0]
    links = con.execute("select uscc_a, uscc_b, reason from links where run_id = ?", [run]).fetchall()
    print("| reason | links | inside a ring | other | rings reached |\n|---|---|---|---|---|")
    for reason in REASONS + ("any of them",):
        wanted = REASONS if reason == "any of them" else (reason,)
        hits = [(a, b) for a, b, why in links if any(w in why.split("+") for w in wanted)]
        inside = [(a, b) for a, b in hits if a in group and group[a] == group.get(b)]
        reached = {group[a] for a, _ in inside}
        other = len(hits) - len(inside)
        print(f"| {reason} | {len(hits)} | {len(inside)} | {other} | {len(reached)} of {len(rings)} |")


if __name__ == "__main__":
    main()
