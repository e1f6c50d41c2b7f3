"""Connected components and the oversize split, checked against networkx as an independent oracle."""

import networkx as nx
import numpy as np
import pytest

from flows.components import component_labels, split_components


def _random_graph(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    return a, b


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node, label in enumerate(labels):
        groups.setdefault(int(label), set()).add(node)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("seed", range(12))
def test_components_match_networkx_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    m = int(rng.integers(0, 2 * n))
    a, b = _random_graph(seed, n, m)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(a.tolist(), b.tolist()))
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    assert _partition(component_labels(n, a, b)) == expected


@pytest.mark.parametrize("seed", range(8))
def test_split_matches_networkx_threshold_components_when_nothing_is_oversized(seed):
    n, m = 300, 350
    a, b = _random_graph(seed, n, m)
    score = np.random.default_rng(seed + 100).uniform(0, 2, m)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((x, y) for x, y, s in zip(a.tolist(), b.tolist(), score) if s >= 1.0)
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    assert _partition(split_components(n, a, b, score, threshold=1.0, max_size=n)) == expected


def test_oversized_component_is_cut_at_its_weak_links_only():
    # Two dense groups of 6 joined by one modest edge (score 1.1), plus a separate pair.
    group_a = [(i, j, 2.0) for i in range(6) for j in range(i + 1, 6)]
    group_b = [(i, j, 2.0) for i in range(6, 12) for j in range(i + 1, 12)]
    edges = group_a + group_b + [(5, 6, 1.1), (12, 13, 1.0)]
    a, b, s = (np.array(x) for x in zip(*edges))
    labels = split_components(14, a, b, s, threshold=1.0, max_size=8)
    parts = _partition(labels)
    assert frozenset(range(6)) in parts
    assert frozenset(range(6, 12)) in parts
    assert frozenset({12, 13}) in parts
    # Without a size limit the weak edge chains both groups into one cluster.
    assert frozenset(range(12)) in _partition(split_components(14, a, b, s, threshold=1.0, max_size=100))


def test_labels_are_deterministic_and_ordered_by_first_node():
    a, b = _random_graph(3, 200, 150)
    score = np.ones(len(a))
    first = split_components(200, a, b, score, 1.0, 50)
    again = split_components(200, a[::-1].copy(), b[::-1].copy(), score, 1.0, 50)
    assert np.array_equal(first, again)
    seen = []
    for label in first:
        if label not in seen:
            seen.append(label)
    assert seen == sorted(seen)
