"""Given/expect for the whole-cluster tie (flows/pipeline/whole_cluster_ties.py): a leftover joins a cluster when
one value of the given families (settings.attach_cover_families: word-for-word scope text), said at full weight,
ties it to at least attach_cover_share of the cluster's members (and attach_cover_min_members of them), whatever
its account's age; never on other evidence, a crowded value, or a value shared with only some members; only its
best cluster. Expected partitions are written by hand; the family bits are checked against the registry.
"""

from __future__ import annotations

import numpy as np
import pytest
from stepkit import given

from shellring.flows.core import rules
from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.whole_cluster_ties import attach_whole_cluster_ties, family_bits

S = Settings()
BRANCH, SCOPE, PHONE_RUN, PLACE = 1, 2, 4, 8  # evidence family bits (a made-up numbering for these cases)
VALUES = SCOPE | PHONE_RUN | PLACE  # the families the cases below let through; the branch is left out


def join(labels: list[int], ties: list[tuple[int, int, int]], share: float = S.attach_cover_share) -> list[int]:
    """Labels after the rule; `ties` are (company, company, full-weight families)."""
    a, b, full = (np.array(col, dtype=np.int64) for col in zip(*ties, strict=True))
    out = attach_whole_cluster_ties(np.array(labels), a, b, full, VALUES, S.cluster_min_size, share,
                                    S.attach_cover_min_members)
    return [int(x) for x in out]


RING = [0, 0, 0, 0, 0]  # companies 0-4: one cluster of five


def test_a_leftover_the_ring_s_scope_text_ties_to_four_of_five_members_joins():
    assert join(RING + [1], [(5, m, SCOPE) for m in range(4)]) == [0] * 6


def test_one_value_shared_with_some_members_only_keeps_it_out():
    assert join(RING + [1], [(5, m, SCOPE) for m in range(3)]) == RING + [1]  # 3 of 5 < 0.8


def test_several_values_each_with_some_members_are_not_one_whole_cluster_tie():
    # scope text with members 0-1, a number run with 2-3: four members tied, but by no one value
    ties = [(5, 0, SCOPE), (5, 1, SCOPE), (5, 2, PHONE_RUN), (5, 3, PHONE_RUN)]
    assert join(RING + [1], ties) == RING + [1]


def test_where_and_when_evidence_never_joins_however_many_members_it_ties():
    assert join(RING + [1], [(5, m, BRANCH) for m in range(5)]) == RING + [1]


def test_a_crowded_value_said_below_full_weight_ties_nothing():
    # company_links' full_families is 0 for a building many share: the pair keeps a reduced score only
    assert join(RING + [1], [(5, m, 0) for m in range(5)] + [(0, 1, SCOPE)]) == RING + [1]


def test_a_small_cluster_needs_every_member_and_at_least_the_minimum():
    three = [0, 0, 0, 1]
    assert join(three, [(3, 0, PLACE), (3, 1, PLACE)]) == three  # 2 of 3, under the minimum of 3 members
    assert join(three, [(3, m, PLACE) for m in range(3)]) == [0, 0, 0, 0]


def test_a_pair_left_over_joins_as_one_piece_and_only_its_best_cluster():
    # clusters 0 (companies 0-4) and 1 (5-9); pair 10-11 is tied to all of cluster 0, to 4 of 5 of cluster 1
    labels = [0] * 5 + [1] * 5 + [2, 2]
    ties = [(10, m, SCOPE) for m in range(5)] + [(11, m, PHONE_RUN) for m in range(5, 9)]
    assert join(labels, ties) == [0] * 5 + [1] * 5 + [0, 0]


def test_zero_share_turns_the_rule_off():
    assert join(RING + [1], [(5, m, SCOPE) for m in range(5)], share=0.0) == RING + [1]


def test_the_default_families_are_the_scope_text_only_numbered_as_company_links_numbers_them():
    # company_links.sql: family_no = dense_rank() over (order by family), bit 1 << (family_no - 1)
    order = sorted({r.family for r in rules.LINK_REASONS})
    con = given({})
    assert family_bits(con, Settings().attach_cover_families) == 1 << order.index("SAME_SCOPE")
    assert family_bits(con, ["SAME_SCOPE", "SIMILAR_PHONE"]) == (1 << order.index("SAME_SCOPE")) | (
        1 << order.index("SIMILAR_PHONE"))


def test_an_unknown_family_name_refuses_to_start():
    with pytest.raises(rules.RuleRegistryError, match="SAME_SCOEP"):
        Settings(attach_cover_families=["SAME_SCOEP"])
