"""Connected components and the oversize split, checked against networkx as an independent oracle."""

import networkx as nx
import numpy as np
import pytest

from shellring.flows.pipeline.components import component_labels, split_components


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


def _edges(pairs):
    a, b, s, f = (np.array(x) for x in zip(*pairs))
    return a.astype(np.int64), b.astype(np.int64), s.astype(float), f.astype(np.int64)


def test_dense_evidence_merges_two_halves_of_one_ring_but_not_a_sparse_neighbour():
    from shellring.flows.pipeline.components import merge_dense_clusters

    # clusters: 0-3 (A), 4-7 (B), 8-11 (C); weak evidence A-B on 6 of 16 pairs, A-C on 1 pair
    labels = np.array([0] * 4 + [1] * 4 + [2] * 4)
    weak = [(i, j, 0.5) for i in range(3) for j in (4, 5)] + [(0, 8, 0.5)]
    a, b, s = (np.array(x) for x in zip(*weak))
    merged = merge_dense_clusters(labels, a, b, s, min_density=0.1, min_pairs=3)
    assert merged[0] == merged[4] and merged[0] != merged[8]
    # the same evidence is not dense enough at a higher bar
    kept = merge_dense_clusters(labels, a, b, s, min_density=0.5, min_pairs=3)
    assert kept[0] != kept[4]


def test_where_and_when_evidence_alone_merges_clusters_only_when_it_ties_nearly_every_pair():
    from shellring.flows.pipeline.components import merge_dense_clusters

    # clusters A (0-3), B (4-7), C (8-11), D (12-15), E (16-19), F (20-23); a hometown (bit 1) ties
    # A-B on 10 of 16 pairs (density 0.375), C-D likewise plus one template scope pair (bit 2), and
    # E-F on every pair (density 0.6: the two branches of one batch)
    hometown, scope = 1, 2
    labels = np.repeat(np.arange(6), 4)

    def ties(first, second, n):
        return [(i, j, 0.6, hometown) for i in range(first, first + 4) for j in range(second, second + 4)][:n]

    evidence = ties(0, 4, 10) + ties(8, 12, 10) + [(11, 15, 1.1, hometown | scope)] + ties(16, 20, 16)
    a, b, s, f = _edges(evidence)
    merged = merge_dense_clusters(labels, a, b, s, 0.1, 3, families=f, value_families=scope,
                                  context_min_density=0.5)
    assert merged[8] == merged[12] and merged[16] == merged[20] and merged[0] != merged[4]
    # a higher bar for where and when alone keeps E and F apart; without families every pair counts
    strict = merge_dense_clusters(labels, a, b, s, 0.1, 3, families=f, value_families=scope,
                                  context_min_density=0.7)
    assert strict[8] == strict[12] and strict[16] != strict[20]
    unfiltered = merge_dense_clusters(labels, a, b, s, 0.1, 3)
    assert unfiltered[0] == unfiltered[4] and unfiltered[8] == unfiltered[12] and unfiltered[16] == unfiltered[20]


def test_evidence_below_full_weight_makes_no_merge_dense():
    from shellring.flows.pipeline.components import merge_dense_clusters

    # A (0-3) and B (4-7) share a crowded building on every pair (said below full weight: no family bit) and one
    # template scope pair; C (8-11) and D (12-15) share the same at full weight
    building, scope = 1, 2
    labels = np.repeat(np.arange(4), 4)
    crowded = [(i, j, 0.3, 0) for i in range(4) for j in range(4, 8)] + [(0, 4, 0.8, scope)]
    small = [(i, j, 0.3, building) for i in range(8, 12) for j in range(12, 16)] + [(8, 12, 0.8, building | scope)]
    a, b, s, f = _edges(crowded + small)
    merged = merge_dense_clusters(labels, a, b, s, 0.1, 3, families=f, value_families=building | scope)
    assert merged[8] == merged[12] and merged[0] != merged[4]
    # counted as the scores say, the crowded building would have merged A and B (5.6 / 16 = 0.35 >= 0.1)
    unfiltered = merge_dense_clusters(labels, a, b, s, 0.1, 3)
    assert unfiltered[0] == unfiltered[4] and unfiltered[8] == unfiltered[12]


def test_merges_only_between_mutual_best_partners():
    from shellring.flows.pipeline.components import merge_dense_clusters

    # A-B dense, B-C denser: B pairs with C, A stays apart (no chain A-B-C)
    labels = np.array([0] * 3 + [1] * 3 + [2] * 3)
    ab = [(i, j, 0.5) for i in range(3) for j in range(3, 6)][:5]
    bc = [(i, j, 0.5) for i in range(3, 6) for j in range(6, 9)]
    a, b, s = (np.array(x) for x in zip(*(ab + bc)))
    merged = merge_dense_clusters(labels, a, b, s, min_density=0.1, min_pairs=3)
    assert merged[3] == merged[6]
    assert merged[0] != merged[3]


def test_leftover_joins_only_with_two_independent_kinds_of_evidence():
    from shellring.flows.pipeline.components import attach_leftovers

    labels = np.array([0, 0, 0, 0, 1, 2])  # a ring of 4; company 4 and company 5 left over
    branch, scope = 1, 2
    a, b, s, f = _edges([
        (4, 0, 0.5, branch), (4, 1, 0.5, scope),   # two kinds of evidence: joins
        (5, 0, 0.5, branch), (5, 2, 0.5, branch),  # one coincidence twice: stays out
    ])
    result = attach_leftovers(labels, a, b, s, f)
    assert result[4] == result[0]
    assert result[5] != result[0]


def test_two_where_and_when_coincidences_are_no_two_kinds_of_evidence_however_big_the_cluster():
    """A farm of 40 in a big region: a stranger opened at one member's branch in its week and is from another
    member's home county. Each coincidence is likelier the more members and the busier the branch; neither is a
    value the operator chose. It stays out (before: branch + hometown counted as two kinds, and it joined);
    the same stranger who also writes the farm's scope text joins."""
    from shellring.flows.pipeline.components import attach_leftovers

    n = 40
    labels = np.array([0] * n + [1, 2])  # a farm of 40; companies 40 and 41 left over
    branch, hometown, place, scope = 1, 2, 4, 8
    farm = [(i, j, 1.0, place) for i in range(n) for j in range(i + 1, n)]
    a, b, s, f = _edges(farm + [
        (40, 0, 0.5, branch), (40, 1, 0.6, hometown),  # where and when, twice: stays out
        (41, 0, 0.5, branch), (41, 1, 0.6, hometown), (41, 2, 0.5, scope),  # and the farm's text: joins
    ])
    where_and_when = branch | hometown
    value_families = ~where_and_when & 0xFF
    result = attach_leftovers(labels, a, b, s, f, value_families=value_families, fresh=np.zeros(n + 2, dtype=bool))
    assert result[40] != result[0]
    assert result[41] == result[0]
    # a student batch's straggler opened at its branch in its week beside much of the batch: it joins
    batch = np.array([0] * 6 + [1])
    ba, bb, bs, bf = _edges([(i, j, 1.0, branch) for i in range(6) for j in range(i + 1, 6)]
                            + [(6, 0, 0.6, hometown), (6, 1, 0.5, branch), (6, 2, 0.5, branch)])
    assert attach_leftovers(batch, ba, bb, bs, bf, value_families=value_families)[6] == 0
    # and where the batch rules made the cluster a batch, beside a few of its members too
    ba, bb, bs, bf = _edges([(i, j, 1.0, branch) for i in range(6) for j in range(i + 1, 6)]
                            + [(6, 0, 0.6, hometown), (6, 1, 0.5, branch)])
    assert attach_leftovers(batch, ba, bb, bs, bf, value_families=value_families)[6] != 0
    assert attach_leftovers(batch, ba, bb, bs, bf, value_families=value_families,
                            batches=np.array([True, False]))[6] == 0


def test_a_leftover_tied_to_one_or_two_members_of_a_big_cluster_stays_out_however_many_kinds():
    """A standard scope text shared with one member of a farm of 40 and an opening at another member's branch in
    its week: two kinds, but two coincidences that a bigger cluster makes likelier. With min_reach a quarter it stays
    out (before: it joined); a leftover of a ring of four tied the same way to two of its members joins."""
    from shellring.flows.pipeline.components import attach_leftovers

    branch, place, scope = 1, 4, 8
    value_families = ~branch & 0xFF
    n = 40
    labels = np.array([0] * n + [1] + [2] * 4 + [3])  # a farm of 40, a stranger; a ring of 4, its leftover
    a, b, s, f = _edges([(i, j, 1.0, place) for i in range(n) for j in range(i + 1, n)]
                        + [(i, j, 1.0, place) for i in range(41, 45) for j in range(i + 1, 45)]
                        + [(40, 0, 0.5, scope), (40, 1, 0.5, branch), (45, 41, 0.5, scope), (45, 42, 0.5, branch)])
    result = attach_leftovers(labels, a, b, s, f, value_families=value_families, min_reach=0.25)
    assert result[40] != result[0]
    assert result[45] == result[41]
    before = attach_leftovers(labels, a, b, s, f, value_families=value_families)
    assert before[40] == before[0]
    # without the value bits (the function on its own) two families are two kinds, as before
    assert attach_leftovers(labels, a, b, s, f)[40] == result[0]


def test_fresh_leftover_joins_on_a_template_value_shared_with_most_members():
    from shellring.flows.pipeline.components import attach_leftovers

    labels = np.array([0, 0, 0, 0, 1, 2, 3])  # a ring of 4; companies 4, 5, 6 left over
    branch, scope = 1, 2
    a, b, s, f = _edges([
        (4, 0, 0.5, scope), (4, 1, 0.5, scope), (4, 2, 0.5, scope),  # the ring's scope text, 3 of 4 members
        (5, 0, 0.5, scope), (5, 1, 0.5, scope), (5, 2, 0.5, scope),  # same, but registered long before opening
        (6, 0, 0.5, branch), (6, 1, 0.5, branch), (6, 2, 0.5, branch),  # a busy branch: where and when only
    ])
    fresh = np.array([True] * 5 + [False, True])
    result = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=scope)
    assert result[4] == result[0]
    assert result[5] != result[0]
    assert result[6] != result[0]
    # two of four members is not enough when the bar is three quarters
    a2, b2, s2, f2 = _edges([(4, 0, 0.5, scope), (4, 1, 0.5, scope)])
    kept = attach_leftovers(labels, a2, b2, s2, f2, fresh=fresh, value_families=scope, min_coverage=0.75)
    assert kept[4] != kept[0]


def test_a_number_near_the_one_mobile_a_cluster_shares_is_one_coincidence_not_a_template():
    from shellring.flows.pipeline.components import attach_leftovers

    # a ring of 4 on one mobile (0-3); 4 is two digits off that mobile; 5 is near the numbers of a ring of 4 that
    # each have their own number of one dealer's run (6-9, tied by their scope text); all fresh
    labels = np.array([0, 0, 0, 0, 1, 2, 3, 3, 3, 3])
    same, near, scope = 1, 2, 4
    a, b, s, f = _edges([(i, j, 1.0, same) for i in range(4) for j in range(i + 1, 4)]
                        + [(i, j, 0.5, scope) for i in range(6, 10) for j in range(i + 1, 10)]
                        + [(4, i, 0.5, near) for i in range(4)] + [(5, i, 0.5, near) for i in range(6, 10)])
    fresh = np.ones(10, dtype=bool)
    result = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=near | scope, near_families=near,
                              shared_families=same)
    assert result[4] != result[0] and result[5] == result[6]
    # counted per member, as before, the one mobile's bystander joins
    before = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=near | scope)
    assert before[4] == before[0] and before[5] == before[6]


def test_a_crowded_building_is_no_template_for_a_leftover():
    from shellring.flows.pipeline.components import attach_leftovers

    labels = np.array([0, 0, 0, 0, 1, 2])  # a ring of 4; two fresh tenants of its building left over
    place = 4
    a, b, s, f = _edges([(4, i, 0.5, place) for i in range(3)]  # a small building, said at full weight
                        + [(5, i, 0.33, place) for i in range(3)])  # a crowded one, scaled down by rarity
    full = np.where(s >= 0.5, f, 0)  # company_links' full_families
    fresh = np.ones(6, dtype=bool)
    result = attach_leftovers(labels, a, b, s, f, min_weight=0.9, fresh=fresh, value_families=place,
                              template_families=full)
    assert result[4] == result[0] and result[5] != result[0]
    # without full_families the crowded building is a template too
    before = attach_leftovers(labels, a, b, s, f, min_weight=0.9, fresh=fresh, value_families=place)
    assert before[5] == before[0]


def test_a_building_a_cluster_holds_through_one_room_is_one_coincidence_not_a_template():
    from shellring.flows.pipeline.components import attach_leftovers

    # a farm of 4 in one room (0-3); 4 rents another room of the farm's building; a ring of 4 that registered each
    # front at a room of its own in one building (5-8, tied by their scope text); 9 rents a fifth room there. All
    # fresh, every building pair said at full weight.
    labels = np.array([0, 0, 0, 0, 1, 2, 2, 2, 2, 3])
    scope, place = 1, 4
    a, b, s, f = _edges([(i, j, 1.0, place) for i in range(4) for j in range(i + 1, 4)]       # the farm's room
                        + [(i, j, 0.5, scope | place) for i in range(5, 9) for j in range(i + 1, 9)]
                        + [(4, i, 0.5, place) for i in range(4)] + [(9, i, 0.5, place) for i in range(5, 9)])
    building_only = (s == 0.5) & ((f & scope) == 0)
    building_only[(a >= 5) & (b <= 8)] = True  # the ring's own pairs: scope text + the building, no room
    rooms = np.array([0, 0, 0, 0, 1, 2, 3, 4, 5, 6])
    fresh = np.ones(10, dtype=bool)
    result = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=scope | place,
                              building_only=building_only, rooms=rooms, place_families=place)
    assert result[4] != result[0] and result[9] == result[5]
    # naming no room where rooms are the norm (-2), it is as likely in another room: it stays out
    rooms[4] = -2
    roomless = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=scope | place,
                                building_only=building_only, rooms=rooms, place_families=place)
    assert roomless[4] != roomless[0]
    # naming no room where many name none (-1), no room is how the building is written: members count one by one
    rooms[4] = -1
    unknown = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=scope | place,
                               building_only=building_only, rooms=rooms, place_families=place)
    assert unknown[4] == unknown[0]
    # counted per member, as before, the farm's neighbour in the building joins it
    before = attach_leftovers(labels, a, b, s, f, fresh=fresh, value_families=scope | place)
    assert before[4] == before[0] and before[9] == before[5]


def test_two_nominee_fronted_halves_tied_by_template_text_merge_but_not_on_a_branch():
    from shellring.flows.pipeline.components import merge_nominee_pieces

    # clusters 0 (A) and 1 (B) each fronted by one nominee; C (2) is not fronted; D (3) fronted
    labels = np.array([0] * 4 + [1] * 4 + [2] * 4 + [3] * 4)
    branch, scope = 1, 2
    a, b, s, f = _edges([
        (0, 4, 0.5, scope), (1, 5, 0.5, scope),     # A-B: the same scope text twice
        (0, 8, 0.5, scope), (1, 9, 0.5, scope),     # A-C: C has no nominee
        (4, 12, 0.5, branch), (5, 13, 0.5, branch), (6, 14, 0.5, branch),  # B-D: a branch only
    ])
    fronted = np.array([True, True, False, True])
    merged = merge_nominee_pieces(labels, a, b, s, f, fronted, value_families=scope)
    assert merged[0] == merged[4]
    assert merged[0] != merged[8] and merged[4] != merged[12]
    # one shared pair is below the bar
    one = merge_nominee_pieces(labels, a[:1], b[:1], s[:1], f[:1], fronted, value_families=scope)
    assert one[0] != one[4]
