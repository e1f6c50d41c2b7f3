"""Replay the cluster step's batch-straggler rule on a kept run of the code before it, and count what it changes.

    PYTHONPATH=. python bench/straggler_replay.py WORKDB TRUTH [--chance 0.01 0.05]

WORKDB is a kept run's working DB (`.X.results.duckdb.work/<run>/work.duckdb`, opened read-only) made by code
without the rule (main before s12-student). The rule is the cluster step's last, so that run's final clusters are
exactly the labels it starts from: running it on them gives the new cluster step's clusters. A piece that joins a
flagged cluster takes its flag (the score stage is not re-run): rings found are rings with 80 % of their companies in
one flagged cluster that is at most 20 % legitimate, as `shellring evaluate` counts them. Checked against a whole
1,000,000-company run with the bar at 0.05: 5,729 rings, 431 student batches, 82 clusters holding two rings and 240
holding a legitimate company, to the unit (bench/RESULTS-detection.md, s12-student).
"""

from __future__ import annotations

import argparse

import duckdb
import numpy as np
import polars as pl

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.batch_stragglers import (
    attach_batch_stragglers,
    attach_registration_stragglers,
    batch_pairs,
    fresh_openings,
    fresh_registrations,
)
from shellring.flows.pipeline.whole_cluster_ties import family_bits


def _summary(frame: pl.DataFrame, labels: np.ndarray, flagged: np.ndarray) -> str:
    f = frame.with_columns(label=pl.Series(labels[frame["company_id"].to_numpy()]))
    f = f.with_columns(flag=pl.Series(flagged[f["label"].to_numpy()]), size=pl.len().over("label"),
                       legit_share=(pl.col("is_ring") != "true").mean().over("label"))
    rings = f.filter(pl.col("is_ring") == "true")
    total = rings.group_by("group_id").agg(pl.len().alias("total"), pl.col("kind").first(),
                                           pl.col("sophistication").first())
    best = (rings.filter(pl.col("flag") & (pl.col("size") >= 2) & (pl.col("legit_share") <= 0.2))
            .group_by("group_id", "label").len().group_by("group_id").agg(pl.col("len").max().alias("best")))
    found = total.join(best, on="group_id", how="left").with_columns(
        found=pl.col("best").fill_null(0) >= 0.8 * pl.col("total"))
    flagged_members = f.filter(pl.col("flag") & (pl.col("size") >= 2))
    legit = flagged_members.filter(pl.col("is_ring") != "true")
    multi = (flagged_members.filter(pl.col("is_ring") == "true").group_by("label")
             .agg(pl.col("group_id").n_unique().alias("rings")).filter(pl.col("rings") > 1).height)

    def by(column: str) -> str:
        rates = found.group_by(column).agg(pl.col("found").mean()).sort(column).rows()
        return " ".join(f"{k}={v:.3f}" for k, v in rates)

    with_legit = legit["label"].n_unique()
    return (f"rings found {found['found'].sum()} of {found.height}; legitimate companies in flagged clusters "
            f"{legit.height}; flagged clusters holding >1 ring {multi}, a legitimate company {with_legit}"
            f"\n    by kind: {by('kind')}\n    by level: {by('sophistication')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdb")
    parser.add_argument("truth")
    parser.add_argument("--chance", type=float, nargs="+", default=[Settings().batch_straggler_chance])
    parser.add_argument("--rule", choices=["branch", "registration"], default="branch",
                        help="registration: replay the registration-straggler rule on a run that has the branch "
                             "rule already (its final clusters are the labels that rule starts from)")
    parser.add_argument("--days", type=int, help="the rule's window (default: branch_days)")
    args = parser.parse_args()
    s = Settings()
    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [args.workdb])
    con.execute("use w")
    for name in ("fresh_days", "batch_min_age", "batch_member_max_age"):
        con.execute(f"set variable {name} = ?", [getattr(s, name)])
    n_nodes = con.execute("select max(company_id) + 1 from stg_companies").fetchone()[0]
    clustered = con.execute("select c.company_id, c.cluster_no, coalesce(f.flagged, false) as flagged "
                            "from company_clusters as c left join cluster_flags as f using (cluster_no)").fetchnumpy()
    raw = np.arange(n_nodes, dtype=np.int64) + 10**12
    raw[clustered["company_id"]] = clustered["cluster_no"]
    _, labels = np.unique(raw, return_inverse=True)
    flagged = np.zeros(labels.max() + 1, dtype=bool)
    flagged[labels[clustered["company_id"]]] = clustered["flagged"]
    edges = con.execute("select company_a, company_b, families from company_links_kept").fetchnumpy()
    a, b = edges["company_a"].astype(np.int64), edges["company_b"].astype(np.int64)
    families = edges["families"].astype(np.int64)
    batch_a, batch_b = batch_pairs(con)
    openings = fresh_openings(con) if args.rule == "branch" else fresh_registrations(con)
    days = args.days if args.days is not None else s.branch_days
    truth = pl.read_csv(args.truth, infer_schema_length=0)
    frame = pl.from_arrow(con.sql("select company_id, uscc from stg_companies").to_arrow_table()).join(
        truth, on="uscc", how="left")
    print("before:", _summary(frame, labels, flagged))
    sizes = np.bincount(labels)
    for chance in args.chance:
        if args.rule == "branch":
            new = attach_batch_stragglers(labels, a, b, families, family_bits(con, ["branch"]), batch_a, batch_b,
                                          openings, s.cluster_min_size, s.batch_cluster_share, days,
                                          s.hometown_days, chance)
        else:
            new = attach_registration_stragglers(labels, a, b, families, family_bits(con, ["SAME_HOMETOWN"]),
                                                 batch_a, batch_b, openings, s.cluster_min_size,
                                                 s.batch_cluster_share, days, s.hometown_days, chance)
        new_flagged = np.zeros(new.max() + 1, dtype=bool)
        np.logical_or.at(new_flagged, new, flagged[labels] & (sizes[labels] >= 2))
        print(f"chance {chance}:", _summary(frame, new, new_flagged))


if __name__ == "__main__":
    main()
