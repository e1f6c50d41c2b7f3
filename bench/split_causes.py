"""Why split rings split: where the ring's 80% share is lost between the link graph and the final clusters.

    python bench/split_causes.py FOLDER [FOLDER ...]   # bench/quality.py --keep folders (truth.csv, results.duckdb
                                                       # and its kept working DB beside it)

For every ring no cluster holds >= 80% of (the README's rule), it re-runs the clustering steps on the run's
company_links_kept with the default settings and names the first one that loses the share:
- `no evidence between pieces`: no scored pair at all joins the ring's parts (a linking question);
- `only weak evidence between pieces`: components over links keep the parts apart, and only pairs under the
  link threshold join them; the families of those pairs (at full weight, or reduced only: a crowded building or
  a landline many share) are listed;
- `Leiden cut`: one component held >= 80% of the ring, Leiden's communities did not;
- `re-cut (max size)`: Leiden kept it, the oversize re-cut did not.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
from rescore import kept_work_db

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.components import cluster_labels, component_labels, leiden_refine


def _best_share(labels: np.ndarray, members: np.ndarray) -> int:
    return int(np.unique(labels[members], return_counts=True)[1].max())


def causes(folder: Path, s: Settings) -> Counter:
    work = kept_work_db(folder)
    con = duckdb.connect(str(work), read_only=True)
    rings = con.execute(
        "select c.company_id, t.group_id, t.kind, coalesce(nullif(t.sophistication, ''), '-') from stg_companies c "
        "join read_csv(?, all_varchar = true) t on upper(trim(c.uscc)) = upper(trim(t.uscc)) where t.is_ring = 'true'",
        [str(folder / "truth.csv")]).fetchall()
    n = con.execute("select max(company_id) + 1 from stg_companies").fetchone()[0]
    e = con.execute("select company_a, company_b, score, reason, full_families from company_links_kept").fetchnumpy()
    a, b = e["company_a"].astype(np.int64), e["company_b"].astype(np.int64)
    score, full = e["score"].astype(np.float64), e["full_families"].astype(np.int64)
    reason = np.asarray(e["reason"], dtype=object)
    keep = score >= s.link_threshold
    final = np.full(n, -1, dtype=np.int64)
    cc = con.execute("select company_id, cluster_no from company_clusters").fetchnumpy()
    final[cc["company_id"].astype(np.int64)] = cc["cluster_no"]
    final = np.where(final < 0, -1 - np.arange(n), final)  # an unclustered company is a piece of its own
    component = component_labels(n, a[keep], b[keep])
    leiden = leiden_refine(n, a[keep], b[keep], score[keep], s.cluster_resolution, s.cluster_seed)
    base = cluster_labels(n, a, b, score, s.link_threshold, s.cluster_resolution, s.max_cluster_size,
                          s.cluster_seed, s.recut_step, s.recut_max_rounds)
    ring_of = np.full(n, -1, dtype=np.int64)
    groups = sorted({g for _, g, _, _ in rings})
    index = {g: i for i, g in enumerate(groups)}
    label = {}
    for cid, g, kind, level in rings:
        ring_of[cid] = index[g]
        label[index[g]] = f"{kind} {level}"
    out: Counter = Counter()
    for r in range(len(groups)):
        members = np.flatnonzero(ring_of == r)
        need = 0.8 * len(members)
        if _best_share(final, members) >= need:
            continue
        if _best_share(component, members) >= need:
            cause = "Leiden cut" if _best_share(leiden, members) < need else (
                "re-cut (max size)" if _best_share(base, members) < need else "merge steps")
        else:
            between = (ring_of[a] == r) & (ring_of[b] == r) & (final[a] != final[b])
            if not between.any():
                cause = "no evidence between pieces"
            else:
                kinds = sorted({k for text in reason[between] for k in text.split("+")})
                weight = "full weight" if (full[between] != 0).any() else "reduced only"
                cause = f"only weak evidence between pieces ({weight}: {'+'.join(kinds)})"
        out[(label[r], cause)] += 1
    return out


def main() -> None:
    s = Settings()
    total: Counter = Counter()
    for folder in map(Path, sys.argv[1:]):
        total += causes(folder, s)
    print("| ring kind, level | cause | rings |\n|---|---|---|")
    for (ring, cause), count in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {ring} | {cause} | {count} |")
    by_cause = Counter()
    for (_, cause), count in total.items():
        by_cause[cause.split(" (")[0]] += count
    print("\n" + ", ".join(f"{c}: {k}" for c, k in by_cause.most_common()))


if __name__ == "__main__":
    main()
