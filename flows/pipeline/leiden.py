"""Leiden (Constant Potts Model, igraph) run on each connected component on its own.

The CPM objective never gains from putting two components in one community, so a community never spans
components and each component can be refined alone. That is what makes it fast: at a million companies
more than eight in ten nodes are unlinked and almost every component has a handful of members, yet one
Leiden run over the whole graph visits every node on every pass (11 of the cluster stage's 14 CPU-s).

Per component:
- a component CPM cannot split (below) is one community without running Leiden: every way of cutting it
  into parts of n1 and n2 nodes cuts at least one link, and a link weighs at least the component's
  lightest, `w_min`; the cut pays off only above `resolution x n1 x n2`, at most
  `resolution x floor(n/2) x ceil(n/2)`. When `w_min` is above that, the whole component is the best
  partition there is (cutting into more than two parts gains even less per cut link).
- a component that is a tree (as many links as members less one) is one community without running Leiden:
  every link of it is a bridge, so no part of it is denser than the link that ties it to the rest, and CPM
  would cut a long one at whichever bridge weighs least. A careful operator ties each new company to the next
  in another way (a phone here, a room there, a nominee, an agent): a chain. Two rings a stray link joins are
  two dense parts and a bridge, not a tree, and are still cut.
- any other component is given to igraph's Leiden as a graph of its own: its nodes numbered in the order
  of their company ids, its links sorted, the random generator seeded afresh. Its communities depend on
  that component alone, never on the order of the rows, on the other components, on how the
  components are shared out, or on what other threads draw from Python's random module.
"""

from __future__ import annotations

import random

import igraph
import numpy as np

from shellring.flows.pipeline.components import component_labels


def unsplittable(sizes: np.ndarray, lightest: np.ndarray, resolution: float) -> np.ndarray:
    """Per component: no cut of it gains under CPM at `resolution` (see the module's docstring)."""
    half = sizes // 2
    return lightest > resolution * half * (sizes - half)


def _leiden(n_nodes: int, edges: list[list[int]], weight: list[float], resolution: float, seed: int) -> list[int]:
    # plain lists: igraph copies a numpy array of edges element by element, slower than the clustering itself
    graph = igraph.Graph(n_nodes, edges)
    # a generator of its own: seeding the `random` module left the stream open to other threads of the process
    # (Prefect's clients draw retry jitter from it), and a number taken between the seed and the clustering cut a
    # component another way
    igraph.set_random_number_generator(random.Random(seed))
    return graph.community_leiden(objective_function="CPM", weights=weight, resolution=resolution,
                                  n_iterations=-1).membership


def leiden_by_component(n_nodes: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, resolution: float,
                        seed: int) -> np.ndarray:
    """A community label per node (not canonical: the caller renumbers); an unlinked node is its own."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    component = component_labels(n_nodes, lo, hi)
    sizes = np.bincount(component)
    edge_component = component[lo]
    lightest = np.full(len(sizes), np.inf)
    np.minimum.at(lightest, edge_component, weight)
    labels = component.astype(np.int64)
    n_links = np.bincount(edge_component, minlength=len(sizes))
    hard = ~unsplittable(sizes, lightest, resolution) & (n_links >= sizes)  # not a tree
    if not hard.any():
        return labels
    # the hard components' nodes, by component then company id: each node's rank in that order, and its
    # number inside its component
    nodes = np.flatnonzero(hard[component])
    nodes = nodes[np.argsort(component[nodes], kind="stable")]
    node_start = np.searchsorted(component[nodes], np.flatnonzero(hard))
    rank = np.zeros(n_nodes, dtype=np.int64)
    rank[nodes] = np.arange(len(nodes))
    local = rank - np.repeat(node_start, sizes[hard])[rank]
    # their links by component, then by (lo, hi): the same graph whatever order the rows came in
    inside = np.flatnonzero(hard[edge_component])
    inside = inside[np.argsort(rank[lo[inside]] * len(nodes) + rank[hi[inside]], kind="stable")]
    edge_start = np.searchsorted(rank[lo[inside]], node_start)
    edge_end = np.append(edge_start[1:], len(inside))
    pairs = np.column_stack([local[lo[inside]], local[hi[inside]]])
    weights = weight[inside]
    next_label = len(sizes)
    try:
        for start, size, first, last in zip(node_start.tolist(), sizes[hard].tolist(), edge_start.tolist(),
                                            edge_end.tolist()):
            membership = np.asarray(_leiden(size, pairs[first:last].tolist(), weights[first:last].tolist(),
                                            resolution, seed))
            labels[nodes[start:start + size]] = next_label + membership
            next_label += int(membership.max()) + 1
    finally:
        igraph.set_random_number_generator(random)  # igraph's default
    return labels
