"""Given/expect for the hub limits and the cluster rules.

- hubs: a value shared by exactly its kind's hub limit links its companies; one company more makes it a
  hub that links nothing (sql/linking/attribute_values.sql, shared_value_evidence.sql, weak_evidence.sql),
  published in pub_hubs, `suspicious` when its companies look like a ring's (sql/marts/pub_hub_*.sql);
- clustering (flows/pipeline/components.py): Leiden parts two dense groups joined by one bridge, keeps a
  sparse ring whole, and max_cluster_size re-cuts an oversized cluster on its stronger links.
Expected partitions are sets of nodes written by hand.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import numpy as np
from ruletables import d, table
from stepkit import given, rows, run

from shellring.flows.core.masking import create_masking_macros
from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.components import cluster_labels, leiden_refine

SHARED_COMPANY_COLUMNS = ("company_id", "rep_id", "reg_date", "phone", "phone_also", "reg_room_key", "trade_name",
                          "reg_building_key")
SHARED_ACCOUNT_COLUMNS = ("company_id", "rep_id", "agent_id", "open_date", "contact_phone", "contact_phone_also",
                          "agent_phone", "agent_phone_also", "contact_room_key")
# the count limits alone: these companies all registered on one day, a season whose mobile would link past its
# limit (hub_season_limit; tests/test_rules_links.py has its own case)
HUB_LIMITS = Settings(hub_limit_person=3, hub_limit_phone=3, hub_limit_room=3, hub_season_limit=0)

P, Q = "330106199901011234", "330106199505055555"  # resident IDs
M, M2, M3 = "+8613800001111", "+8613900009999", "+8613700007777"  # mobiles
R, R2 = "330106|文三路|90|2幢|1201", "330106|古墩路|7|1幢|301"  # rooms

# company ids -> the value they share: three companies (at the limit) or four (one more: a hub)
SHARED = {"rep_id": {P: (1, 2, 3), Q: (12, 13, 14, 15)},
          "phone": {M: (16, 17, 18), M2: (4, 5, 6, 7), M3: (22, 23, 24, 25)},
          "reg_room_key": {R: (19, 20, 21), R2: (8, 9, 10, 11)}}


def hub_companies() -> list[dict]:
    companies = {i: {"company_id": i, "reg_date": d("2026-03-01")} for i in range(1, 26)}
    for column, values in SHARED.items():
        for value, ids in values.items():
            for i in ids:
                companies[i][column] = value
    return list(companies.values())


def linked(settings: Settings = HUB_LIMITS):
    con = given({"stg_companies": table(hub_companies(), SHARED_COMPANY_COLUMNS),
                 "stg_accounts": table([], SHARED_ACCOUNT_COLUMNS)}, settings=settings)
    run(con, "linking/company_attributes", "linking/attribute_values", "linking/shared_value_evidence")
    return con


def test_a_value_at_the_hub_limit_links_and_one_company_more_makes_a_hub():
    con = linked()
    assert rows(con, "select attr_kind, attr_value, n_companies, is_hub from attribute_values order by 1, 2") == [
        ("person", Q, 4, True), ("person", P, 3, False),
        ("phone", M3, 4, True), ("phone", M, 3, False), ("phone", M2, 4, True),
        ("room", R2, 4, True), ("room", R, 3, False)]
    assert rows(con, "select company_a, company_b, reason, attr_value from shared_value_evidence order by 1, 2") == [
        (1, 2, "SAME_REP", P), (1, 3, "SAME_REP", P), (2, 3, "SAME_REP", P),
        (16, 17, "SAME_PHONE", M), (16, 18, "SAME_PHONE", M), (17, 18, "SAME_PHONE", M),
        (19, 20, "SAME_ROOM", R), (19, 21, "SAME_ROOM", R), (20, 21, "SAME_ROOM", R)]


def test_raising_the_hub_limit_turns_the_hubs_back_into_links():
    con = linked(Settings(hub_limit_person=4, hub_limit_phone=4, hub_limit_room=4, hub_season_limit=0))
    assert rows(con, "select count(*) from attribute_values where is_hub") == [(0,)]
    assert rows(con, "select attr_value, count(*) from shared_value_evidence group by 1 order by 1") == sorted(
        [(P, 3), (Q, 6), (M, 3), (M2, 6), (M3, 6), (R, 3), (R2, 6)])


WEAK_COMPANY_COLUMNS = ("company_id", "reg_date", "reg_building_key", "rep_age_at_reg", "scope_key", "rep_region",
                        "reg_adcode", "uscc_region")
WEAK_ACCOUNT_COLUMNS = ("company_id", "bank_branch", "open_date", "days_since_registration")


def test_weak_evidence_hub_limits():
    """Buildings, scopes, branches and hometowns: at the limit they link, one company more they do not. Each group
    registers ten days apart, so a hometown's count is its usual flow (a county's newcomers in the season outside
    the batch_days around each; a batch within days is no flow: tests/test_rules_links.py)."""
    scope_a, scope_b = "技术服务软件开发会议及展览服务", "餐饮管理食品销售会议及展览服务"
    companies, accounts = [], []
    for group, size in ((0, 3), (1, 4)):  # group 0 at the limit (3), group 1 one above
        for k in range(size):
            i = 10 * group + k + 1
            companies.append({"company_id": i, "reg_date": d("2026-03-01") + timedelta(days=10 * k),
                              "rep_age_at_reg": 45,
                              "reg_building_key": f"B{group}", "scope_key": (scope_a, scope_b)[group],
                              "rep_region": f"42100{group}", "reg_adcode": "330106"})
            accounts.append({"company_id": i, "bank_branch": f"BR{group}", "open_date": d("2026-04-01"),
                             "days_since_registration": 31})
    # representatives aged 45: no BATCH_PROFILE; hometown_max_age 50 lets them count for the hometown limit
    settings = Settings(hub_limit_building=3, hub_limit_scope=3, hub_limit_branch=3, hub_limit_hometown=3,
                        hometown_max_age=50)
    con = given({"stg_companies": table(companies, WEAK_COMPANY_COLUMNS),
                 "stg_accounts": table(accounts, WEAK_ACCOUNT_COLUMNS),
                 "company_attributes": table([], ("company_id", "attr_kind", "attr_value", "seen_on"))},
                settings=settings)
    run(con, "linking/weak_evidence")
    got = rows(con, "select reason, company_a, company_b from weak_evidence order by all")
    pairs = [(1, 2), (1, 3), (2, 3)]
    assert got == sorted((reason, a, b) for reason in ("SAME_BRANCH_DAYS", "SAME_BUILDING", "SAME_HOMETOWN",
                                                       "SAME_SCOPE") for a, b in pairs)


# pub_hubs: the hubs above with their companies' profile
PSEUDONYMS = {M2: "5f0e3c9a7b21d4e8", M3: "0c1d2e3f4a5b6c7d", Q: "9a8b7c6d5e4f3a2b"}
# company -> (fast_open_7d, rep_young, reg_date)
PROFILE = {
    # phone M2: 3 of 4 fast, 2 of 4 young: suspicious
    4: (True, True, "2026-03-01"), 5: (True, True, "2026-03-01"), 6: (True, False, "2026-03-01"),
    7: (False, False, "2026-03-01"),
    # room R2: half fast, none young, registered within 30 days: suspicious (a season)
    8: (True, False, "2026-03-01"), 9: (True, False, "2026-03-01"), 10: (False, False, "2026-03-31"),
    11: (False, False, "2026-03-31"),
    # person Q: half fast, none young, registrations over 200 days: not
    12: (True, False, "2026-03-01"), 13: (True, False, "2026-03-01"), 14: (False, False, "2026-09-17"),
    15: (False, False, "2026-09-17"),
    # phone M3: all young, but 1 of 4 fast: not
    22: (True, True, "2026-03-01"), 23: (False, True, "2026-03-01"), 24: (False, True, "2026-03-01"),
    25: (False, True, "2026-03-01"),
}


def test_pub_hubs_marks_a_hub_of_fresh_young_companies_suspicious():
    con = linked()
    create_masking_macros(con)
    con.register("_p", table([{"value": v, "pseudonym": p} for v, p in PSEUDONYMS.items()],
                             ("value", "pseudonym")).to_arrow())
    con.execute("create table pseudonyms as select * from _p")
    con.register("_f", table([{"company_id": i, "fast_open_7d": fast, "rep_young": young, "reg_date": d(day)}
                              for i, (fast, young, day) in PROFILE.items()],
                             ("company_id", "fast_open_7d", "rep_young", "reg_date")).to_arrow())
    con.execute("create table company_features as select * from _f")
    run(con, "marts/pub_hub_members", "marts/pub_hubs")
    room_key = "H" + hashlib.md5(f"room|{R2}".encode()).hexdigest()[:12]  # rooms carry no pseudonym
    got = rows(con, "select hub_id, attr_kind, value_display, n_companies, share_fast_open_7d, share_rep_young, "
                    "reg_span_days, suspicious from pub_hubs order by 2, 3")
    assert got == sorted([
        ("H9a8b7c6d5e4f", "person", "330106********5555", 4, 0.5, 0.0, 200, False),
        ("H0c1d2e3f4a5b", "phone", "137****7777", 4, 0.25, 1.0, 0, False),
        ("H5f0e3c9a7b21", "phone", "139****9999", 4, 0.75, 0.5, 0, True),
        (room_key, "room", R2, 4, 0.5, 0.0, 30, True)], key=lambda r: (r[1], r[2]))
    assert rows(con, "select why from pub_hubs where hub_id = 'H5f0e3c9a7b21'") == [
        ("4家企业共用；75%在成立后7天内开户，50%的法定代表人为18至22岁，注册时间跨度0天",)]  # the default, Chinese
    con.execute("set variable hub_why = ?", [Settings(language="en").variables()["hub_why"]])
    run(con, "marts/pub_hubs")
    assert rows(con, "select why from pub_hubs where hub_id = 'H5f0e3c9a7b21'") == [
        ("shared by 4 companies; 75% opened accounts within 7 days, 50% with reps aged 18-22, "
         "registrations spread over 0 days",)]
    assert rows(con, "select distinct run_id from pub_hubs") == [("run-1",)]
    # the hubs' members are listed, the values below the limit are not hubs
    assert rows(con, "select attr_value, list(company_id order by company_id) from pub_hub_members "
                     "group by 1 order by 1") == sorted([
        (Q, [12, 13, 14, 15]), (M2, [4, 5, 6, 7]), (M3, [22, 23, 24, 25]), (R2, [8, 9, 10, 11])])


# ------------------------------------------------------------------------------------------------
# Clustering.

def partition(labels: np.ndarray) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node, label in enumerate(labels):
        groups.setdefault(int(label), set()).add(node)
    return {frozenset(g) for g in groups.values()}


def edges(triples):
    a, b, s = (np.array(x) for x in zip(*triples))
    return a.astype(np.int64), b.astype(np.int64), s.astype(float)


def clique(nodes, weight):
    return [(i, j, weight) for i in nodes for j in nodes if i < j]


TWO_CLIQUES = edges(clique(range(6), 1.2) + clique(range(6, 12), 1.2) + [(5, 6, 1.0)])
RING = edges([(i, (i + 1) % 8, 1.0) for i in range(8)])
# a ring of 8 whose two halves hold together on strong links (1.6) and meet on weak ones (1.0)
STRONG_HALVES = edges([(0, 1, 1.6), (1, 2, 1.6), (2, 3, 1.6), (3, 4, 1.0),
                       (4, 5, 1.6), (5, 6, 1.6), (6, 7, 1.6), (7, 0, 1.0)])


def test_leiden_parts_two_dense_groups_joined_by_one_bridge():
    # CPM at resolution 0.05: the bridge (1.0) is below 0.05 x 6 x 6 = 1.8, so the groups come apart
    labels = cluster_labels(12, *TWO_CLIQUES, threshold=1.0, resolution=0.05, max_size=120)
    assert partition(labels) == {frozenset(range(6)), frozenset(range(6, 12))}
    # plain components (resolution 0) chain them through the bridge
    assert partition(cluster_labels(12, *TWO_CLIQUES, threshold=1.0, resolution=0.0, max_size=120)) == {
        frozenset(range(12))}


def test_leiden_keeps_a_sparse_ring_whole():
    # cutting the ring anywhere cuts two links (2.0), more than 0.05 x 4 x 4 = 0.8
    assert partition(cluster_labels(8, *RING, threshold=1.0, resolution=0.05, max_size=120)) == {frozenset(range(8))}
    assert partition(leiden_refine(8, *RING, resolution=0.05)) == {frozenset(range(8))}


def test_leiden_gives_an_unlinked_company_its_own_label():
    a, b, s = RING
    assert partition(leiden_refine(10, a, b, s, resolution=0.05)) == {frozenset(range(8)), frozenset({8}),
                                                                      frozenset({9})}


def test_max_cluster_size_recuts_an_oversized_cluster_on_its_stronger_links():
    # Leiden keeps the ring whole (cutting the two weak links costs 2.0 > 0.8)...
    assert partition(cluster_labels(8, *STRONG_HALVES, threshold=1.0, resolution=0.05, max_size=120)) == {
        frozenset(range(8))}
    # ... but 8 > max_size 5: re-cut at threshold + 0.25, the weak links go
    assert partition(cluster_labels(8, *STRONG_HALVES, threshold=1.0, resolution=0.05, max_size=5)) == {
        frozenset({0, 1, 2, 3}), frozenset({4, 5, 6, 7})}


def test_an_oversized_cluster_whose_links_join_most_of_its_pairs_is_no_chain_and_stays_whole():
    """One room a farm filled in a season links every member to every other: past max_cluster_size (120) it was
    re-cut on stronger links, found none and fell apart (stretch demo, 200k: farms of 124-176 companies kept a few
    pairs each). A component whose links join recut_dense_share of its pairs is no chain of groups and stays whole;
    a ring of two halves (STRONG_HALVES: 8 of 28 pairs) is still re-cut."""
    room = edges(clique(range(8), 1.0))
    assert partition(cluster_labels(8, *room, threshold=1.0, resolution=0.05, max_size=5)) == {frozenset(range(8))}
    assert partition(cluster_labels(8, *room, threshold=1.0, resolution=0.05, max_size=5,
                                    recut_dense_share=0)) == {frozenset({i}) for i in range(8)}
    assert partition(cluster_labels(8, *STRONG_HALVES, threshold=1.0, resolution=0.05, max_size=5)) == {
        frozenset({0, 1, 2, 3}), frozenset({4, 5, 6, 7})}


def test_a_sparse_ring_of_two_fives_on_one_shared_value_stays_whole_and_two_sixes_part_at_the_default_resolution():
    """A careful ring ties each member to the next by another channel: two halves of five joined by one shared value
    (a phone, 1.0) were cut at resolution 0.05 (1.0 < 0.05 x 5 x 5) and the ring counted as two (the clean-room
    generator's weak-links rings, bench/RESULTS-detection.md s15-cleanroom). At the default they stay one; two groups
    of six on one shared value still come apart (1.0 < 0.03 x 6 x 6 = 1.08)."""
    resolution = Settings().cluster_resolution

    def halves(n):
        path = [(i, i + 1, 1.0) for i in range(n - 1)] + [(0, n - 1, 1.0), (0, 2, 1.0)]
        return path + [(a + n, b + n, w) for a, b, w in path] + [(n - 1, n, 1.0)]

    five = edges(halves(5))
    assert partition(cluster_labels(10, *five, threshold=1.0, resolution=resolution, max_size=120)) == {
        frozenset(range(10))}
    assert len(partition(cluster_labels(10, *five, threshold=1.0, resolution=0.05, max_size=120))) == 2
    assert partition(cluster_labels(12, *TWO_CLIQUES, threshold=1.0, resolution=resolution, max_size=120)) == {
        frozenset(range(6)), frozenset(range(6, 12))}


def test_links_below_the_threshold_never_cluster():
    a, b, s = edges([(0, 1, 0.99), (1, 2, 1.0), (3, 4, 0.5)])
    assert partition(cluster_labels(5, a, b, s, threshold=1.0, resolution=0.05, max_size=120)) == {
        frozenset({0}), frozenset({1, 2}), frozenset({3}), frozenset({4})}
