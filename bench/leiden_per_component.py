"""Leiden per connected component (flows/pipeline/leiden.py) against one run over the whole graph, on a run's
working DB: CPU and wall seconds, CPM quality, how many components settle differently, and the growth on
`--copies` disjoint copies of the link graph (a stand-in for a larger run).

    python bench/leiden_per_component.py --work /tmp/prof1m [--copies 5]   # a work dir of bench/profile_steps.py
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
from pathlib import Path

import igraph
import numpy as np

from shellring.flows.core.settings import Settings
from shellring.flows.core.workspace import Workspace, connect
from shellring.flows.pipeline.components import _canonical, component_labels, leiden_refine


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _timed(label: str, run):
    began, cpu = time.perf_counter(), _cpu()
    result = run()
    print(f"{label:<58}{time.perf_counter() - began:>8.2f} s{_cpu() - cpu:>8.2f} cpu-s", flush=True)
    return result


def _whole_graph(n: int, a, b, w, resolution: float, seed: int) -> np.ndarray:
    """What leiden_refine did before: one Leiden run over every node."""
    graph = igraph.Graph(n=n, edges=np.column_stack([a, b]), edge_attrs={"weight": w})
    random.seed(seed)
    return _canonical(np.asarray(graph.community_leiden(objective_function="CPM", weights="weight",
                                                        resolution=resolution, n_iterations=-1).membership))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=5)
    args = parser.parse_args()
    s = Settings()
    with connect(Workspace(args.work), s) as con:
        n = con.execute("select coalesce(max(company_id), 0) + 1 from stg_companies").fetchone()[0]
        edges = con.execute("select company_a, company_b, score from company_links_kept where score >= ?",
                            [s.link_threshold]).fetchnumpy()
    a, b = edges["company_a"].astype(np.int64), edges["company_b"].astype(np.int64)
    w = edges["score"].astype(np.float64)
    print(f"{n:,} companies, {len(a):,} links at or above the threshold; load average {os.getloadavg()}")
    old = _timed("one Leiden run over the whole graph (before)",
                 lambda: _whole_graph(n, a, b, w, s.cluster_resolution, s.cluster_seed))
    new = _timed("Leiden per component (after)",
                 lambda: leiden_refine(n, a, b, w, s.cluster_resolution, s.cluster_seed))

    def cpm(labels):
        sizes = np.bincount(labels)
        return w[labels[a] == labels[b]].sum() - s.cluster_resolution * (sizes * (sizes - 1) / 2).sum()

    components = component_labels(n, a, b)
    differ = np.zeros(components.max() + 1, dtype=bool)
    # a component differs when its partition does: some link is inside a community in one and across in the other
    differ[components[a[(old[a] == old[b]) != (new[a] == new[b])]]] = True
    linked = np.bincount(components) >= 2
    print(f"CPM quality before {cpm(old):,.3f}, after {cpm(new):,.3f}; components settled differently: "
          f"{int(differ.sum()):,} of {int(linked.sum()):,} linked")
    for k in (1, args.copies):
        shift = np.repeat(np.arange(k, dtype=np.int64) * n, len(a))
        _timed(f"per component on {k} cop{'y' if k == 1 else 'ies'} ({n * k:,} nodes, {len(a) * k:,} links)",
               lambda k=k, shift=shift: leiden_refine(n * k, np.tile(a, k) + shift, np.tile(b, k) + shift,
                                                      np.tile(w, k), s.cluster_resolution, s.cluster_seed))


if __name__ == "__main__":
    main()
