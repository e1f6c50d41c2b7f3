"""Quality of the whole job on demo data across sizes and seeds (never tune to one seed).

    python bench/quality.py --companies 20000 200000 --seeds 7 3 5

Each (size, seed) generates fresh demo extracts, runs the real `audit_flow` and scores the published
results with `shellring.flows.results.evaluate.evaluate` (the figures `shellring evaluate` prints).
Ring recall cells read "recall (rings)". `--hard` turns on every generator knob (flows/demo/knobs.py):

    python bench/quality.py --companies 20000 --seeds 7 3 5 --hard
    python bench/quality.py --companies 20000 --seeds 7 3 5 --hard --variety   # spellings beyond the tuned ones
    python bench/quality.py --companies 20000 --seeds 7 3 5 --hard --stretch   # proportions beyond them
                                                                               # (bench/ring_shapes.py bins them)
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

KINDS = ["address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"]
LEVELS = ["naive", "medium", "sophisticated"]
TAGS = ["dense", "landline", "profile_only"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, nargs="+", default=[20_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 3, 5])
    parser.add_argument("--ring-share", type=float, default=0.07, help="share of companies in planted rings")
    parser.add_argument("--noise", type=float, default=0.15, help="rendering noise of the extracts (typos, formats)")
    parser.add_argument("--keep", type=Path, help="folder for data and results (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="also write evaluation.json next to each run's data")
    parser.add_argument("--hard", action="store_true", help="every generator knob on (see flows/demo/knobs.py)")
    parser.add_argument("--sophistication", help="naive | medium | sophisticated | naive=.4,medium=.3,...")
    parser.add_argument("--density", type=float)
    parser.add_argument("--landline-dealers", type=float)
    parser.add_argument("--profile-only", type=float)
    parser.add_argument("--variety", action="store_true",
                        help="further real spellings and wider ring proportions (never on with --hard alone)")
    parser.add_argument("--stretch", action="store_true",
                        help="ring and look-alike proportions from DOMAIN.md's wide ranges (never on with --hard)")
    parser.add_argument("--grow-branches", action="store_true",
                        help="above 200k companies, bank branches in proportion (generate_demo grow_branches)")
    parser.add_argument("--plan-by-seed", action="store_true",
                        help="the per-run proportions from the seed alone: every size plants the same mix")
    parser.add_argument("--accounts-per-company", type=float,
                        help="exactly this many account openings per company (generate_demo accounts)")
    args = parser.parse_args()
    os.environ.setdefault("SHELLRING_KEY", "bench-quality-key-0123456789")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from shellring.flows.demo.generate import generate_demo
    from shellring.flows.demo.knobs import parse_mix
    from shellring.flows.orchestration.audit import audit_flow
    from shellring.flows.orchestration.temporary_server import patient_temporary_server
    from shellring.flows.results.evaluate import evaluate

    root = args.keep or Path(tempfile.mkdtemp(prefix="shellring-quality-"))
    header = ["companies", "seed", "pair P", "pair R", "pair F1", "ring recall", "in pieces"] + KINDS + LEVELS + [
        f"tag {t}" for t in TAGS] + ["FA look-alikes", "FA all legit", "flagged clusters", ">1 ring", ">=1 legit",
                                    "purity mean", "purity median", "job s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n in args.companies:
        for seed in args.seeds:
            knobs = ("-hard" if args.hard else "") + ("-variety" if args.variety else "") + (
                "-stretch" if args.stretch else "") + ("-grow" if args.grow_branches else "") + (
                "-plan" if args.plan_by_seed else "") + (
                f"-a{args.accounts_per_company}" if args.accounts_per_company else "")
            folder = root / f"n{n}-s{seed}-r{args.ring_share}-x{args.noise}{knobs}"
            files = generate_demo(folder, n_companies=n, seed=seed, ring_share=args.ring_share, noise=args.noise,
                                  hard=args.hard, density=args.density, landline_dealers=args.landline_dealers,
                                  profile_only=args.profile_only, variety=args.variety, stretch=args.stretch,
                                  grow_branches=args.grow_branches, plan_by_seed=args.plan_by_seed,
                                  accounts=round(n * args.accounts_per_company) if args.accounts_per_company else None,
                                  sophistication=parse_mix(args.sophistication) if args.sophistication else None)
            db = folder / "results.duckdb"
            db.unlink(missing_ok=True)
            started = time.perf_counter()
            with patient_temporary_server():
                audit_flow(registrations=[str(files.registrations)], accounts=[str(files.accounts)], db=str(db),
                           region=f"quality-{seed}")
            seconds = time.perf_counter() - started
            ev = evaluate(files.truth, db)

            def cell(recall: dict, counts: dict, key: str) -> str:
                return f"{recall[key]:.2f} ({counts[key]})" if key in recall else "-"

            row = [f"{n:,}", str(seed), f"{ev.pair_precision:.3f}", f"{ev.pair_recall:.3f}", f"{ev.pair_f1:.3f}",
                   f"{ev.ring_recall:.3f} ({ev.rings})", f"{ev.rings_in_pieces} ({ev.ring_coverage:.3f})"]
            row += [cell(ev.ring_recall_by_kind, ev.rings_by_kind, k) for k in KINDS]
            row += [cell(ev.ring_recall_by_sophistication, ev.rings_by_sophistication, k) for k in LEVELS]
            row += [cell(ev.ring_recall_by_tag, ev.rings_by_tag, k) for k in TAGS]
            row += [f"{ev.lookalike_false_alarm_rate:.4f}", f"{ev.legit_false_alarm_rate:.4f}",
                    str(ev.flagged_clusters),
                    f"{ev.clusters_multi_ring} ({ev.multi_ring_cluster_share:.3f})",
                    f"{ev.clusters_with_legit} ({ev.legit_cluster_share:.3f})", f"{ev.purity_mean:.3f}",
                    f"{ev.purity_median:.3f}", f"{seconds:.0f}"]
            print("| " + " | ".join(row) + " |", flush=True)
            if args.json:
                (folder / "evaluation.json").write_text(json.dumps(asdict(ev), indent=1))


if __name__ == "__main__":
    main()
