"""Rescore kept runs as if the account extract missed some openings: what a rule that reads who opened costs rings.

    python bench/account_coverage.py FOLDER [FOLDER ...] [--drop 0 0.2 0.35 0.5] [--rings-only]

A FOLDER is one `bench/quality.py --keep` run. For each drop share, the working DB is copied to a scratch file,
the accounts of that share of companies (chosen by a hash of the company id, the same companies at every run) are
deleted from `stg_accounts` (an extract that covers only some banks, or rings whose fronts banked elsewhere), and
this checkout's score stage and flag rule are re-run on the run's clusters (`rescore.score`). `--rings-only` drops
only planted ring companies' accounts (truth.csv), the worst case for a rule that counts openings: look-alikes
keep theirs. Prints ring recall by kind and level and the false alarms, one row per folder and share, so two
checkouts compare side by side on the same clusters and the same missing accounts.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from rescore import KINDS, LEVELS, score, working_copy


def main() -> None:
    from shellring.flows.core.sqlsteps import fetch_frame
    from shellring.flows.results.evaluate import evaluate_assignments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--drop", type=float, nargs="+", default=[0.0, 0.2, 0.35, 0.5])
    parser.add_argument("--rings-only", action="store_true")
    args = parser.parse_args()
    header = ["run", "drop", "ring recall"] + KINDS + LEVELS + ["FA look-alikes", "FA all legit", "flagged"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    scratch = Path(tempfile.mkdtemp(prefix="shellring-coverage-"))
    try:
        for folder in args.folders:
            for share in args.drop:
                con = working_copy(folder, scratch)
                con.execute(f"create temp table truth as select * from read_csv('{folder / 'truth.csv'}', "
                            "all_varchar = true)")
                ring_only = ("and company_id in (select c.company_id from stg_companies as c join truth as t "
                             "using (uscc) where t.is_ring = 'true')") if args.rings_only else ""
                con.execute(f"delete from stg_accounts where hash(company_id, 'coverage') % 1000 < ? {ring_only}",
                            [round(share * 1000)])
                score(con)
                flagged = fetch_frame(con, """select f.cluster_no::varchar as cluster_id, c.uscc
                    from flags as f join company_clusters as cc using (cluster_no)
                    join stg_companies as c using (company_id) where f.flagged""")
                ev = evaluate_assignments(folder / "truth.csv", flagged, folder.name)
                con.close()
                (scratch / f"{folder.name}.duckdb").unlink()

                def cell(recall: dict, key: str) -> str:
                    return f"{recall[key]:.3f}" if key in recall else "-"

                print("| " + " | ".join(
                    [folder.name, f"{share:.2f}", f"{ev.ring_recall:.3f} ({ev.rings})"]
                    + [cell(ev.ring_recall_by_kind, k) for k in KINDS]
                    + [cell(ev.ring_recall_by_sophistication, k) for k in LEVELS]
                    + [f"{ev.lookalike_false_alarm_rate:.4f}", f"{ev.legit_false_alarm_rate:.4f}",
                       str(ev.flagged_clusters)]) + " |", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
