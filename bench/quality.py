"""Quality of the whole job on demo data across sizes and seeds (never tune to one seed).

    python bench/quality.py --companies 20000 200000 --seeds 7 3 5

Each (size, seed) generates fresh demo extracts, runs the real `audit_flow` and scores the published
results with `shellring.flows.results.evaluate.evaluate` (the figures `shellring evaluate` prints).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

KINDS = ["address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, nargs="+", default=[20_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 3, 5])
    parser.add_argument("--ring-share", type=float, default=0.07, help="share of companies in planted rings")
    parser.add_argument("--noise", type=float, default=0.15, help="rendering noise of the extracts (typos, formats)")
    parser.add_argument("--keep", type=Path, help="folder for data and results (default: a temp dir)")
    args = parser.parse_args()
    os.environ.setdefault("SHELLRING_KEY", "bench-quality-key-0123456789")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from shellring.flows.demo.generate import generate_demo
    from shellring.flows.orchestration.audit import audit_flow
    from shellring.flows.results.evaluate import evaluate

    root = args.keep or Path(tempfile.mkdtemp(prefix="shellring-quality-"))
    header = ["companies", "seed", "pair P", "pair R", "pair F1", "ring recall"] + KINDS + [
        "FA look-alikes", "FA all legit"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n in args.companies:
        for seed in args.seeds:
            folder = root / f"n{n}-s{seed}-r{args.ring_share}-x{args.noise}"
            files = generate_demo(folder, n_companies=n, seed=seed, ring_share=args.ring_share, noise=args.noise)
            db = folder / "results.duckdb"
            db.unlink(missing_ok=True)
            audit_flow(registrations=[str(files.registrations)], accounts=[str(files.accounts)], db=str(db),
                       region=f"quality-{seed}")
            ev = evaluate(files.truth, db)
            row = [f"{n:,}", str(seed), f"{ev.pair_precision:.3f}", f"{ev.pair_recall:.3f}", f"{ev.pair_f1:.3f}",
                   f"{ev.ring_recall:.3f}"] + [f"{ev.ring_recall_by_kind.get(k, 0):.2f}" for k in KINDS] + [
                   f"{ev.lookalike_false_alarm_rate:.4f}", f"{ev.legit_false_alarm_rate:.4f}"]
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
