"""Leiden per connected component (flows/pipeline/leiden.py): components CPM cannot split are left whole
without running it, checked against every bipartition; each component's communities depend on it alone,
not on the order of the rows or on the other components; and on planted groups the result is the one a
single Leiden run over the whole graph gives (igraph, the previous implementation, as the oracle)."""

from __future__ import annotations

import itertools
import random

import igraph
import numpy as np
import pytest

from shellring.flows.pipeline.components import _canonical, component_labels, leiden_refine
from shellring.flows.pipeline.leiden import leiden_by_component, unsplittable

RESOLUTION = 0.05


def _partition(labels: np.ndarray, nodes=None) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node in range(len(labels)) if nodes is None else nodes:
        groups.setdefault(int(labels[node]), set()).add(int(node))
    return {frozenset(g) for g in groups.values()}


def _random_connected(rng: np.random.Generator, n: int, low: float, high: float):
    """A random tree over n nodes plus a few extra links, weights uniform in [low, high)."""
    a = [int(rng.integers(0, i)) for i in range(1, n)]
    b = list(range(1, n))
    for _ in range(int(rng.integers(0, n))):
        i, j = rng.choice(n, 2, replace=False)
        a.append(int(i))
        b.append(int(j))
    return np.array(a), np.array(b), rng.uniform(low, high, len(a))


def _best_cut_gain(n: int, a, b, w, resolution: float) -> float:
    """Brute force: the most any cut into two parts gains under CPM (resolution x n1 x n2 - cut weight)."""
    best = -np.inf
    for size in range(1, n // 2 + 1):
        for part in itertools.combinations(range(n), size):
            inside = np.isin(np.arange(n), part)
            cut = w[inside[a] != inside[b]].sum()
            best = max(best, resolution * size * (n - size) - cut)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_a_component_called_unsplittable_gains_from_no_cut(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    a, b, w = _random_connected(rng, n, 0.02, 1.5)  # weights either side of what a cut can gain
    said = bool(unsplittable(np.array([n]), np.array([w.min()]), RESOLUTION)[0])
    if said:
        assert _best_cut_gain(n, a, b, w, RESOLUTION) < 0
        # and igraph's Leiden, run on the component, keeps it whole too
        assert _partition(leiden_refine(n, a, b, w, RESOLUTION)) == {frozenset(range(n))}


def test_unsplittable_at_the_project_settings():
    # links weigh at least the link threshold (1.0): up to 8 companies a component cannot be cut
    sizes = np.arange(1, 12)
    assert unsplittable(sizes, np.ones(len(sizes)), RESOLUTION).tolist() == [True] * 8 + [False] * 3


def _planted(seed: int, groups: int = 60):
    """Dense groups of 3-30 companies, pairs of groups joined by a weak bridge, among unlinked companies."""
    rng = np.random.default_rng(seed)
    a, b, w, start = [], [], [], 0
    heads = []
    for _ in range(groups):
        size = int(rng.integers(3, 30))
        for i, j in itertools.combinations(range(start, start + size), 2):
            if rng.random() < 0.6:
                a.append(i)
                b.append(j)
                w.append(float(rng.choice([1.0, 1.6, 2.0, 3.0])))
        for i in range(start, start + size - 1):  # a path keeps the group connected
            a.append(i)
            b.append(i + 1)
            w.append(1.0)
        heads.append(start)
        start += size + int(rng.integers(0, 5))  # unlinked companies between the groups
    for g in range(0, groups - 1, 2):
        a.append(heads[g])
        b.append(heads[g + 1])
        w.append(1.0)
    return start + 3, np.array(a), np.array(b), np.array(w)


def _whole_graph_leiden(n, a, b, w, seed: int = 1) -> np.ndarray:
    graph = igraph.Graph(n=n, edges=np.column_stack([a, b]), edge_attrs={"weight": w})
    random.seed(seed)
    return _canonical(np.asarray(graph.community_leiden(objective_function="CPM", weights="weight",
                                                        resolution=RESOLUTION, n_iterations=-1).membership))


@pytest.mark.parametrize("seed", range(3))
def test_planted_groups_come_out_as_one_leiden_run_over_the_whole_graph_gives(seed):
    n, a, b, w = _planted(seed)
    labels = leiden_refine(n, a, b, w, RESOLUTION, seed=1)
    assert np.array_equal(labels, _whole_graph_leiden(n, a, b, w))
    assert len(_partition(labels)) > n - len(a)  # the bridges were cut: the test is not trivially whole


def _tie_prone(seed: int, components: int = 120):
    """Sparse components of 9-24 companies, every link of equal weight: many cuts tie, so a Leiden run over
    the whole graph settles each of them according to the rest of the graph."""
    rng = np.random.default_rng(seed)
    a, b, start = [], [], 0
    for _ in range(components):
        size = int(rng.integers(9, 25))
        ca, cb, _ = _random_connected(rng, size, 1.0, 1.0)
        a += (ca + start).tolist()
        b += (cb + start).tolist()
        start += size
    return start, np.array(a), np.array(b), np.ones(len(a))


def test_same_communities_whatever_the_order_of_the_rows():
    n, a, b, w = _tie_prone(1)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(a))
    swap = rng.random(len(a)) < 0.5
    shuffled = (np.where(swap, b, a)[order], np.where(swap, a, b)[order], w[order])
    assert np.array_equal(leiden_refine(n, *shuffled, RESOLUTION), leiden_refine(n, a, b, w, RESOLUTION))


def test_a_component_s_communities_do_not_depend_on_the_other_components():
    # what lets the run share components out (or partition the links) without changing any cluster; one
    # Leiden run over the whole graph fails this on these components
    n, a, b, w = _tie_prone(0)
    whole = leiden_by_component(n, a, b, w, RESOLUTION, seed=1)
    components = component_labels(n, a, b)
    for component in range(0, components.max() + 1, 4):
        nodes = np.flatnonzero(components == component)
        keep = np.isin(a, nodes)
        alone = leiden_by_component(n, a[keep], b[keep], w[keep], RESOLUTION, seed=1)
        assert _partition(alone, nodes) == _partition(whole, nodes)


def test_unlinked_companies_keep_their_own_labels():
    labels = leiden_refine(5, np.array([0]), np.array([1]), np.array([1.0]), RESOLUTION)
    assert _partition(labels) == {frozenset({0, 1}), frozenset({2}), frozenset({3}), frozenset({4})}


def test_a_chain_stays_whole_where_two_dense_groups_on_a_bridge_are_cut():
    """Twelve companies each tied to the next by one link (a careful operator's chain) are one community: every
    link is a bridge, no part is denser than the rest. Two cliques of six tied by one link are still two."""
    chain = (np.arange(11), np.arange(1, 12), np.ones(11))
    assert _partition(leiden_refine(12, *chain, RESOLUTION)) == {frozenset(range(12))}
    pairs = [(i, j) for group in (range(6), range(6, 12)) for i, j in itertools.combinations(group, 2)] + [(0, 6)]
    a, b = np.array(pairs).T
    assert _partition(leiden_refine(12, a, b, np.ones(len(a)), RESOLUTION)) == {
        frozenset(range(6)), frozenset(range(6, 12))}
