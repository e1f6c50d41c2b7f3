"""National demo: what a national run finds that regional runs of the same extracts miss.

Generates several regions' demo extracts with rings planted across regions and phones that are hubs only
nationally (shellring.flows.demo.national), runs the audit once per region and once over all regions
(`--national`), and prints, per run kind, how many cross-region rings one flagged cluster holds (at least
two thirds of the ring's companies), and whether the national hub phones are hubs there.

    python bench/national_demo.py OUT_DIR [--companies 20000] [--rings 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import duckdb

RING_SHARE_FOUND = 2 / 3  # a ring is found when one flagged cluster holds at least this share of its companies


def ring_findings(db: Path, rings: dict[str, list[str]]) -> dict[str, dict]:
    """Per planted ring: the most of its companies one cluster holds, and whether that cluster is flagged."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        members = con.execute(
            "select m.uscc, m.cluster_id, c.flagged from latest_run r "
            "join cluster_members m using (run_id) join clusters c using (run_id, cluster_id)").fetchall()
    finally:
        con.close()
    by_company = {uscc: (cluster, flagged) for uscc, cluster, flagged in members}
    found = {}
    for ring, companies in rings.items():
        counts: dict[str, list] = {}
        for uscc in companies:
            if uscc in by_company:
                cluster, flagged = by_company[uscc]
                counts.setdefault(cluster, [0, flagged])[0] += 1
        best, flagged = max(counts.values(), default=[0, False])
        found[ring] = {"held": best, "of": len(companies), "flagged": bool(flagged),
                       "found": bool(flagged) and best >= RING_SHARE_FOUND * len(companies)}
    return found


def hub_status(db: Path, phones: list[str], key: bytes) -> dict[str, int | None]:
    """Per planted hub phone: the companies the run's `hubs` table counts on it, None when it is no hub."""
    from shellring.flows.pipeline.pseudonyms import pseudonym

    ids = {"H" + pseudonym(key, "+86" + phone)[:12]: phone for phone in phones}
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = dict(con.execute("select hub_id, n_companies from hubs h join latest_run r using (run_id)").fetchall())
    finally:
        con.close()
    return {phone: rows.get(hub_id) for hub_id, phone in ids.items()}


def run(args: list[str], key_file: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "shellring.flows.cli.app", "run", "--quiet", "--key-file",
                           str(key_file), *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"shellring run {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--companies", type=int, default=20_000, help="per region")
    parser.add_argument("--rings", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=0, help="national run on a local Dask cluster")
    args = parser.parse_args()
    from shellring.flows.demo.national import generate_national_demo

    demo = generate_national_demo(args.out / "extracts", n_companies=args.companies, seed=args.seed,
                                  cross_rings=args.rings)
    key_file = args.out / "demo.key"
    key_file.write_text(secrets.token_hex(32))
    os.chmod(key_file, 0o600)
    key = key_file.read_text().strip().encode()
    regional = {}
    for region, files in demo.regions.items():
        db = args.out / f"{region}.duckdb"
        seconds = run(["--registrations", str(files.registrations), "--accounts", str(files.accounts),
                       "--db", str(db), "--region", region], key_file)
        regional[region] = (db, seconds)
    national_db = args.out / "national.duckdb"
    seconds = run(["--national", str(demo.root), "--db", str(national_db),
                   *(["--workers", str(args.workers)] if args.workers else [])], key_file)
    national = ring_findings(national_db, demo.ring_members)
    print(f"{len(demo.regions)} regions x {args.companies} companies, {len(demo.ring_members)} cross-region rings "
          f"({len(next(iter(demo.ring_members.values())))} companies each, spread evenly)")
    print(f"national run ({seconds:.0f} s): rings found {sum(f['found'] for f in national.values())} "
          f"of {len(national)}")
    found_anywhere = set()
    for region, (db, seconds) in regional.items():
        findings = ring_findings(db, demo.ring_members)
        pieces = sum(1 for f in findings.values() if f["held"] >= 2)
        flagged = sum(1 for f in findings.values() if f["held"] >= 2 and f["flagged"])
        found_anywhere |= {r for r, f in findings.items() if f["found"]}
        print(f"regional run {region} ({seconds:.0f} s): rings found {sum(f['found'] for f in findings.values())}; "
              f"ring pieces clustered {pieces}, of them flagged {flagged}")
    missed = sum(1 for r, f in national.items() if f["found"] and r not in found_anywhere)
    print(f"cross-region rings the national run finds and no regional run does: {missed}")
    print(f"national hub phones, companies counted (None = not a hub): national "
          f"{hub_status(national_db, demo.hub_phones, key)}; regional "
          + "; ".join(f"{r} {hub_status(db, demo.hub_phones, key)}" for r, (db, _) in regional.items()))


if __name__ == "__main__":
    main()
