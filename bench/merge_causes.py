"""Which clustering step put two rings (or a ring and a legitimate company) in one flagged cluster, and on what links.

    python bench/merge_causes.py FOLDER [FOLDER ...] [--legit] [--list]   # truth.csv + a kept working DB

A FOLDER is a `bench/quality.py --keep` run or a kept 1M run (as bench/rescore.py takes). The working DB is copied
to a scratch file and this checkout's cluster stage (`build_company_clusters`) is re-run on the run's links with
every clustering step's labels recorded. For each flagged cluster (the run's score stage re-run, as rescore does)
holding members of more than one ring, every ring but the cluster's largest is an "intruder": the first step after
which one of its members shares a label with a member of the largest ring names the cause, and the links between
the two groups (company_links_kept: reasons, summed score, families at full weight) name the evidence. `--legit`
does the same for flagged clusters' legitimate members (against the cluster's largest ring). Counts only; no
value is printed.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from rescore import score, working_copy

STEPS = ["cluster_labels", "merge_dense_clusters", "merge_nominee_pieces", "merge_fronted_on_own_values",
         "merge_own_value_pieces", "attach_leftovers", "attach_whole_cluster_ties", "merge_own_value_clusters",
         "attach_own_values", "attach_batch_stragglers", "attach_registration_stragglers", "detach_place_pendants"]


def replay(con: duckdb.DuckDBPyConnection) -> list[tuple[str, np.ndarray]]:
    """Run this checkout's cluster stage on `con` (settings applied), returning every step's labels in order."""
    from shellring.flows.core.settings import Settings
    from shellring.flows.pipeline import components

    trace: list[tuple[str, np.ndarray]] = []
    saved = {name: getattr(components, name) for name in STEPS}

    def wrap(name, fn):
        def inner(*args, **kwargs):
            out = fn(*args, **kwargs)
            trace.append((name, out.copy()))
            return out
        return inner

    try:
        for name, fn in saved.items():
            setattr(components, name, wrap(name, fn))
        components.build_company_clusters(con, Settings())
    finally:
        for name, fn in saved.items():
            setattr(components, name, fn)
    return trace


def first_step(trace: list[tuple[str, np.ndarray]], one: np.ndarray, two: np.ndarray) -> str:
    for name, labels in trace:
        if np.intersect1d(labels[one], labels[two]).size:
            return name
    return "never"


def main() -> None:
    from shellring.flows.core.sqlsteps import fetch_frame

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--legit", action="store_true", help="also legitimate members of flagged clusters")
    parser.add_argument("--list", action="store_true", help="one line per intruder")
    parser.add_argument("--csv", type=Path, help="write one line per intruder to this file (one folder)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="shellring-merge-causes-"))
    try:
        for folder in args.folders:
            con = working_copy(folder, scratch)
            before = fetch_frame(con, "select company_id, cluster_no from company_clusters")
            trace = replay(con)
            after = fetch_frame(con, "select company_id, cluster_no from company_clusters")
            same = before.join(after, on="company_id", how="full").filter(
                pl.col("cluster_no").is_null() | pl.col("cluster_no_right").is_null()).height == 0
            score(con)
            members = fetch_frame(con, """
                with truth as (select upper(trim(uscc)) as uscc, nullif(group_id, '') as group_id,
                        is_ring::boolean as is_ring, kind, nullif(sophistication, '') as level
                    from read_csv(?, all_varchar = true, header = true))
                select cc.cluster_no, cc.company_id, coalesce(t.is_ring, false) as is_ring, t.group_id, t.kind,
                    coalesce(t.level, '-') as level,
                    (select count(*) from truth as u where u.group_id = t.group_id) as ring_size
                from company_clusters as cc join stg_companies as c using (company_id)
                join flags as s using (cluster_no)
                left join truth as t on t.uscc = c.uscc
                where s.flagged""", [str(folder / "truth.csv")])
            links = fetch_frame(con, "select company_a, company_b, score, reason as reasons, is_link "
                                     "from company_links_kept")
            con.close()
            (scratch / f"{folder.name}.duckdb").unlink()
            print(f"\n## {folder}: re-run clusters identical to the run's: {same}")
            rows = []
            for (cluster_no,), group in members.group_by("cluster_no"):
                rings = group.filter("is_ring").group_by("group_id", "kind", "level", "ring_size").agg(
                    pl.col("company_id")).sort(pl.col("company_id").list.len(), descending=True)
                if rings.is_empty():
                    continue
                host = rings.row(0, named=True)
                intruders = [(r["group_id"], r["kind"], r["level"], r["ring_size"], r["company_id"])
                             for r in rings.slice(1).iter_rows(named=True)]
                if args.legit:
                    legit = group.filter(~pl.col("is_ring"))["company_id"].to_list()
                    intruders += [("legit", "legit", "-", 1, [c]) for c in legit]
                hosts = np.array(host["company_id"])
                for _gid, kind, level, size, ids in intruders:
                    ids = np.array(ids)
                    step = first_step(trace, hosts, ids)
                    between = links.filter((pl.col("company_a").is_in(hosts) & pl.col("company_b").is_in(ids))
                                           | (pl.col("company_b").is_in(hosts) & pl.col("company_a").is_in(ids)))
                    # the links from the intruder to the rest of the cluster (not only the host ring)
                    rest = np.setdiff1d(group["company_id"].to_numpy(), ids)
                    to_rest = links.filter((pl.col("company_a").is_in(rest) & pl.col("company_b").is_in(ids))
                                           | (pl.col("company_b").is_in(rest) & pl.col("company_a").is_in(ids)))
                    reasons = Counter(r for rs in to_rest["reasons"].to_list() for r in rs.split(", "))
                    rows.append({"cluster": cluster_no, "size": group.height, "host": f"{host['kind']}/{host['level']}",
                                 "host_n": len(hosts), "host_size": host["ring_size"], "intruder": f"{kind}/{level}",
                                 "in": len(ids), "of": size, "step": step, "links_host": between.height,
                                 "links_rest": to_rest.height,
                                 "max_score": round(float(to_rest["score"].max() or 0), 2),
                                 "reasons": " ".join(f"{k}:{v}" for k, v in reasons.most_common(4))})
            frame = pl.DataFrame(rows) if rows else pl.DataFrame()
            if frame.is_empty():
                print("no intruders")
                continue
            if args.csv:
                frame.write_csv(args.csv)
            rings = frame.filter(pl.col("intruder") != "legit/-")
            print(f"flagged clusters with >1 ring: {rings['cluster'].n_unique()}; intruding rings {rings.height}")
            with pl.Config(tbl_rows=400, tbl_cols=-1, tbl_width_chars=400, fmt_str_lengths=120,
                           tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
                for label, part in (("rings", rings), ("legit", frame.filter(pl.col("intruder") == "legit/-"))):
                    if part.is_empty():
                        continue
                    print(f"\n### {label}: by step")
                    print(part.group_by("step").agg(pl.len().alias("intruders"), pl.col("cluster").n_unique()
                                                    .alias("clusters"), pl.col("in").sum().alias("companies"))
                          .sort("intruders", descending=True))
                    print(f"\n### {label}: by host kind, step")
                    print(part.group_by("host", "step").agg(pl.len().alias("intruders"))
                          .sort("intruders", descending=True).head(30))
                    if args.list:
                        print(part.sort("step", "cluster"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
