"""Given/expect for the own-value rule (flows/pipeline/own_values.py): a leftover joins the one cluster that holds
every other company carrying a person, phone or scope text it carries, when they are at least
attach_own_min_members and attach_min_coverage of its members; never when a carrier sits in another cluster (a
leftover besides the piece is fine), never on a registered room, a hub or a generic scope text
(sql/queries/own_value_carriers.sql). Expected partitions are written by hand.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from ruletables import d, table
from stepkit import given, rows, run

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.own_values import (
    attach_own_values,
    merge_fronted_on_own_values,
    merge_own_value_clusters,
    merge_own_value_pieces,
    own_value_carriers,
    paced_fronts,
)

S = Settings()
MIN_SIZE, MIN_MEMBERS, MIN_SHARE = S.cluster_min_size, S.attach_own_min_members, S.attach_min_coverage


def join(labels: list[int], carriers: dict[str, list[int]], min_members: int = MIN_MEMBERS) -> list[int]:
    """Labels after the rule; `carriers` maps a value to the companies carrying it."""
    keys = np.array([hash(v) for v, companies in carriers.items() for _ in companies], dtype=np.int64)
    companies = np.array([c for cs in carriers.values() for c in cs], dtype=np.int64)
    return [int(x) for x in attach_own_values(np.array(labels), keys, companies, MIN_SIZE, min_members, MIN_SHARE)]


RING = [0, 0, 0, 0, 0]  # companies 0-4: one cluster of five


def test_a_leftover_carrying_a_line_nobody_outside_the_cluster_carries_joins():
    # a dealer's landline on members 2 and 3 and on leftover 5, said at 0.6 of a link: under the threshold
    assert join(RING + [1], {"line": [2, 3, 5]}) == [0] * 6


def test_two_leftovers_on_the_cluster_s_own_scope_text_both_join():
    assert join(RING + [1, 2], {"scope": [0, 1, 5, 6]}) == [0] * 7


def test_a_value_also_carried_outside_the_cluster_is_not_its_own():
    # company 9 of another cluster carries the line too: a switchboard many use, not the ring's
    labels = RING + [1] + [2, 2, 2, 2]
    assert join(labels, {"line": [2, 3, 5, 9]}) == labels


def test_one_member_is_no_cluster_s_own_value():
    assert join(RING + [1], {"line": [2, 5]}) == RING + [1]  # a neighbour's chance match with one company
    assert join(RING + [1], {"line": [2, 3, 5]}, min_members=3) == RING + [1]  # the setting moves the bar


def test_a_value_on_a_few_members_of_a_big_cluster_is_their_coincidence_not_the_cluster_s():
    farm = [0] * 10
    assert join(farm + [1], {"scope": [0, 1, 10]}) == farm + [1]  # 2 of 10 < attach_min_coverage
    assert join(farm + [1], {"scope": [0, 1, 2, 3, 10]}) == [0] * 11  # 4 of 10


def test_a_piece_two_clusters_own_values_of_stays_out():
    labels = RING + [1, 1, 1] + [2]
    assert join(labels, {"a": [0, 1, 8], "b": [5, 6, 8]}) == labels


def test_a_leftover_never_merges_two_clusters():
    labels = RING + [1, 1, 1] + [2]
    assert join(labels, {"a": [0, 1, 8], "b": [5, 6, 8]}) == labels  # the value carriers of 8 are in two clusters


def merge(labels: list[int], carriers: dict[str, list[int]]) -> list[int]:
    keys = np.array([hash(v) for v, companies in carriers.items() for _ in companies], dtype=np.int64)
    companies = np.array([c for cs in carriers.values() for c in cs], dtype=np.int64)
    return [int(x) for x in merge_own_value_clusters(np.array(labels), keys, companies, MIN_SIZE, MIN_MEMBERS,
                                                     MIN_SHARE)]


def test_two_clusters_holding_every_carrier_of_a_line_between_them_merge():
    # a dealer's line on 4 + 3 companies registered over a year and a half: two halves at 0.6 of a link
    labels = [0, 0, 0, 0, 1, 1, 1]
    assert merge(labels, {"line": [0, 1, 2, 3, 4, 5, 6]}) == [0] * 7


def test_a_line_also_carried_outside_the_two_or_on_a_few_of_one_merges_nothing():
    labels = [0, 0, 0, 0, 1, 1, 1, 2]
    assert merge(labels, {"line": [0, 1, 4, 5, 7]}) == labels  # 7, a leftover, carries it too
    big = [0] * 10 + [1, 1, 1]
    assert merge(big, {"line": [0, 1, 10, 11, 12]}) == big  # 2 of 10 is no share of the first cluster's
    three = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert merge(three, {"line": [0, 1, 3, 4, 6, 7]}) == three  # three clusters: no pair holds them all


def test_a_cluster_merges_with_its_strongest_partner_only():
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    got = merge(labels, {"a": [0, 1, 3, 4], "b": [0, 1, 3, 4, 5], "c": [0, 1, 2, 6, 7]})
    assert got == [0, 0, 0, 0, 0, 0, 1, 1, 1]  # 0-1 share two values, 0-2 one: no chain 1-0-2


VALUE_BIT, OTHER_BIT = 1, 2  # the family the values give their carriers' pairs, and another (a building, a branch)


def pieces(labels: list[int], carriers: dict[str, list[int]], others: list[tuple[int, int]],
           days: list[int] | None = None, bits: int = OTHER_BIT) -> list[int]:
    """Labels after the pieces rule; `others` are the pairs with evidence of family `bits`, `days` each company's
    registration day (all on day 0 unless given)."""
    keys = np.array([hash(v) for v, companies in carriers.items() for _ in companies], dtype=np.int64)
    companies = np.array([c for cs in carriers.values() for c in cs], dtype=np.int64)
    reg_day = np.array(days if days is not None else [0] * len(labels), dtype=np.int64)
    a = np.array([x for x, _ in others], dtype=np.int64)
    b = np.array([y for _, y in others], dtype=np.int64)
    families = np.full(len(others), bits, dtype=np.int64)
    return [int(x) for x in merge_own_value_pieces(np.array(labels), keys, companies, reg_day, MIN_SIZE,
                                                   S.weak_days, a, b, families, VALUE_BIT)]


def test_pieces_holding_every_carrier_of_a_season_s_value_between_them_merge():
    # a weak-links ring shattered into a pair and two singles in a big region: its scope template is on 1, 2 and 3
    # and nobody else's, a crowded building ties 1 to 2 and a branch 2 to 3; each pair says under a link
    assert pieces([0, 0, 1, 2, 3], {"scope": [1, 2, 3]}, [(1, 2), (2, 3)]) == [0, 0, 0, 0, 1]
    assert pieces([0, 1, 2], {"line": [0, 1, 2]}, [(0, 1), (0, 2)]) == [0, 0, 0]  # three singles on one landline


def test_a_text_and_nothing_else_is_no_group():
    # three unrelated companies that happen to write one rare text in a small region
    assert pieces([0, 1, 2], {"scope": [0, 1, 2]}, []) == [0, 1, 2]
    # their pairs' evidence is the text itself: no second kind
    assert pieces([0, 1, 2], {"scope": [0, 1, 2]}, [(0, 1), (1, 2)], bits=VALUE_BIT) == [0, 1, 2]
    # a piece with no second kind to the others stays out; the two that have one merge
    assert pieces([0, 1, 2, 3], {"scope": [0, 1, 2, 3]}, [(0, 1)]) == [0, 0, 1, 2]


def test_a_value_on_a_cluster_of_three_or_more_is_left_to_the_cluster_rules():
    labels = [0, 0, 0, 1, 2]
    assert pieces(labels, {"scope": [0, 3, 4]}, [(0, 3), (3, 4)]) == labels


def test_carriers_registered_more_than_a_season_apart_merge_nothing():
    ties = [(0, 1), (1, 2)]
    assert pieces([0, 1, 2], {"scope": [0, 1, 2]}, ties, days=[0, 90, 90 + S.weak_days + 1]) == [0, 1, 2]
    assert pieces([0, 1, 2], {"scope": [0, 1, 2]}, ties, days=[0, 90, S.weak_days]) == [0, 0, 0]  # one season


def test_two_carriers_or_one_piece_are_no_group():
    assert pieces([0, 1, 2], {"scope": [0, 1]}, [(0, 1)]) == [0, 1, 2]  # two companies: a pair's coincidence
    assert pieces([0, 0, 1, 2], {"scope": [0, 1]}, [(0, 1)]) == [0, 0, 1, 2]  # all in one piece: nothing to merge


def test_a_piece_two_values_tie_to_different_pieces_stays_out():
    # piece 2 carries a text of 0 and 1 and a line of 3 and 4: it would chain two hands' pieces
    labels, ties = [0, 1, 2, 3, 4], [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert pieces(labels, {"scope": [0, 1, 2], "line": [2, 3, 4]}, ties) == labels
    # both values on the same pieces: one hand's, they merge
    assert pieces(labels, {"scope": [0, 1, 2], "line": [0, 1, 2]}, ties) == [0, 0, 0, 1, 2]


def join_in_season(labels: list[int], carriers: dict[str, list[int]], days: list[int]) -> list[int]:
    keys = np.array([hash(v) for v, companies in carriers.items() for _ in companies], dtype=np.int64)
    companies = np.array([c for cs in carriers.values() for c in cs], dtype=np.int64)
    return [int(x) for x in attach_own_values(np.array(labels), keys, companies, MIN_SIZE, MIN_MEMBERS, MIN_SHARE,
                                              np.array(days, dtype=np.int64), S.weak_days)]


def test_a_leftover_on_a_text_the_cluster_wrote_within_one_season_joins_whatever_its_share():
    # an agent's ring of seven: two members and the leftover the agent never touched share the ring's text,
    # written within one season and by nobody else; 2 of 7 is under attach_min_coverage
    ring = [0] * 7
    assert join_in_season(ring + [1], {"scope": [0, 1, 7]}, [0] * 8) == [0] * 8
    # the same text over more than a season: the share rule alone, which it fails
    assert join_in_season(ring + [1], {"scope": [0, 1, 7]}, [0] * 7 + [S.weak_days + 1]) == ring + [1]


def test_a_text_its_bystanders_carry_more_than_the_cluster_is_not_the_cluster_s():
    # two members of a ten-company farm share a text with three bystanders in the season: theirs, not the farm's
    farm = [0] * 10
    assert join_in_season(farm + [1, 2, 3], {"scope": [0, 1, 10, 11, 12]}, [0] * 13) == farm + [1, 2, 3]


def fronted_merge(labels: list[int], carriers: dict[str, list[int]], fronted: list[int],
                  days: list[int] | None = None, paced: list[int] | None = None) -> list[int]:
    """Labels after the nominee-halves rule; `fronted` lists the labels one nominee fronts, `paced` those fronted at
    a nominee's pace."""
    keys = np.array([hash(v) for v, companies in carriers.items() for _ in companies], dtype=np.int64)
    companies = np.array([c for cs in carriers.values() for c in cs], dtype=np.int64)
    is_fronted = np.isin(np.arange(max(labels) + 1), fronted)
    is_paced = np.isin(np.arange(max(labels) + 1), paced or [])
    reg_day = np.array(days if days is not None else [0] * len(labels), dtype=np.int64)
    return [int(x) for x in merge_fronted_on_own_values(np.array(labels), keys, companies, reg_day, is_fronted,
                                                        S.weak_days, is_paced)]


HALVES = [0, 0, 0, 0, 1, 1, 1]  # a ring run through two nominees: four fronts of one, three of the other


def test_two_nominees_fronts_that_alone_carry_one_text_of_a_season_merge():
    # one operator wrote the same scope text for a front of each nominee; nobody else in the region wrote it
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=[0, 1]) == [0] * 7


def test_a_text_also_carried_elsewhere_or_over_more_than_two_seasons_merges_no_halves():
    assert fronted_merge(HALVES + [2], {"scope": [1, 5, 7]}, fronted=[0, 1]) == HALVES + [2]
    # each half registered on one day, the text's carriers (one in each) 2 x weak_days + 1 apart
    late = [0] * 4 + [2 * S.weak_days + 1] * 3
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=[0, 1], days=late) == HALVES


def test_a_careful_operators_halves_whose_text_he_used_over_two_seasons_merge():
    # sophisticated fronts registered over eight months: the text on a front of each nominee 240 days apart, each
    # half within two seasons (weak_days 180); a season alone kept them apart
    days = [0, 60, 120, 200, 0, 100, 240]
    assert fronted_merge(HALVES, {"scope": [0, 6]}, fronted=[0, 1], days=days) == [0] * 7


def test_only_two_clusters_each_fronted_by_a_nominee_merge():
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=[0]) == HALVES


def paced(labels: list[int], reps: list[str], days: list[int]) -> list[int]:
    """The labels paced_fronts finds fronted at a nominee's pace, given each company's representative and day."""
    rep = np.array([hash(r) & 0xFFFFFFFF for r in reps], dtype=np.uint64)
    got = paced_fronts(np.array(labels), np.arange(len(labels), dtype=np.int64), rep, np.array(days, dtype=np.int64),
                       S.nominee_min_companies, S.weak_days, S.nominee_half_share)
    return [int(x) for x in np.flatnonzero(got)]


def test_a_nominee_s_pace_is_three_fronts_in_a_season_whatever_the_ring_s_whole_span():
    # a careful nominee: five fronts over fourteen months, three of them within 180 days (DOMAIN.md flag 3)
    assert paced([0] * 5, ["N"] * 5, [0, 150, 250, 330, 420]) == [0]
    # a group's executive: three subsidiaries over three years; a serial owner: one company a year
    assert paced([0] * 3, ["G"] * 3, [0, 400, 3 * 365]) == []
    assert paced([0] * 3, ["S"] * 3, [0, 300, 620]) == []
    # three fronts in a season, but of three different people: nobody fronts them
    assert paced([0] * 3, ["A", "B", "C"], [0, 10, 20]) == []
    # the pace counts one person's companies in one cluster, not across clusters
    assert paced([0, 0, 1], ["N"] * 3, [0, 10, 20]) == []


def test_a_nominee_s_fronts_among_more_subsidiaries_of_a_group_are_no_nominee_s_half():
    # five fronts in a season, in one cluster with six subsidiaries of a group: his fronts are under half of it
    labels, reps = [0] * 11, ["N"] * 5 + ["G1", "G1", "G2", "G2", "G3", "G3"]
    days = [0, 30, 60, 90, 120] + [0, 400, 800, 900, 1000, 1100]
    assert paced(labels, reps, days) == []
    assert paced(labels[:10], reps[:10], days[:10]) == [0]  # five of ten: half


def test_a_careful_operator_s_halves_registered_over_more_than_two_seasons_merge_at_a_nominee_s_pace():
    # each half registered over fourteen months, three fronts of each within a season; the text 200 days apart
    days = [0, 50, 130, 420, 0, 50, 130]
    reps = ["N1"] * 4 + ["N2"] * 3
    fronted = [0, 1]
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=fronted, days=days) == HALVES  # two seasons: apart
    assert paced(HALVES, reps, days) == [0, 1]
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=fronted, days=days,
                         paced=paced(HALVES, reps, days)) == [0] * 7


def test_halves_at_a_nominee_s_pace_merge_on_a_text_only_they_carry_whatever_its_carriers_span():
    # the text on the first front of one half and the last of the other, 420 days apart: an operator's text that
    # nobody else in the region wrote does not circulate; without the pace the two-season bound holds
    days = [0, 50, 130, 420, 0, 50, 130]
    halves = [0, 0, 0, 0, 1, 1, 1, 1]
    days, reps = days + [420], ["N1"] * 4 + ["N2"] * 4
    assert fronted_merge(halves, {"scope": [0, 7]}, fronted=[0, 1], days=days) == halves
    assert fronted_merge(halves, {"scope": [0, 7]}, fronted=[0, 1], days=days,
                         paced=paced(halves, reps, days)) == [0] * 8


def test_a_group_whose_subsidiaries_came_over_years_is_no_nominee_s_half():
    # the second cluster reuses one representative, but its members registered over three years: not at a nominee's
    # pace either
    years = [400, 400, 400, 400, 0, 400, 3 * 365]
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=[0, 1], days=years) == HALVES
    paces = paced(HALVES, ["N"] * 4 + ["G"] * 3, years)
    assert paces == [0]
    assert fronted_merge(HALVES, {"scope": [1, 5]}, fronted=[0, 1], days=years, paced=paces) == HALVES


def test_a_half_merges_with_the_half_it_shares_most_such_texts_with():
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    got = fronted_merge(labels, {"a": [0, 3], "b": [1, 4], "c": [2, 6]}, fronted=[0, 1, 2])
    assert got == [0, 0, 0, 0, 0, 0, 1, 1, 1]


def test_zero_turns_the_rule_off():
    assert join(RING + [1], {"line": [2, 3, 5]}, min_members=0) == RING + [1]


def test_the_carriers_are_people_phones_and_scopes_never_rooms_hubs_or_short_scopes():
    line, room, scope = "+865728123456", "330502|红旗路|1|1幢|101", "一般项目：技术服务、技术开发、技术咨询、技术交流"
    companies = [{"company_id": i, "reg_date": d("2026-03-01"), "phone": line, "reg_room_key": room,
                  "scope_key": scope if i < 4 else "技术服务"} for i in range(1, 5)]
    companies.append({"company_id": 5, "reg_date": d("2026-03-01"), "phone": "+8657212345678"})  # its own line
    # the scope, the line; no room
    assert sorted(map(sorted, _values(companies, hub_limit_phone=10))) == [[1, 2, 3], [1, 2, 3, 4]]
    assert sorted(map(len, _values(companies, hub_limit_phone=3))) == [3]  # the line on four companies is a hub


def _values(companies: list[dict], hub_limit_phone: int) -> list[set[int]]:
    """The carriers of each value own_value_carriers reads, after the linking steps that make its inputs."""
    con = given({"stg_companies": table(companies, ("company_id", "rep_id", "reg_date", "phone", "phone_also",
                                                    "reg_room_key", "trade_name", "scope_key")),
                 "stg_accounts": table([], ("company_id", "rep_id", "agent_id", "open_date", "contact_phone",
                                            "contact_phone_also", "agent_phone", "agent_phone_also",
                                            "contact_room_key"))}, settings=Settings(hub_limit_phone=hub_limit_phone))
    run(con, "linking/company_attributes", "linking/attribute_values")
    keys, ids, _ = own_value_carriers(con)
    by_value: dict[int, set[int]] = {}
    for key, company in zip(keys.tolist(), ids.tolist(), strict=True):
        by_value.setdefault(key, set()).add(company)
    return list(by_value.values())



def test_the_cluster_step_merges_single_companies_on_a_season_s_own_scope_text():
    """The whole cluster step, from its input tables: three companies that no link ties, on a scope text nobody
    else writes, registered within one season and tied pair by pair by a crowded building, come out as one cluster;
    without the building, or with a fourth carrier a year and a half earlier, nothing clusters."""
    template = "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广、会议及展览服务"
    own = "一般项目：餐饮管理、食品销售、会议及展览服务、组织文化艺术交流活动"
    season = [(1, "2026-03-01", template), (2, "2026-04-15", template), (3, "2026-05-20", template)]
    building = [(1, 2), (2, 3)]
    assert _clustered(season + [(4, "2025-01-10", own)], building) == [1, 2, 3]
    assert _clustered(season + [(4, "2025-01-10", own)], []) == []
    assert _clustered(season + [(4, "2025-01-10", template)], building) == []


def _registered(companies: list[dict]):
    """A working DB holding these registrations and no account openings, for the cluster step."""
    return given({"stg_companies": table(companies, ("company_id", "rep_id", "reg_date", "phone", "phone_also",
                                                     "reg_room_key", "trade_name", "scope_key", "reg_building_key")),
                  "stg_accounts": table([], ("company_id", "rep_id", "agent_id", "open_date", "contact_phone",
                                             "contact_phone_also", "agent_phone", "agent_phone_also",
                                             "contact_room_key", "days_since_registration"))})


def _cluster_over(con, links: list[dict], as_evidence: bool = False) -> None:
    """The cluster step over these kept links (and, unless `as_evidence` makes them the pair evidence too, no other
    pair evidence: the batch rules' pairs are read from it)."""
    from shellring.flows.pipeline.components import build_company_clusters

    con.register("_links", table(links, ("company_a", "company_b", "score", "families", "full_families", "reason"),
                                 types={"score": pl.Float64, "families": pl.Int64, "full_families": pl.Int64}))
    con.execute("create table company_links_kept as select * from _links")
    if as_evidence:
        con.execute("create table pair_evidence as select company_a, company_b, reason from _links")
    else:
        con.execute("create table pair_evidence (company_a integer, company_b integer, reason varchar)")
    run(con, "linking/company_attributes", "linking/attribute_values")
    build_company_clusters(con, S)


def _clustered(companies: list[tuple[int, str, str]], building_pairs: list[tuple[int, int]]) -> list[int]:
    """Companies in clusters after build_company_clusters, given (id, registration date, scope text) and pairs
    that only a crowded building ties (a third of a link)."""
    from shellring.flows.pipeline.whole_cluster_ties import family_bits

    con = _registered([{"company_id": i, "reg_date": d(day), "scope_key": scope} for i, day, scope in companies])
    place = family_bits(con, ["place"])
    links = [{"company_a": x, "company_b": y, "score": 0.3, "families": place, "full_families": 0}
             for x, y in building_pairs]
    _cluster_over(con, links)
    return [r[0] for r in rows(con, "select company_id from company_clusters order by 1")]


NOMINEE_TEXT = "一般项目：供应链管理服务、国内贸易代理、货物进出口、技术进出口、信息咨询服务"


def test_the_cluster_step_merges_a_careful_operator_s_two_nominee_halves_on_a_text_only_they_carry():
    """Two nominees, four fronts each registered over fourteen months (three of each within a season, a nominee's
    pace), one front of each with a scope text nobody else in the region writes, 200 days apart: one ring. Before,
    a half whose members registered over more than two seasons counted as a group's, and the halves stayed apart."""
    days = ["2025-01-10", "2025-03-01", "2025-05-20", "2026-03-05"]
    first = [(i, "N1", day, NOMINEE_TEXT if i == 2 else None) for i, day in zip(range(1, 5), days, strict=True)]
    second = [(i, "N2", day, NOMINEE_TEXT if i == 7 else None) for i, day in zip(range(5, 9), days, strict=True)]
    assert _fronted_clustered(first + second) == [[1, 2, 3, 4, 5, 6, 7, 8]]


def test_the_cluster_step_keeps_apart_a_serial_owner_and_unrelated_nominees():
    """The same halves sharing no value stay two clusters (two nominees of one district and season are no ring on
    that alone), and a serial owner's three companies a year apart, whose one text a nominee's front also wrote,
    stay apart from the nominee's cluster."""
    days = ["2025-01-10", "2025-03-01", "2025-05-20", "2026-03-05"]
    first = [(i, "N1", day, None) for i, day in zip(range(1, 5), days, strict=True)]
    second = [(i, "N2", day, None) for i, day in zip(range(5, 9), days, strict=True)]
    assert _fronted_clustered(first + second) == [[1, 2, 3, 4], [5, 6, 7, 8]]
    nominee = [(i, "N1", day, NOMINEE_TEXT if i == 2 else None) for i, day in zip(range(1, 5), days, strict=True)]
    owner = [(5, "S", "2023-02-01", None), (6, "S", "2024-03-01", NOMINEE_TEXT), (7, "S", "2025-04-01", None)]
    assert _fronted_clustered(nominee + owner) == [[1, 2, 3, 4], [5, 6, 7]]


def _fronted_clustered(companies: list[tuple[int, str, str, str | None]]) -> list[list[int]]:
    """Clusters after build_company_clusters, given (id, representative, registration date, scope text); each
    representative's companies are linked pair by pair by SAME_REP and by nothing else."""
    from shellring.flows.pipeline.whole_cluster_ties import family_bits

    con = _registered([{"company_id": i, "rep_id": rep, "reg_date": d(day), "scope_key": scope}
                        for i, rep, day, scope in companies])
    own = family_bits(con, ["SAME_REP"])
    links = [{"company_a": x, "company_b": y, "score": 1.2, "families": own, "full_families": own}
             for x, rx, *_ in companies for y, ry, *_ in companies if x < y and rx == ry]
    _cluster_over(con, links)
    return [r[0] for r in rows(con, "select list(company_id order by company_id) from company_clusters "
                                    "group by cluster_no order by 1")]


DEALER_MOBILE = "+8613912345678"


def test_the_cluster_step_merges_two_alternating_agents_halves_on_a_phone_only_they_carry():
    """A careful ring's openings alternate between two agents (经办人), four companies each, registered in one
    spring: each agent's companies are a cluster of their own. The dealer's mobile on one front of each, and on
    no other company in the region: one ring. On a scope text alone (students' and careful rings' shells copy
    their registration agent's templates), with the mobile also on a company outside the two, or with the halves
    more than two seasons apart, they stay two clusters."""
    spring = ["2026-03-01", "2026-03-20", "2026-04-10", "2026-05-01"]
    halves = [(i, "A1", day) for i, day in zip(range(1, 5), spring, strict=True)] + [
        (i, "A2", day) for i, day in zip(range(5, 9), spring, strict=True)]
    assert _agent_clustered(halves, phones={2: DEALER_MOBILE, 7: DEALER_MOBILE}) == [[1, 2, 3, 4, 5, 6, 7, 8]]
    assert _agent_clustered(halves, scopes={2: NOMINEE_TEXT, 7: NOMINEE_TEXT}) == [[1, 2, 3, 4], [5, 6, 7, 8]]
    outsider = [*halves, (9, None, "2026-04-01")]
    assert _agent_clustered(outsider, phones={2: DEALER_MOBILE, 7: DEALER_MOBILE, 9: DEALER_MOBILE}) == [
        [1, 2, 3, 4], [5, 6, 7, 8]]
    later = [(i, "A2", "2027-06-01") for i in range(5, 9)]
    assert _agent_clustered(halves[:4] + later, phones={2: DEALER_MOBILE, 7: DEALER_MOBILE}) == [
        [1, 2, 3, 4], [5, 6, 7, 8]]
    # an agent who opened accounts for four of nine members of a cluster (five more, by agents of their own, tied
    # to them) fronts no half of it
    crowd = halves + [(i, f"X{i}", "2026-04-01") for i in range(9, 14)]
    ties = [(8, i) for i in range(9, 14)] + [(i, i + 1) for i in range(9, 13)]
    assert _agent_clustered(crowd, phones={2: DEALER_MOBILE, 7: DEALER_MOBILE}, ties=ties) == [
        [1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11, 12, 13]]


def _agent_clustered(companies: list[tuple[int, str | None, str]], phones: dict[int, str] | None = None,
                     scopes: dict[int, str] | None = None, ties: list[tuple[int, int]] = ()) -> list[list[int]]:
    """Clusters after build_company_clusters, given (id, the agent who opened its account, registration date);
    each agent's companies are linked pair by pair by SAME_AGENT, and `ties` pairs by a link as strong; each company
    has its own representative."""
    from shellring.flows.pipeline.whole_cluster_ties import family_bits

    phones, scopes = phones or {}, scopes or {}
    registrations = [{"company_id": i, "rep_id": f"R{i}", "reg_date": d(day), "phone": phones.get(i),
                      "scope_key": scopes.get(i)} for i, _, day in companies]
    openings = [{"company_id": i, "rep_id": f"R{i}", "agent_id": agent, "open_date": d(day) + timedelta(days=20),
                 "days_since_registration": 20} for i, agent, day in companies]
    con = given({"stg_companies": table(registrations, ("company_id", "rep_id", "reg_date", "phone", "phone_also",
                                                        "reg_room_key", "trade_name", "scope_key",
                                                        "reg_building_key")),
                 "stg_accounts": table(openings, ("company_id", "rep_id", "agent_id", "open_date", "contact_phone",
                                                  "contact_phone_also", "agent_phone", "agent_phone_also",
                                                  "contact_room_key", "days_since_registration"))})
    own = family_bits(con, ["SAME_AGENT"])
    links = [{"company_a": x, "company_b": y, "score": 1.0, "families": own, "full_families": own}
             for x, ax, _ in companies for y, ay, _ in companies if x < y and ax is not None and ax == ay]
    links += [{"company_a": x, "company_b": y, "score": 1.0, "families": own, "full_families": own} for x, y in ties]
    _cluster_over(con, links)
    return [r[0] for r in rows(con, "select list(company_id order by company_id) from company_clusters "
                                    "group by cluster_no order by 1")]


def test_the_cluster_step_merges_a_batch_opened_at_two_branches_on_a_phone_only_its_halves_carry():
    """A student batch opened at two branches, five companies at each, each half tied together by the batch rules
    and so a cluster of its own: the dealer's mobile on one member of each half, and on no other company in the
    region, makes them one batch. With the mobile also on a company outside the two they stay apart, and so do two
    groups that no batch rule tied (a value two ordinary clusters alone share is no operator's footprint)."""
    halves = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert _batch_clustered(halves, {3: DEALER_MOBILE, 8: DEALER_MOBILE}) == [list(range(1, 11))]
    assert _batch_clustered(halves, {3: DEALER_MOBILE, 8: DEALER_MOBILE, 11: DEALER_MOBILE}) == halves
    assert _batch_clustered(halves, {3: DEALER_MOBILE, 8: DEALER_MOBILE}, batch=False) == halves
    # a nominee's five fronts and a batch meeting at one number are two operations: fronts of two kinds merge not
    assert _batch_clustered(halves, {3: DEALER_MOBILE, 8: DEALER_MOBILE}, nominee_second=True) == halves


def _batch_clustered(halves: list[list[int]], phones: dict[int, str], batch: bool = True,
                     nominee_second: bool = False) -> list[list[int]]:
    """Clusters after build_company_clusters, given groups of companies registered in one March, each group tied
    pair by pair (by BATCH_COHORT when `batch`, else by SAME_BUILDING; the second by SAME_REP, one person
    representing all of it, when `nominee_second`), and the phones some of them carry."""
    from cluster_step import ACCOUNT_COLUMNS, COMPANY_COLUMNS

    from shellring.flows.pipeline.whole_cluster_ties import family_bits

    ids = sorted({c for half in halves for c in half} | set(phones))
    nominee = set(halves[1]) if nominee_second else set()
    con = given({"stg_companies": table([{"company_id": i, "rep_id": "N1" if i in nominee else f"R{i}",
                                          "reg_date": d("2026-03-02"), "phone": phones.get(i)} for i in ids],
                                        COMPANY_COLUMNS),
                 "stg_accounts": table([], ACCOUNT_COLUMNS)})
    family, reason = (["branch"], "BATCH_COHORT") if batch else (["place"], "SAME_BUILDING")
    bits, rep = family_bits(con, family), family_bits(con, ["SAME_REP"])
    pairs = [(x, y) for half in halves for x in half for y in half if x < y]
    links = [{"company_a": x, "company_b": y, "score": 1.0, "families": rep if x in nominee else bits,
              "full_families": rep if x in nominee else bits, "reason": "SAME_REP" if x in nominee else reason}
             for x, y in pairs]
    _cluster_over(con, links, as_evidence=True)
    return [r[0] for r in rows(con, "select list(company_id order by company_id) from company_clusters "
                                    "group by cluster_no order by 1")]
