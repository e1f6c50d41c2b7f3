"""A member that one shared room in a crowded building alone ties to its cluster leaves it.

In a tower or a business park so full that the building itself links nothing (more companies than
`hub_limit_building`), rooms are sublet, shared and passed on: serviced offices and workstations put two or three
unrelated companies at one room number (DOMAIN.md §1: one address, many licences, legally; a shared address is a
prior, not proof). A room such a building's tenant shares with one member of a cluster is then evidence about the
building being busy, not about the two companies; one link it is all the same (SAME_ROOM weighs a link), so the
components and Leiden, which never cut a single leaf, hang the tenant on the member's cluster. In a bigger region
there are more such buildings and more tenants per building, so more clusters take a bystander in this way
(third generator, 1,000,000 companies: about 220 of the 383 legitimate members of flagged ring clusters;
bench/RESULTS-detection.md, session 17).

So, once the clusters are final, a member of a cluster of `min_size` or more leaves it (alone) when

- all the evidence between it and the other members, linked pairs and weak ones, is one pair (one member), and
- that pair says only where (the `place` family: a room, a neighbouring room, a similar address text), and
- its registered building holds more companies than `place_pendant_building` (crowded_buildings.sql; by default
  the building hub limit, `hub_limit_building`).

A ring's member is mostly tied to it by more than one room: a farm's room holds several members (several pairs), a
front of a busy tower shares its branch, scope text or number block with the others (weak pairs count), and a careful
chain's room in an ordinary building comes with the building (SAME_BUILDING). What it costs: a careful chain's last
front tied on by nothing but one room of a tower leaves too (third generator: 25 ring members at 1,000,000 against
about 240 legitimate tenants). One pass only, so a chain is never peeled link by link.
"""

from __future__ import annotations

import duckdb
import numpy as np

from shellring.flows.core.sqlsteps import fetch_frame, load_query


def crowded_companies(con: duckdb.DuckDBPyConnection, n_nodes: int) -> np.ndarray:
    """Per company id 0..n_nodes-1: registered in a building holding more companies than place_pendant_building."""
    crowded = np.zeros(n_nodes, dtype=bool)
    ids = fetch_frame(con, load_query("queries/crowded_buildings").sql)["company_id"].to_numpy()
    crowded[ids.astype(np.int64)] = True
    return crowded


def detach_place_pendants(labels: np.ndarray, a: np.ndarray, b: np.ndarray, families: np.ndarray, place_bits: int,
                          crowded: np.ndarray, min_size: int) -> np.ndarray:
    """Labels after each member of a cluster of `min_size` or more whose whole evidence with the other members is
    one pair (`a`, `b`: every scored pair, linked or not) of `place_bits` families only, and which is `crowded`,
    left it for a label of its own."""
    from shellring.flows.pipeline.components import _canonical

    if not len(a):
        return labels
    sizes = np.bincount(labels)
    inside = labels[a] == labels[b]
    ends = np.concatenate([a[inside], b[inside]])
    fams = np.concatenate([families[inside], families[inside]])
    pairs = np.bincount(ends, minlength=len(labels))
    other = np.zeros(len(labels), dtype=bool)
    other[ends[(fams & ~place_bits) != 0]] = True
    pendant = (pairs == 1) & ~other & crowded & (sizes[labels] >= min_size)
    if not pendant.any():
        return labels
    out = labels.copy()
    out[pendant] = labels.max() + 1 + np.arange(int(pendant.sum()))
    return _canonical(out)
