"""Given/expect for the place-pendant rule (flows/pipeline/place_pendants.py): a member whose whole evidence with
its cluster is one place pair (one room shared with one member), registered in a building holding more companies
than place_pendant_building, leaves the cluster; a member tied by a second pair, by other evidence, or in a
building that still links, stays; so does a member of a pair. Expected partitions are written by hand; the whole
cluster step is run once on its input tables (the rule did not exist before: that case keeps the tenant in).
"""

from __future__ import annotations

from datetime import date

import cluster_step
import numpy as np
import polars as pl
from ruletables import table
from stepkit import given, rows, run

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.components import build_company_clusters
from shellring.flows.pipeline.place_pendants import detach_place_pendants
from shellring.flows.pipeline.whole_cluster_ties import family_bits

S = Settings()
OWN, BRANCH, PLACE = 1, 2, 4  # evidence family bits (a made-up numbering for these cases)
RING = [(0, 1, OWN), (1, 2, OWN), (2, 3, OWN), (3, 0, OWN)]  # companies 0-3: one cluster on a shared phone


def detach(labels: list[int], pairs: list[tuple[int, int, int]], crowded: set[int]) -> list[int]:
    a, b, families = (np.array(col, dtype=np.int64) for col in zip(*pairs, strict=True))
    mask = np.array([i in crowded for i in range(len(labels))])
    out = detach_place_pendants(np.array(labels), a, b, families, PLACE, mask, S.cluster_min_size)
    return [int(x) for x in out]


def test_a_tenant_of_a_crowded_building_sharing_one_room_with_one_member_leaves():
    assert detach([0] * 5, RING + [(4, 0, PLACE)], crowded={0, 4}) == [0, 0, 0, 0, 1]


def test_the_same_room_in_a_building_that_still_links_keeps_it():
    assert detach([0] * 5, RING + [(4, 0, PLACE)], crowded=set()) == [0] * 5


def test_a_second_pair_or_other_evidence_keeps_it():
    # a farm's room: the tenant shares it with two members
    assert detach([0] * 5, RING + [(4, 0, PLACE), (4, 1, PLACE)], crowded={0, 1, 4}) == [0] * 5
    # the room and the same branch in the member's days (one pair, two families)
    assert detach([0] * 5, RING + [(4, 0, PLACE | BRANCH)], crowded={0, 4}) == [0] * 5
    # the room with one member, a weak branch pair with another
    assert detach([0] * 5, RING + [(4, 0, PLACE), (4, 2, BRANCH)], crowded={0, 4}) == [0] * 5


def test_a_pair_stays_a_pair_and_pairs_across_clusters_do_not_count():
    assert detach([0, 0, 1, 1, 1], [(0, 1, PLACE), (2, 3, OWN), (3, 4, OWN), (4, 2, OWN), (1, 2, PLACE)],
                  crowded={0, 1, 2}) == [0, 0, 1, 1, 1]




def clustered(settings: Settings) -> list[int]:
    """Companies 1-4 share a mobile; 1 and 5 share a room of tower T, where 6-8 are registered too (5 companies)."""
    day = date(2026, 3, 1)
    companies = [{"company_id": i, "reg_date": day, "phone": "+8613800001111" if i <= 4 else None,
                  "reg_room_key": {1: "R1", 5: "R1"}.get(i, f"R{i}"),
                  "reg_building_key": "T" if i in (1, 5, 6, 7, 8) else f"B{i}"} for i in range(1, 9)]
    con = given({"stg_companies": table(companies, cluster_step.COMPANY_COLUMNS),
                 "stg_accounts": table([], cluster_step.ACCOUNT_COLUMNS)}, settings=settings)
    phone, place = family_bits(con, ["SAME_PHONE"]), family_bits(con, ["place"])  # SAME_ROOM is of "place"
    assert phone and place
    links = ([{"company_a": i, "company_b": j, "score": 1.0, "families": phone, "full_families": phone}
              for i in range(1, 5) for j in range(i + 1, 5)]
             + [{"company_a": 1, "company_b": 5, "score": 1.0, "families": place, "full_families": place}])
    con.register("_links", table(links, cluster_step.LINK_COLUMNS,
                                 types={"score": pl.Float64, "families": pl.Int64, "full_families": pl.Int64}))
    con.execute("create table company_links_kept as select * from _links")
    con.execute("create table pair_evidence as select company_a, company_b, 'SAME_PHONE' as reason from _links")
    run(con, "linking/company_attributes", "linking/attribute_values")
    build_company_clusters(con, settings)
    return [r[0] for r in rows(con, "select company_id from company_clusters order by 1")]


def test_the_cluster_step_leaves_the_tower_s_tenant_out():
    assert clustered(Settings(place_pendant_building=4)) == [1, 2, 3, 4]


def test_the_cluster_step_keeps_it_when_the_building_is_not_crowded_or_the_rule_is_off():
    assert clustered(Settings(place_pendant_building=5)) == [1, 2, 3, 4, 5]
    assert clustered(Settings(place_pendant_building=0)) == [1, 2, 3, 4, 5]
