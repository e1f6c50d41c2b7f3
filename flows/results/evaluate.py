"""Quality of a published run against a ground-truth file of planted rings.

Only flagged clusters of the latest run count as predictions. Pairwise figures count company pairs
that share a flagged cluster against pairs that share a ring. A ring is found when >= 80% of its
members sit in one flagged cluster whose members are <= 20% legitimate companies. A ring not found so is
flagged in pieces when >= 80% of its members sit in flagged clusters that are each <= 20% legitimate but no one
of them holds 80%: a case handler sees its companies flagged, as two or more clusters (ring coverage counts the
rings found either way).

Ring recall is broken down by ring kind, by sophistication (when the truth file has that column) and by
tag (a ring carries a tag when any member does: dense, landline, profile_only, ...). Cluster purity looks at
flagged clusters only: the share holding members of more than one ring, the share holding at least one
legitimate company, and the mean and median purity, where a cluster's purity is the largest ring's share of
its members (0 for a cluster of legitimate companies only). Companies missing from the truth file count as
legitimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

RING_FOUND_SHARE = 0.8
CLUSTER_MAX_LEGIT_SHARE = 0.2


@dataclass
class Evaluation:
    run_id: str
    pair_precision: float
    pair_recall: float
    pair_f1: float
    rings: int
    rings_found: int
    ring_recall: float
    ring_recall_by_kind: dict[str, float] = field(default_factory=dict)
    lookalike_companies: int = 0
    lookalike_false_alarm_rate: float = 0.0
    false_alarm_by_kind: dict[str, float] = field(default_factory=dict)
    legit_false_alarm_rate: float = 0.0
    flagged_clusters: int = 0
    flagged_companies: int = 0
    rings_by_kind: dict[str, int] = field(default_factory=dict)
    ring_recall_by_sophistication: dict[str, float] = field(default_factory=dict)
    rings_by_sophistication: dict[str, int] = field(default_factory=dict)
    ring_recall_by_tag: dict[str, float] = field(default_factory=dict)
    rings_by_tag: dict[str, int] = field(default_factory=dict)
    clusters_multi_ring: int = 0
    clusters_with_legit: int = 0
    multi_ring_cluster_share: float = 0.0
    legit_cluster_share: float = 0.0
    purity_mean: float = 0.0
    purity_median: float = 0.0
    rings_in_pieces: int = 0
    rings_in_pieces_by_kind: dict[str, int] = field(default_factory=dict)
    ring_coverage: float = 0.0


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def evaluate(truth_csv: Path, results_db: Path, run_id: str | None = None) -> Evaluation:
    """Score the flagged clusters of a published run (the latest succeeded one unless run_id is given)."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as results (read_only)", [str(results_db)])
        if run_id is None:
            rows = con.execute(
                "select run_id from results.runs where status = 'succeeded' order by finished_at desc limit 1"
            ).fetchall()
            if not rows:
                raise ValueError(f"{results_db} holds no finished run")
            run_id = rows[0][0]
        flagged = pl.from_arrow(con.sql(
            "select m.cluster_id, m.uscc from results.cluster_members as m "
            "join results.clusters as c using (run_id, cluster_id) where m.run_id = ? and c.flagged",
            params=[run_id],
        ).to_arrow_table())
    finally:
        con.close()
    return evaluate_assignments(truth_csv, flagged, run_id)


def evaluate_assignments(truth_csv: Path, assignments: pl.DataFrame, label: str = "assignments") -> Evaluation:
    """Score any flagged (uscc, cluster_id) assignment against the truth file.

    Every row of `assignments` counts as a company in a flagged cluster; companies left out are unflagged.
    USCCs are compared as written, so pass them normalized the way the truth file writes them.
    `label` is reported as the Evaluation's run_id.
    """
    missing = {"uscc", "cluster_id"} - set(assignments.columns)
    if missing:
        raise ValueError(f"assignments lack column(s) {sorted(missing)}")
    con = duckdb.connect()
    try:
        con.execute("create temp table truth_in as select * from read_csv(?, all_varchar = true, header = true)",
                    [str(truth_csv)])
        present = {row[0] for row in con.execute("describe truth_in").fetchall()}
        optional = {c: f"nullif(trim({c}), '')" if c in present else "null::varchar"
                    for c in ("sophistication", "tags")}
        con.execute(
            "create temp table truth as select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id, "
            f"is_ring::boolean as is_ring, {optional['sophistication']} as sophistication, "
            f"{optional['tags']} as tags from truth_in"
        )
        con.register("assignments_in", assignments.select(
            pl.col("cluster_id").cast(pl.String), pl.col("uscc").cast(pl.String)))
        con.execute("create temp table predicted as select cluster_id, uscc from assignments_in")
        con.unregister("assignments_in")
        return _figures(con, label)
    finally:
        con.close()


def _figures(con: duckdb.DuckDBPyConnection, run_id: str) -> Evaluation:
    predicted_pairs, true_positive_pairs = con.execute(
        """
        with overlap as (
            select p.cluster_id, t.group_id, count(*) as n
            from predicted as p join truth as t using (uscc)
            where t.is_ring
            group by all
        ),
        sizes as (select cluster_id, count(*) as n from predicted group by cluster_id)
        select
            (select coalesce(sum(n * (n - 1) / 2), 0) from sizes),
            (select coalesce(sum(n * (n - 1) / 2), 0) from overlap)
        """
    ).fetchone()
    truth_pairs = con.execute(
        "select coalesce(sum(n * (n - 1) / 2), 0) from "
        "(select count(*) as n from truth where is_ring group by group_id)"
    ).fetchone()[0]
    precision = _ratio(true_positive_pairs, predicted_pairs)
    recall = _ratio(true_positive_pairs, truth_pairs)
    f1 = _ratio(2 * precision * recall, precision + recall)

    con.execute(
        f"""
        create temp table ring_found as
        with ring_sizes as (
            select group_id, any_value(kind) as kind, any_value(sophistication) as sophistication,
                list_distinct(flatten(list(coalesce(string_split(tags, '+'), [])))) as tags, count(*) as size
            from truth where is_ring group by group_id
        ),
        cluster_purity as (
            select p.cluster_id, avg(case when coalesce(t.is_ring, false) then 0 else 1 end) as legit_share
            from predicted as p left join truth as t using (uscc)
            group by p.cluster_id
        ),
        best as (
            select t.group_id, max(count_in_cluster) as best_count, sum(count_in_cluster) as clean_count
            from (
                select t.group_id, p.cluster_id, count(*) as count_in_cluster
                from truth as t join predicted as p using (uscc)
                join cluster_purity as cp using (cluster_id)
                where t.is_ring and cp.legit_share <= {CLUSTER_MAX_LEGIT_SHARE}
                group by all
            ) as t
            group by t.group_id
        )
        select r.group_id, r.kind, r.sophistication, r.tags,
            coalesce(b.best_count, 0) >= {RING_FOUND_SHARE} * r.size as found,
            coalesce(b.best_count, 0) < {RING_FOUND_SHARE} * r.size
                and coalesce(b.clean_count, 0) >= {RING_FOUND_SHARE} * r.size as in_pieces
        from ring_sizes as r left join best as b using (group_id)
        """
    )
    rings = _recall_by(con, "kind")
    by_level = _recall_by(con, "sophistication")
    by_tag = con.execute(
        "select tag, count(*), count(*) filter (where found) from (select unnest(tags) as tag, found from ring_found) "
        "group by tag order by tag"
    ).fetchall()
    clusters, multi_ring, with_legit, purity_mean, purity_median = con.execute(
        """
        with members as (
            select p.cluster_id, t.group_id, coalesce(t.is_ring, false) as is_ring
            from predicted as p left join truth as t using (uscc)
        ),
        per_cluster as (
            select cluster_id, count(*) as size, count(distinct group_id) filter (where is_ring) as rings,
                count(*) filter (where not is_ring) as legit
            from members group by cluster_id
        ),
        largest_ring as (
            select cluster_id, max(n) as top
            from (select cluster_id, group_id, count(*) as n from members where is_ring group by all)
            group by cluster_id
        )
        select count(*), count(*) filter (where rings > 1), count(*) filter (where legit > 0),
            avg(coalesce(top, 0) / size), median(coalesce(top, 0) / size)
        from per_cluster left join largest_ring using (cluster_id)
        """
    ).fetchone()
    n_rings = sum(r[1] for r in rings)
    n_found = sum(r[2] for r in rings)
    in_pieces = dict(con.execute(
        "select kind, count(*) from ring_found where in_pieces group by kind order by kind").fetchall())
    n_in_pieces = sum(in_pieces.values())

    alarms = con.execute(
        """
        select t.kind, count(*) as n, count(p.uscc) as flagged
        from truth as t left join (select distinct uscc from predicted) as p using (uscc)
        where not t.is_ring
        group by t.kind order by t.kind
        """
    ).fetchall()
    lookalikes = [a for a in alarms if a[0] != "ordinary"]
    n_lookalike = sum(a[1] for a in lookalikes)
    n_legit = sum(a[1] for a in alarms)
    flagged_clusters, flagged_companies = con.execute(
        "select count(distinct cluster_id), count(*) from predicted"
    ).fetchone()
    return Evaluation(
        run_id=run_id,
        pair_precision=round(precision, 4),
        pair_recall=round(recall, 4),
        pair_f1=round(f1, 4),
        rings=n_rings,
        rings_found=n_found,
        ring_recall=round(_ratio(n_found, n_rings), 4),
        ring_recall_by_kind={kind: round(_ratio(found, n), 4) for kind, n, found in rings},
        lookalike_companies=n_lookalike,
        lookalike_false_alarm_rate=round(_ratio(sum(a[2] for a in lookalikes), n_lookalike), 4),
        false_alarm_by_kind={kind: round(_ratio(flagged, n), 4) for kind, n, flagged in alarms},
        legit_false_alarm_rate=round(_ratio(sum(a[2] for a in alarms), n_legit), 4),
        flagged_clusters=flagged_clusters,
        flagged_companies=flagged_companies,
        rings_by_kind={kind: n for kind, n, _ in rings},
        ring_recall_by_sophistication={level: round(_ratio(found, n), 4) for level, n, found in by_level},
        rings_by_sophistication={level: n for level, n, _ in by_level},
        ring_recall_by_tag={tag: round(_ratio(found, n), 4) for tag, n, found in by_tag},
        rings_by_tag={tag: n for tag, n, _ in by_tag},
        clusters_multi_ring=multi_ring,
        clusters_with_legit=with_legit,
        multi_ring_cluster_share=round(_ratio(multi_ring, clusters), 4),
        legit_cluster_share=round(_ratio(with_legit, clusters), 4),
        purity_mean=round(purity_mean or 0.0, 4),
        purity_median=round(purity_median or 0.0, 4),
        rings_in_pieces=n_in_pieces,
        rings_in_pieces_by_kind=in_pieces,
        ring_coverage=round(_ratio(n_found + n_in_pieces, n_rings), 4),
    )


def _recall_by(con: duckdb.DuckDBPyConnection, column: str) -> list[tuple[str, int, int]]:
    """(value, rings, rings found) per value of a ring_found column; rings without a value are left out."""
    return con.execute(
        f"select {column}, count(*), count(*) filter (where found) from ring_found "
        f"where {column} is not null group by {column} order by {column}"
    ).fetchall()
