"""Given/expect for every risk term (rule registry: RISK_TERMS) at, below and above its thresholds, and for
the score and its explanation.

- company-level flags: sql/clusters/company_features.sql over staged companies and accounts;
- group measures with a threshold (banks, the nominee and controller windows, corroboration, brand):
  company_features + sql/clusters/cluster_features.sql over given clusters; the shape measures (one person's
  unrelated companies in a year, a scope text of the cluster's own) sql/clusters/cluster_shape.sql;
- each term's value in 0..1: sql/clusters/cluster_terms.sql over given cluster_features and cluster_shape rows;
- the score and its reasons: sql/clusters/cluster_scores.sql over given cluster_terms rows.

Guards: every registry term has cases here, and every threshold `<term>__<name>` is exercised here and
read by some SQL step (a threshold the SQL never reads is a setting that changes nothing).
"""

from __future__ import annotations

import math
from datetime import timedelta

import polars as pl
import pytest
from ruletables import d, table
from stepkit import given, rows, run

from shellring.flows.core import rules
from shellring.flows.core.settings import RiskTermSetting, Settings
from shellring.flows.core.sqlsteps import SqlStep, SqlStepError
from shellring.flows.pipeline.plan import plan

COMPANY_COLUMNS = ("company_id", "uscc", "reg_date", "rep_age_at_reg", "rep_region", "reg_adcode", "uscc_region",
                   "reg_capital", "rep_id", "phone_is_virtual", "reg_address_notes", "trade_name", "scope_key",
                   "reg_building_key", "reg_room_key")
ACCOUNT_COLUMNS = ("company_id", "bank", "days_since_registration", "open_date", "in_window", "agent_id", "rep_id",
                   "contact_phone_is_virtual", "agent_phone_is_virtual", "contact_room_key")
REG_DATE = d("2026-03-01")


def company(company_id: int, **overrides) -> dict:
    """An unremarkable company: a 45-year-old local representative, 5 million CNY capital."""
    return {"company_id": company_id, "uscc": f"91330106MA{company_id:08d}", "reg_date": REG_DATE,
            "rep_age_at_reg": 45, "rep_region": "330106", "reg_adcode": "330106", "reg_capital": 500.0,
            "rep_id": f"REP{company_id}", **overrides}


def account(company_id: int, days: int = 60, **overrides) -> dict:
    """An account opened `days` after registration by the representative in person."""
    return {"company_id": company_id, "bank": "工商银行", "days_since_registration": days,
            "open_date": REG_DATE + timedelta(days=days), "in_window": True,
            "rep_id": f"REP{company_id}", **overrides}


def company_features(companies: list[dict], accounts: list[dict], settings: Settings | None = None):
    con = given({"stg_companies": table(companies, COMPANY_COLUMNS),
                 "stg_accounts": table(accounts, ACCOUNT_COLUMNS)}, settings=settings)
    run(con, "clusters/company_features")
    return con


# threshold variable -> (company_features column, [(company overrides, account days or None, expected)])
COMPANY_THRESHOLDS = {
    "fast_open_7d__max_days": ("fast_open_7d", [({}, 6, True), ({}, 7, True), ({}, 8, False)]),
    "fast_open_30d__max_days": ("fast_open_30d", [({}, 29, True), ({}, 30, True), ({}, 31, False)]),
    "rep_young__min_age": ("rep_young", [({"rep_age_at_reg": 17}, None, False), ({"rep_age_at_reg": 18}, None, True),
                                         ({"rep_age_at_reg": 19}, None, True)]),
    "rep_young__max_age": ("rep_young", [({"rep_age_at_reg": 21}, None, True), ({"rep_age_at_reg": 22}, None, True),
                                         ({"rep_age_at_reg": 23}, None, False)]),
    "rep_under_30__min_age": ("rep_under_30", [({"rep_age_at_reg": 22}, None, False),
                                               ({"rep_age_at_reg": 23}, None, True),
                                               ({"rep_age_at_reg": 24}, None, True)]),
    "rep_under_30__max_age": ("rep_under_30", [({"rep_age_at_reg": 28}, None, True),
                                               ({"rep_age_at_reg": 29}, None, True),
                                               ({"rep_age_at_reg": 30}, None, False)]),
    "rep_over_40__min_age": ("rep_over_40", [({"rep_age_at_reg": 39}, None, False),
                                             ({"rep_age_at_reg": 40}, None, True),
                                             ({"rep_age_at_reg": 41}, None, True)]),
    "capital_tiny__max_capital_10k_cny": ("capital_tiny", [({"reg_capital": 9.99}, None, True),
                                                           ({"reg_capital": 10.0}, None, True),
                                                           ({"reg_capital": 10.01}, None, False)]),
}


@pytest.mark.parametrize("variable", sorted(COMPANY_THRESHOLDS))
def test_company_flag_at_below_and_above_its_threshold(variable):
    column, cases = COMPANY_THRESHOLDS[variable]
    companies = [company(i, **overrides) for i, (overrides, _, _) in enumerate(cases, 1)]
    accounts = [account(i, days) for i, (_, days, _) in enumerate(cases, 1) if days is not None]
    con = company_features(companies, accounts)
    got = rows(con, f"select company_id, {column} from company_features order by company_id")
    assert got == [(i, expected) for i, (_, _, expected) in enumerate(cases, 1)]


def test_an_account_before_registration_is_no_fast_opening():
    con = company_features([company(1), company(2)],
                           [account(1, -3), account(2, -3), account(2, 40)])  # a pre-registration record
    assert rows(con, "select company_id, days_to_first_account, fast_open_7d, fast_open_30d "
                     "from company_features order by 1") == [(1, None, None, None), (2, 40, False, False)]


# company-level terms without thresholds: term -> company_features column and cases
def test_rep_nonlocal_is_another_province():
    con = company_features([company(1, rep_region="421002"),  # Hubei rep, Hangzhou company
                            company(2, rep_region="330782"),  # Jinhua: another city, same province
                            company(3, rep_region="421002", reg_adcode=None, uscc_region="330106"),  # by USCC
                            company(4)], [])
    assert rows(con, "select company_id, rep_nonlocal from company_features order by 1") == [
        (1, True), (2, False), (3, True), (4, False)]


def test_phone_virtual_on_any_phone():
    con = company_features(
        [company(1, phone_is_virtual=True), company(2), company(3), company(4, phone_is_virtual=False)],
        [account(2, contact_phone_is_virtual=True), account(3, agent_phone_is_virtual=True),
         account(4, contact_phone_is_virtual=False)])
    assert rows(con, "select company_id, phone_virtual from company_features order by 1") == [
        (1, True), (2, True), (3, True), (4, False)]


def test_cluster_address_from_the_address_notes():
    con = company_features([company(1, reg_address_notes=["cluster_registration"]),
                            company(2, reg_address_notes=["workstation"]),
                            company(3, reg_address_notes=["hosted:某商务秘书有限公司"]),
                            company(4, reg_address_notes=["room_guessed"]),
                            company(5, reg_address_notes=None)], [])
    assert rows(con, "select company_id, cluster_address from company_features order by 1") == [
        (1, True), (2, True), (3, True), (4, False), (5, False)]


def test_opened_by_agent_and_rep_is_agent():
    con = company_features(
        [company(1), company(2), company(3), company(4), company(5)],
        [account(1, agent_id="REP2"),  # company 2's representative opened company 1's account
         account(2, agent_id="REP2"),  # her own account, in person
         account(3),  # no agent recorded
         account(4, rep_id=None, agent_id="REP4"),  # the bank did not record the rep, who came in person
         account(5, agent_id="STRANGER")])
    assert rows(con, "select company_id, opened_by_agent, rep_is_agent_elsewhere from company_features "
                     "order by 1") == [(1, True, False), (2, False, True), (3, False, False),
                                       (4, False, False), (5, True, False)]


# ------------------------------------------------------------------------------------------------
# Group measures with thresholds: company_features + cluster_features.

ATTRIBUTE_COLUMNS = ("company_id", "attr_kind", "attr_value", "role", "seen_on")
CLUSTER_COLUMNS = ("company_id", "cluster_no", "cluster_size")
LINK_COLUMNS = ("company_a", "company_b", "reason", "is_link")


def cluster_features(clusters: dict[int, list[dict]], accounts: list[dict] = (), attributes: list[dict] = (),
                     links: list[dict] = (), settings: Settings | None = None):
    """clusters: cluster_no -> its member companies (company() rows)."""
    members = [{"company_id": c["company_id"], "cluster_no": no, "cluster_size": len(cs)}
               for no, cs in clusters.items() for c in cs]
    con = given({"stg_companies": table([c for cs in clusters.values() for c in cs], COMPANY_COLUMNS),
                 "stg_accounts": table(list(accounts), ACCOUNT_COLUMNS),
                 "company_clusters": table(members, CLUSTER_COLUMNS),
                 "company_attributes": table(list(attributes), ATTRIBUTE_COLUMNS),
                 "company_links_kept": table(list(links), LINK_COLUMNS)}, settings=settings)
    run(con, "linking/attribute_values", "clusters/company_features", "clusters/cluster_features",
        "clusters/cluster_shape")
    return con


def with_thresholds(**thresholds: float) -> Settings:
    """Default settings with some risk-term thresholds changed: `nominee__window_days=90`."""
    terms = {code: RiskTermSetting(weight=t.weight, thresholds=dict(t.thresholds))
             for code, t in Settings().risk_terms.items()}
    for variable, value in thresholds.items():
        code, name = variable.split("__")
        terms[code].thresholds[name] = value
    return Settings(risk_terms=terms)


def test_fast_opening_shares_count_every_member_and_openings_count_members_with_an_account():
    # a serial owner's three companies: only the newest opened an account (on its registration day)
    clusters = {1: [company(1), company(2, reg_date=d("2025-03-01")), company(3, reg_date=d("2024-03-01"))]}
    con = cluster_features(clusters, [account(1, 0)])
    assert rows(con, "select share_fast_open_7d, share_fast_open_30d, n_opened_companies, open_span_days "
                     "from cluster_features") == [(1 / 3, 1 / 3, 1, 0)]


def test_multi_bank_counts_members_at_min_banks_or_more():
    # companies with accounts at 1, 2 and 3 banks
    clusters = {1: [company(1), company(2), company(3)]}
    accounts = [account(1), account(2), account(2, bank="建设银行"),
                account(3), account(3, bank="建设银行"), account(3, bank="杭州银行"), account(3, bank="杭州银行")]
    share = "select share_multi_bank from cluster_features"
    assert rows(cluster_features(clusters, accounts), share) == [(2 / 3,)]  # min_banks 2: companies 2, 3
    assert rows(cluster_features(clusters, accounts, settings=with_thresholds(multi_bank__min_banks=3)),
                share) == [(1 / 3,)]
    assert rows(cluster_features(clusters, accounts, settings=with_thresholds(multi_bank__min_banks=1)),
                share) == [(1.0,)]


def test_nominee_counts_one_persons_companies_within_the_window():
    clusters = {
        1: [company(1, rep_id="P"), company(2, rep_id="P", reg_date=d("2026-04-01")),
            company(3, rep_id="P", reg_date=d("2026-08-28"))],  # 180 days after the first: 3 in one window
        2: [company(4, rep_id="Q"), company(5, rep_id="Q", reg_date=d("2026-04-01")),
            company(6, rep_id="Q", reg_date=d("2026-08-29"))],  # 181 days: two windows of 2
        3: [company(7), company(8)],  # everyone fronts one company
    }
    got = "select cluster_no, max_companies_per_rep from cluster_features order by 1"
    assert rows(cluster_features(clusters), got) == [(1, 3), (2, 2), (3, 1)]
    assert rows(cluster_features(clusters, settings=with_thresholds(nominee__window_days=181)), got) == [
        (1, 3), (2, 3), (3, 1)]


def test_controller_counts_companies_with_different_reps_behind_one_phone_or_agent():
    def phone(company_id, value):
        return {"company_id": company_id, "attr_kind": "phone", "attr_value": value, "role": "reg"}

    def agent(company_id, value):
        return {"company_id": company_id, "attr_kind": "person", "attr_value": value, "role": "agent"}

    spread = ["2026-03-01", "2026-04-01", "2026-05-01"]
    clusters = {
        # one mobile, four companies, four reps, registered within 180 days
        1: [company(i, reg_date=d(day)) for i, day in zip((1, 2, 3, 4), [*spread, "2026-08-28"])],
        # the same 181 days apart: not one season
        2: [company(i, reg_date=d(day)) for i, day in zip((5, 6, 7, 8), [*spread, "2026-08-29"])],
        # one agent, three companies, but two of them fronted by one rep: 2
        3: [company(9), company(10, rep_id="R"), company(11, rep_id="R")],
        # a Beijing landline (+8610...) on four subsidiaries of one trade name: a group's switchboard, one name
        4: [company(i, trade_name="华信") for i in (12, 13, 14, 15)],
        # the same kind of line on four trade names, each under its own representative: a dealer's line
        5: [company(i, trade_name=name) for i, name in zip((16, 17, 18, 19), ("华信", "鑫盛", "博远", "华拓"))],
    }
    attributes = ([phone(i, "+8613800001111") for i in (1, 2, 3, 4)]
                  + [phone(i, "+8613900002222") for i in (5, 6, 7, 8)]
                  + [agent(i, "AGENT") for i in (9, 10, 11)]
                  + [phone(i, "+861062345678") for i in (12, 13, 14, 15)]
                  + [phone(i, "+861062349999") for i in (16, 17, 18, 19)])
    got = "select cluster_no, max_companies_per_controller from cluster_features order by 1"
    assert rows(cluster_features(clusters, attributes=attributes), got) == [(1, 4), (2, 0), (3, 2), (4, 1), (5, 4)]
    assert rows(cluster_features(clusters, attributes=attributes,
                                 settings=with_thresholds(controller__window_days=181)), got) == [
        (1, 4), (2, 4), (3, 2), (4, 1), (5, 4)]


def test_controller_needs_most_of_the_numbers_companies_in_the_cluster():
    """A front desk's landline on four new tenants of a season, with ten more tenants of other years outside the
    cluster, serves a business; a dealer's line gives his batch and (almost) nobody else."""
    def phone(company_id, value):
        return {"company_id": company_id, "attr_kind": "phone", "attr_value": value, "role": "reg"}

    names = ("鼎盛", "恒远", "佳禾", "瑞丰")
    clusters = {1: [company(i, trade_name=name) for i, name in zip((1, 2, 3, 4), names, strict=True)],
                2: [company(i, trade_name=name) for i, name in zip((5, 6, 7, 8), names, strict=True)],
                3: [company(i) for i in range(20, 30)] + [company(30)]}  # the desk's other tenants, elsewhere
    attributes = ([phone(i, "+862885551234") for i in (1, 2, 3, 4, *range(20, 30))]
                  + [phone(i, "+862885559876") for i in (5, 6, 7, 8, 30)])
    got = "select cluster_no, max_companies_per_controller from cluster_features where cluster_no < 3 order by 1"
    assert rows(cluster_features(clusters, attributes=attributes), got) == [(1, 0), (2, 4)]
    assert rows(cluster_features(clusters, attributes=attributes, settings=with_thresholds(controller__min_share=0.2)),
                got) == [(1, 4), (2, 4)]


def test_a_cluster_sharing_only_values_mostly_carried_elsewhere_is_a_slice():
    """Four tenants of a season on a front desk's landline and the incubator's floor, both carried mostly by
    tenants of other years elsewhere: a slice, whose burst is where it was cut. The same four on a line of their
    own are no slice, nor is a batch sharing no value at all."""
    def value(company_id, kind, text):
        return {"company_id": company_id, "attr_kind": kind, "attr_value": text, "role": "reg"}

    clusters = {1: [company(i) for i in (1, 2, 3, 4)], 2: [company(i) for i in (5, 6, 7, 8)],
                3: [company(i) for i in (9, 10, 11)], 4: [company(i) for i in range(20, 30)]}
    attributes = ([value(i, "phone", "+862885551234") for i in (1, 2, 3, 4, *range(20, 30))]
                  + [value(i, "room", "FLOOR2") for i in (1, 2, 3, 4, *range(20, 30))]
                  + [value(i, "room", "FLOOR2") for i in (5, 6)]
                  + [value(i, "phone", "+862885559876") for i in (5, 6, 7, 8)])
    got = "select cluster_no, is_slice from cluster_features where cluster_no < 4 order by 1"
    assert rows(cluster_features(clusters, attributes=attributes), got) == [(1, True), (2, False), (3, False)]
    assert rows(cluster_features(clusters, attributes=attributes, settings=Settings(burst_own_share=0.2)),
                got) == [(1, False), (2, False), (3, False)]


def test_corroborated_counts_links_on_min_kinds_independent_reasons():
    clusters = {1: [company(1), company(2), company(3), company(5)], 2: [company(4)]}
    links = [{"company_a": 1, "company_b": 2, "reason": "SAME_REP+SAME_PHONE", "is_link": True},  # a rep's phone
             {"company_a": 1, "company_b": 3, "reason": "SAME_PHONE+SAME_ROOM", "is_link": True},  # two kinds
             # a room and its building
             {"company_a": 2, "company_b": 3, "reason": "SAME_ROOM+SAME_BUILDING", "is_link": True},
             # one branch, twice over (one family), and the nominee: one kind
             {"company_a": 1, "company_b": 5, "reason": "SAME_REP+BATCH_PROFILE+SAME_BRANCH_DAYS", "is_link": True},
             {"company_a": 2, "company_b": 5, "reason": "BATCH_PROFILE+SAME_SCOPE", "is_link": True},  # two kinds
             {"company_a": 3, "company_b": 5, "reason": "SAME_PHONE+SAME_ROOM", "is_link": False},  # no link
             {"company_a": 3, "company_b": 4, "reason": "SAME_PHONE+SAME_ROOM", "is_link": True}]  # leaves the cluster
    share = "select share_corroborated_links from cluster_features where cluster_no = 1"
    assert rows(cluster_features(clusters, links=links), share) == [(2 / 5,)]
    assert rows(cluster_features(clusters, links=links, settings=with_thresholds(corroborated__min_kinds=1)),
                share) == [(1.0,)]
    assert rows(cluster_features(clusters, links=links, settings=with_thresholds(corroborated__min_kinds=3)),
                share) == [(0.0,)]


def test_shared_brand_counts_trade_names_of_min_length():
    clusters = {1: [company(1, trade_name="华信", scope_key="技术服务软件开发会议及展览服务"),
                    company(2, trade_name="华信", scope_key="技术服务软件开发会议及展览服务"),
                    company(3, trade_name="鑫"), company(4, trade_name="鑫")]}
    got = "select share_shared_trade_name, share_template_scope from cluster_features"
    assert rows(cluster_features(clusters), got) == [(0.5, 0.5)]  # a one-character name is no brand
    assert rows(cluster_features(clusters, settings=with_thresholds(shared_brand__min_length=1)), got) == [(1.0, 0.5)]
    assert rows(cluster_features(clusters, settings=with_thresholds(shared_brand__min_length=3)), got) == [(0.0, 0.5)]


def value_features(clusters: dict, outside: list, attributes: list, settings=None) -> list[tuple]:
    """(cluster_no, max_companies_per_value, value_fade, value_span_days) of cluster_features over `clusters`
    (number -> its companies), with `outside` companies in the register but in no cluster."""
    members = [{"company_id": c["company_id"], "cluster_no": no, "cluster_size": len(cs)}
               for no, cs in clusters.items() for c in cs]
    con = given({"stg_companies": table([c for cs in clusters.values() for c in cs] + outside, COMPANY_COLUMNS),
                 "stg_accounts": table([], ACCOUNT_COLUMNS),
                 "company_clusters": table(members, CLUSTER_COLUMNS),
                 "company_attributes": table(attributes, ATTRIBUTE_COLUMNS),
                 "company_links_kept": table([], LINK_COLUMNS)}, settings=settings)
    run(con, "linking/attribute_values", "clusters/company_features", "clusters/cluster_features")
    return [(no, n, pytest.approx(fade), span) for no, n, fade, span in rows(
        con, "select cluster_no, max_companies_per_value, value_fade, value_span_days from cluster_features "
             "order by 1")]


def test_concentration_counts_unrelated_members_on_one_value_that_came_with_them_and_how_long_it_lived():
    def value(company_id, kind, attr, role="reg"):
        return {"company_id": company_id, "attr_kind": kind, "attr_value": attr, "role": role}

    def on(ids, days, **overrides):
        return [company(i, reg_date=d(day), **overrides) for i, day in zip(ids, days, strict=True)]

    in_year = ["2026-03-01", "2026-04-01", "2026-05-01", "2027-03-01"]  # 365 days from first to last
    in_season = ["2026-03-01", "2026-03-15", "2026-04-01", "2026-05-30"]  # 90 days
    clusters = {
        # one landline on four members registered within a year, and on no other company
        1: on((1, 2, 3, 4), in_year),
        # one room, four tenants within a season (room_window_days, 90): a room fills with an
        # incubator's tenants over a year, so a room's season is shorter
        2: on((5, 6, 7, 8), in_season),
        # an agent (person) on four members, who also opened for two companies outside the cluster:
        # 4 of 6 is under min_share (0.8) - an agency's steady clients, not a ring's season
        3: on((9, 10, 11, 12), in_season),
        # one person in two roles on the same company counts it once: 2 companies, under `from` (3)
        4: [company(13), company(14)],
        # a mobile on four members of which two share a trade name (a group's subsidiaries): 3 names
        5: on((17, 18), in_season[:2], trade_name="华信") + on((19, 20), in_season[2:]),
        # a mobile whose four members span 456 days: half way from window_days (365) to 1.5 x that
        6: on((21, 22, 23, 24), ["2026-01-01", "2026-06-01", "2026-12-01", "2027-04-02"]),
        # a room with four tenants of one season and one of two years before: the room's life is the
        # shortest span holding min_share (0.8) of its companies, so the stray tenant does not stretch it
        7: on((25, 26, 27, 28, 29), ["2024-03-01", *in_season]),
        # a mobile on four members of one season, in a cluster that lived for years (8 of its 10 members
        # span 728 days at the shortest): a clerk's season within an agency's years counts as the agency's
        8: on((30, 31, 32, 33), in_season)
        + on((34, 35, 36, 37, 38, 39), ["2024-01-01", "2024-06-01", "2024-12-01", "2025-06-01", "2025-12-01",
                                        "2026-12-01"]),
    }
    outside = [company(15, reg_date=d("2024-01-01")), company(16, reg_date=d("2025-01-01"))]
    attributes = ([value(i, "phone", "+8657188880000") for i in (1, 2, 3, 4)]
                  + [value(i, "room", "330106|R|1|A|101") for i in (5, 6, 7, 8)]
                  + [value(i, "person", "AGENT", "agent") for i in (9, 10, 11, 12, 15, 16)]
                  + [value(13, "person", "P", "rep"), value(13, "person", "P", "agent"), value(14, "person", "P")]
                  + [value(i, "phone", "+8613911112222") for i in (17, 18, 19, 20)]
                  + [value(i, "phone", "+8613933334444") for i in (21, 22, 23, 24)]
                  + [value(i, "room", "330106|R|1|A|202") for i in (25, 26, 27, 28, 29)]
                  + [value(i, "phone", "+8613955556666") for i in (30, 31, 32, 33)])

    def features(settings=None):
        return value_features(clusters, outside, attributes, settings)

    half = (547.5 - 456) / 182.5
    assert features() == [(1, 4, 1.0, 365), (2, 4, 1.0, 90), (3, 0, 0.0, None), (4, 0, 0.0, None),
                          (5, 3, 1.0, 90), (6, 4, half, 456), (7, 5, 1.0, 90), (8, 4, 0.0, 728)]
    # a year less one day: cluster 1 begins to fade, cluster 6 fades faster
    assert features(with_thresholds(concentration__window_days=364))[:1] == [(1, 4, (546 - 365) / 182, 365)]
    # a room's season of 60 days: the rooms fade to nothing at 90 (both are quiet rooms: no other company within a
    # season either side, so their window is quiet_room_window_days, moved with it)
    assert [f[2] for f in features(with_thresholds(concentration__room_window_days=60,
                                                   concentration__quiet_room_window_days=60))] == [
        1.0, 0.0, 0.0, 0.0, 1.0, pytest.approx(half), 0.0, 0.0]
    # fading to nothing at twice the window instead of 1.5 times it
    assert features(with_thresholds(concentration__fade_windows=2))[5] == (6, 4, (730 - 456) / 365, 456)
    # a lower share lets the agent in; its life is then the span of 4 of its 6 companies
    assert features(with_thresholds(concentration__min_share=0.6))[2] == (3, 4, 1.0, 90)
    # `from` and `full_at` choose among values: from 5 only the stray-tenant room is left
    assert [f[1] for f in features(with_thresholds(concentration__from=5))] == [0, 0, 0, 0, 0, 0, 5, 0]


def test_a_room_filled_in_one_season_and_quiet_either_side_counts_a_season_and_an_incubators_room_does_not():
    """A farm's room is done when its batch is registered; an incubator admits tenants as long as it runs. Six
    unrelated tenants over 175 days (five of them within 140) in a room that took no other company a season
    (weak_days, 180) before or after count in full (quiet_room_window_days, 180), where a room with a neighbour in
    time keeps room_window_days (90, nothing at 135). A tenant of years before is a previous tenant, not a
    neighbour; a room whose last season the register does not show yet (its last member within weak_days of the
    register's last registration) is not known to be quiet. On the code before, every one of these rooms faded to
    nothing (140 days > 135)."""
    def tenants(ids, first, names=NAMES):
        return [company(i, reg_date=d(first) + timedelta(days=35 * n), trade_name=names[n])
                for n, i in enumerate(ids)]

    clusters = {
        1: tenants(range(1, 7), "2025-01-01"),      # quiet: a farm's room
        2: tenants(range(11, 17), "2025-01-01"),    # an incubator: one more tenant 60 days after the last member
        3: tenants(range(21, 27), "2025-01-01"),    # a tenant of two years before, and nothing else
        4: tenants(range(31, 37), "2026-01-01"),    # the last member 30 days before the register's last day
        5: tenants(range(41, 47), "2025-01-01"),    # an incubator: one more tenant 100 days before the first
    }
    outside = [company(17, reg_date=d("2025-08-24")), company(27, reg_date=d("2023-01-01")),
               company(47, reg_date=d("2024-09-23")),
               company(90, reg_date=d("2022-01-01")), company(91, reg_date=d("2026-09-01"))]  # the register's ends
    room = {1: "R1", 2: "R2", 3: "R3", 4: "R4", 5: "R5"}
    attributes = ([{"company_id": c["company_id"], "attr_kind": "room", "attr_value": room[no], "role": "reg"}
                   for no, cs in clusters.items() for c in cs]
                  + [{"company_id": i, "attr_kind": "room", "attr_value": f"R{i // 10 + 1}", "role": "reg"}
                     for i in (17, 27, 47)])

    def features(settings=None):
        return value_features(clusters, outside, attributes, settings)

    # 6 of the incubators' 7 companies are members (0.86 >= min_share): they keep the value, at the room's window;
    # with a seventh company on the room its life must hold all six members (175 days). The tenant of two years and
    # a day before is not the room's holder in the members' time (concentration__holders_days, 730): six of six, so
    # its life holds five of them, as the farm's room's does
    assert features() == [(1, 6, 1.0, 140), (2, 6, 0.0, 175), (3, 6, 1.0, 140), (4, 6, 0.0, 140), (5, 6, 0.0, 175)]
    # a quiet room's season of 120 days: nothing at 180
    assert [f[2] for f in features(with_thresholds(concentration__quiet_room_window_days=120))] == [
        pytest.approx(2 / 3), 0.0, pytest.approx(2 / 3), 0.0, 0.0]
    # holders counted within three years either side: the old tenant is the room's again (175 days)
    assert features(with_thresholds(concentration__holders_days=1095))[2] == (3, 6, 1.0, 175)
    # a season of 30 days either side: the incubators' neighbours fall outside it, and the register's last day too
    assert [f[2] for f in features(Settings(weak_days=30))] == [1.0] * 5


def test_a_rooms_tenants_of_other_years_do_not_hide_a_farm_and_an_incubators_other_years_keep_its_slice_apart():
    """A farm fills a room its earlier tenants left years ago: eleven unrelated companies in four months, in a room
    let to three companies in 2013, 2016 and 2020. Counted against every company ever registered there (11 of 14,
    under min_share 0.8) the room was no value of the cluster and the farm scored on its profile alone (the third
    generator's sophisticated farms in busy parks, bench/thirdgen). An incubator's room takes a cohort every year:
    a cluster of one year's six is a slice of the room's intake within two years either side (6 of 12)."""
    names = [*NAMES, "金桥", "润泽", "远航"]

    def tenants(ids, first, step=12):
        return [company(i, reg_date=d(first) + timedelta(days=step * n), trade_name=names[n])
                for n, i in enumerate(ids)]

    clusters = {1: tenants(range(1, 12), "2026-04-05"),   # the farm: 120 days
                2: tenants(range(21, 27), "2025-03-01")}  # one cohort of an incubator's room
    outside = [company(12, reg_date=d("2013-12-10")), company(13, reg_date=d("2016-08-29")),
               company(14, reg_date=d("2020-11-28")),
               *tenants(range(31, 37), "2026-03-01"),     # the incubator's next year's cohort
               company(90, reg_date=d("2010-01-01")), company(91, reg_date=d("2027-12-01"))]  # the register's ends
    attributes = ([{"company_id": i, "attr_kind": "room", "attr_value": "FARM", "role": "reg"}
                   for i in [*range(1, 12), 12, 13, 14]]
                  + [{"company_id": i, "attr_kind": "room", "attr_value": "INCUBATOR", "role": "reg"}
                     for i in [*range(21, 27), *range(31, 37)]])

    def features(settings=None):
        return value_features(clusters, outside, attributes, settings)

    # the farm's room: 11 of the 11 holders of its time, 9 of them within 96 days, quiet either side (a season)
    assert features() == [(1, 11, 1.0, 96), (2, 0, 0.0, None)]
    # counted over every year (holders within 20 years), the farm's room is 11 of 14 again, no value of the cluster
    assert features(with_thresholds(concentration__holders_days=7300)) == [(1, 0, 0.0, None), (2, 0, 0.0, None)]
    # within half a year either side, the incubator's next cohort (a year on) is out of sight and its slice counts
    assert features(with_thresholds(concentration__holders_days=180))[1][:2] == (2, 6)


def test_a_landline_most_of_whose_members_sit_in_one_room_is_the_places_line_not_an_operators_number():
    """An incubator's tenants give its front desk's switchboard as their contact: six tenants of one 众创空间 over
    ten months, all on its landline. Counted as a number (a year's window) the desk line made the incubator one
    operator's year of fronts (the fourth generator's incubators, bench/fourthgen: look-alike FA 0.05-0.06). It is
    the place's line; the room is judged as a room (a season's fill, 90 days: none here). A dealer's landline on six
    fronts at six addresses stays a number, and so does the desk line when only half of its members share the room."""
    def tenants(ids, first, step=75):
        return [company(i, reg_date=d(first) + timedelta(days=step * n), trade_name=NAMES[n])
                for n, i in enumerate(ids)]

    clusters = {1: tenants(range(1, 7), "2025-01-01"),     # the incubator's tenants
                2: tenants(range(11, 17), "2025-01-01"),   # a dealer's fronts
                3: tenants(range(21, 27), "2025-01-01")}   # three in the room, three elsewhere
    outside = [company(90, reg_date=d("2020-01-01")), company(91, reg_date=d("2028-01-01"))]  # the register's ends

    def on(ids, kind, value):
        return [{"company_id": i, "attr_kind": kind, "attr_value": value, "role": "reg"} for i in ids]

    attributes = (on(range(1, 7), "phone", "+8651951838203") + on(range(1, 7), "room", "320411|R|28|6||8|")
                  + on(range(11, 17), "phone", "+8651285759066")
                  + [{"company_id": i, "attr_kind": "room", "attr_value": f"320411|R|{i}|1||2|201", "role": "reg"}
                     for i in range(11, 17)]
                  + on(range(21, 27), "phone", "+8651253554440") + on(range(21, 24), "room", "320506|R|72|1||9|")
                  + [{"company_id": i, "attr_kind": "room", "attr_value": f"320506|S|{i}|1||3|301", "role": "reg"}
                     for i in range(24, 27)])

    # 300 days for five of six: a number counts in full within a year (window_days), a room fades to nothing at 270
    # (a quiet room's season, 180, and half again): the incubator's value is its room, and it counts for nothing
    assert value_features(clusters, outside, attributes) == [(1, 6, 0.0, 300), (2, 6, 1.0, 300), (3, 6, 1.0, 300)]
    # a share of half makes the third cluster's line a place's line too: its value is then the room's three
    assert value_features(clusters, outside, attributes, with_thresholds(concentration__min_share=0.5))[2] == (
        3, 3, 1.0, 150)


def test_a_careful_farm_in_a_quiet_room_flags_by_its_shape_and_an_incubators_room_does_not():
    """Issue 12's careful operator: eight fronts, representatives aged 45, 5 million CNY, accounts 40 days after
    registering, one every 25 days into one room that took nobody else for a season either side: flagged on
    concentration. The same eight in an incubator's room that admitted a tenant a month after them stay unflagged."""
    def tenants(ids, room):
        return [company(i, reg_date=d("2025-01-01") + timedelta(days=25 * n), trade_name=NAMES[n])
                for n, i in enumerate(ids)], [
                {"company_id": i, "attr_kind": "room", "attr_value": room, "role": "reg"} for i in ids]

    farm, farm_rooms = tenants(range(1, 9), "FARM")
    incubator, incubator_rooms = tenants(range(11, 19), "INCUBATOR")
    neighbour = company(19, reg_date=d("2025-07-25"))
    ends = [company(90, reg_date=d("2022-01-01")), company(91, reg_date=d("2026-06-30"))]
    clusters = {1: farm, 2: incubator, 3: [neighbour, *ends]}  # the neighbour and the register's ends: no shape
    accounts = [account(c["company_id"], 40) for c in farm + incubator]
    con = cluster_features(clusters, accounts, farm_rooms + incubator_rooms
                           + [{"company_id": 19, "attr_kind": "room", "attr_value": "INCUBATOR", "role": "reg"}])
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = {no: (score, flagged, codes) for no, score, flagged, codes in rows(
        con, "select cluster_no, risk_score, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")}
    assert got[1][1] and got[1][2][0] == "risk.concentration", got[1]
    assert not got[2][1] and got[2][0] < 35, got[2]


def test_a_farm_that_outgrew_its_room_counts_its_rooms_side_by_side_on_one_floor_as_one_place():
    """A careful farm fills three rooms side by side on one floor over five months, three companies in each, and the
    register ends a month after its last (so no room is known to be quiet): each room alone holds three companies,
    where concentration only begins, over a cluster life of 119 days, past room_window_days (90); but the rooms
    together are the operator's one season intake: nine unrelated companies within a season
    (quiet_room_window_days, 180), in rooms that hold nobody else, count in full, and the cluster flags on
    concentration. A business park's offices of one company each are no shared room; an incubator's two rooms
    filled over years fade with their span; two rooms that other companies share are no cluster's own place; an
    incubator's room with two companies next door is one room, not a farm's rooms. On the code before, the farm's
    best value was one room (3 companies, fade 0.36: concentration nothing) and it stayed unflagged."""
    names = [a + b for a in "鼎恒佳瑞汇益嘉宏" for b in "盛远禾丰"]

    def tenants(ids, first, every, rooms):
        return [company(i, reg_date=d(first) + timedelta(days=every * n), trade_name=names[n])
                for n, i in enumerate(ids)], [
                {"company_id": i, "attr_kind": "room", "attr_value": rooms[n % len(rooms)], "role": "reg"}
                for n, i in enumerate(ids)]

    floor5 = [f"330106|R|1|A|5|50{r}" for r in (1, 2, 3)]
    farm, farm_rooms = tenants(range(1, 10), "2026-01-01", 17, floor5)
    park, park_rooms = tenants(range(11, 17), "2026-01-01", 17, [f"330106|P|1|A|3|30{r}" for r in range(6)])
    incubator, incubator_rooms = tenants(range(21, 27), "2023-01-01", 150, ["330106|I|1|A|2|201", "330106|I|1|A|2|202"])
    shared, shared_rooms = tenants(range(31, 37), "2026-01-01", 17, ["330106|S|1|A|7|701", "330106|S|1|A|7|702"])
    # the shared rooms' other tenants came within two years before the cluster (concentration__holders_days)
    others = [company(i, reg_date=d("2024-06-01") + timedelta(days=100 * n)) for n, i in enumerate(range(41, 45))]
    others_rooms = [{"company_id": c["company_id"], "attr_kind": "room", "role": "reg",
                     "attr_value": shared_rooms[n % 2]["attr_value"]} for n, c in enumerate(others)]
    # an incubator's room of seven with two companies in the room next door: the rooms beyond the fullest hold two,
    # under concentration__from (3), so the room stays one room at its own window (a floor would have counted nine)
    busy, busy_rooms = tenants(range(51, 60), "2026-01-01", 17,
                               ["330106|K|1|A|4|401"] * 7 + ["330106|K|1|A|4|402"] * 2)
    ends = [company(90, reg_date=d("2015-01-01")), company(91, reg_date=d("2026-07-01"))]  # the register's ends
    clusters = {1: farm, 2: park, 3: incubator, 4: shared, 5: busy}
    attributes = farm_rooms + park_rooms + incubator_rooms + shared_rooms + others_rooms + busy_rooms
    assert value_features(clusters, others + ends, attributes) == [
        (1, 9, 1.0, 119), (2, 0, 0.0, None), (3, 6, 0.0, 600), (4, 0, 0.0, None), (5, 7, 16 / 45, 119)]
    assert value_features(clusters, others + ends, attributes, with_thresholds(concentration__from=2))[4] == (
        5, 9, 1.0, 119)
    # the floor's season moves with quiet_room_window_days: 119 days of 100 fade to (150 - 119) / 50
    assert value_features(clusters, others + ends, attributes,
                          with_thresholds(concentration__quiet_room_window_days=100))[0] == (1, 9, 31 / 50, 119)
    # the incubator's rooms hold only its six companies: only its 600 days (five of six) keep them apart from a farm
    assert value_features(clusters, others + ends, attributes,
                          with_thresholds(concentration__quiet_room_window_days=600))[2] == (3, 6, 1.0, 600)
    # the shared rooms hold ten companies, six of them members: at a lower min_share they are the cluster's place
    assert value_features(clusters, others + ends, attributes, with_thresholds(concentration__min_share=0.6))[3] == (
        4, 6, 1.0, 85)

    accounts = [account(c["company_id"], 40) for c in farm]
    con = cluster_features({1: farm, 2: [*ends]}, accounts, farm_rooms)
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = {no: (score, flagged, codes) for no, score, flagged, codes in rows(
        con, "select cluster_no, risk_score, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")}
    assert got[1][1] and got[1][2][0] == "risk.concentration", got[1]


def test_trade_names_sharing_their_stem_are_one_brand():
    """A group's subsidiaries are named after it (宇明, 宇明凯, 宇明宁): counted by brand_stem_length (2) characters
    they are one company for concentration, rep_mass and own_template (and a landline's controller), and the
    shared brand's mitigation sees them; a ring's unrelated names stay apart."""
    text = "软件开发技术服务信息咨询电子产品销售"
    group = ["宇明", "宇明凯", "宇明宁", "宇明旋", "宇明达"]
    ring = ["鼎盛", "恒远", "佳禾", "瑞丰", "汇通"]
    days = ["2026-01-05", "2026-02-05", "2026-03-05", "2026-04-05", "2026-05-05"]

    def members(ids, names, scope):
        return [company(i, reg_date=d(day), trade_name=name, rep_id="ONE", scope_key=scope)
                for i, day, name in zip(ids, days, names, strict=True)]

    clusters = {1: members(range(1, 6), group, text), 2: members(range(11, 16), ring, text + "A")}
    attributes = [{"company_id": c["company_id"], "attr_kind": "phone", "attr_value": f"+86138000000{no}",
                   "role": "reg"} for no, cs in clusters.items() for c in cs]
    con = cluster_features(clusters, attributes=attributes)
    got = rows(con, "select f.cluster_no, f.max_companies_per_value, f.share_shared_trade_name, s.max_names_per_rep, "
                    "s.template_names from cluster_features as f join cluster_shape as s using (cluster_no) order by 1")
    assert got == [(1, 0, 1.0, 1, 0), (2, 5, 0.0, 5, 5)]
    got = rows(cluster_features(clusters, attributes=attributes, settings=Settings(brand_stem_length=4)),
               "select cluster_no, max_companies_per_value, share_shared_trade_name from cluster_features order by 1")
    assert got == [(1, 5, 0.0), (2, 5, 0.0)]  # whole names: the subsidiaries look unrelated


def test_many_kinds_counts_independent_families_of_the_clusters_links_and_the_cluster_life():
    def link(a, b, reason, is_link=True):
        return {"company_a": a, "company_b": b, "reason": reason, "is_link": is_link}

    days = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2027-06-01"]
    brands = ["鼎盛", "恒远", "佳禾", "宇明", "宇明凯"]
    clusters = {1: [company(i, reg_date=d(day), trade_name=brand)
                    for i, day, brand in zip((1, 2, 3, 4, 5), days, brands, strict=True)],
                2: [company(6), company(7, reg_date=None)], 3: [company(8)]}
    links = [link(1, 2, "SAME_BRANCH_DAYS+BATCH_PROFILE"),  # one family (branch), said twice
             link(2, 3, "SAME_CONTACT_ADDRESS+SAME_SCOPE"),  # two more
             link(3, 4, "SIMILAR_PHONE+SAME_BUILDING"),  # a phone range; a building alone corroborates nothing
             link(4, 5, "SAME_REP"),  # one brand's chairman: no nominee, not a kind here
             link(1, 5, "SAME_AGENT", is_link=False),  # evidence under the link threshold
             link(5, 8, "REP_IS_AGENT"),  # a link leaving the cluster
             link(6, 7, "SAME_ROOM+SAME_BUILDING")]
    con = cluster_features(clusters, links=links)
    # life: the shortest span holding 80% of the members (4 of 5: January to April; 1 of 1 company: 0 days;
    # a cluster without dates has none)
    assert rows(con, "select cluster_no, n_evidence_kinds, life_days from cluster_features order by 1") == [
        (1, 4, 90), (2, 1, 0), (3, 0, 0)]
    con = cluster_features(clusters, links=links, settings=with_thresholds(concentration__min_share=1.0))
    assert rows(con, "select life_days from cluster_features where cluster_no = 1") == [(516,)]


def test_many_kinds_counts_a_person_fronting_unrelated_members_as_a_kind_and_nothing_else_on_that_link():
    """A careful operator ties each new company to the next in another way (a phone, a nominee, an agent, a second
    phone): three kinds. A group's chairman fronting two subsidiaries of one brand is no nominee (two kinds), and a
    serial owner's companies share his phone and office through him: one kind, the person, not three."""
    def link(a, b, reason):
        return {"company_a": a, "company_b": b, "reason": reason, "is_link": True}

    def members(ids, brands):
        return [company(i, reg_date=d("2026-03-01"), trade_name=brand) for i, brand in zip(ids, brands, strict=True)]

    unrelated = ["鼎盛", "恒远", "佳禾", "瑞丰", "汇通"]
    clusters = {1: members(range(1, 6), unrelated),
                2: members(range(11, 16), ["鼎盛", "宇明", "宇明凯", "瑞丰", "汇通"]),
                3: members(range(21, 24), unrelated[:3])}
    chain = ["SAME_PHONE", "SAME_REP", "SAME_AGENT", "SAME_PHONE"]
    links = [link(first + i, first + i + 1, reason) for first in (1, 11) for i, reason in enumerate(chain)]
    owner = "SAME_REP+SAME_PHONE+SAME_ROOM+SAME_BUILDING"
    links += [link(21, 22, owner), link(22, 23, owner), link(21, 23, owner)]
    con = cluster_features(clusters, links=links)
    assert rows(con, "select cluster_no, n_evidence_kinds from cluster_features order by 1") == [(1, 3), (2, 2), (3, 1)]


def test_many_kinds_counts_a_family_only_where_it_reaches_a_share_of_the_members():
    """Twelve tenants of one room (incubator-like): a branch's batch among six of them is a kind of evidence, one
    pair's scope text (2 of 12, under min_reach 0.2) is a stray link, not an operator's footprint."""
    def link(a, b, reason):
        return {"company_a": a, "company_b": b, "reason": reason, "is_link": True}

    clusters = {1: [company(i, reg_date=d("2026-01-01")) for i in range(1, 13)]}
    links = [link(i, i + 1, "SAME_ROOM+SAME_BUILDING") for i in range(1, 12)]
    links += [link(i, i + 1, "SAME_BRANCH_DAYS") for i in range(1, 6)]  # members 1-6
    links += [link(1, 2, "SAME_SCOPE")]
    con = cluster_features(clusters, links=links)
    assert rows(con, "select n_evidence_kinds from cluster_features") == [(2,)]  # place, branch
    con = cluster_features(clusters, links=links, settings=with_thresholds(many_kinds__min_reach=0.1))
    assert rows(con, "select n_evidence_kinds from cluster_features") == [(3,)]  # and the scope
    con = cluster_features(clusters, links=links, settings=with_thresholds(many_kinds__min_reach=0.6))
    assert rows(con, "select n_evidence_kinds from cluster_features") == [(1,)]  # the room alone


def test_a_dealer_landline_flags_by_its_shape_and_a_groups_switchboard_does_not():
    """Seven companies on one landline, no young, poor or hasty profile (representatives aged 45, 5 million CNY,
    accounts 40 days after registering): a dealer's seven unrelated companies of one season flag on their shape;
    a group's subsidiaries on its switchboard share a trade name, or came over years, and stay unflagged."""
    def on_line(ids, line, days, names):
        companies = [company(i, reg_date=d(day), trade_name=name)
                     for i, day, name in zip(ids, days, names, strict=True)]
        attributes = [{"company_id": i, "attr_kind": "phone", "attr_value": line, "role": "contact"} for i in ids]
        return companies, attributes, [account(i, 40) for i in ids]

    season = ["2026-01-05", "2026-01-20", "2026-02-10", "2026-03-01", "2026-03-25", "2026-04-15", "2026-05-20"]
    years = ["2022-01-05", "2022-09-20", "2023-05-10", "2024-01-01", "2024-08-25", "2025-04-15", "2026-01-20"]
    distinct = ["鼎盛", "恒远", "佳禾", "瑞丰", "汇通", "益达", "嘉诚"]
    dealer = on_line(range(1, 8), "+8657188001234", season, distinct)
    brand = on_line(range(11, 18), "+8657188005678", season, ["华信"] * 7)  # one trade name, one season
    spread = on_line(range(21, 28), "+8657188009999", years, distinct)  # different names, over four years
    clusters = {1: dealer[0], 2: brand[0], 3: spread[0]}
    con = cluster_features(clusters, dealer[2] + brand[2] + spread[2], dealer[1] + brand[1] + spread[1])
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = {no: (score, flagged, codes) for no, score, flagged, codes in rows(
        con, "select cluster_no, risk_score, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")}
    # the number on its own season's unrelated companies, and nothing else: both shape terms at full, leading
    assert got[1][1] and set(got[1][2][:2]) == {"risk.concentration", "risk.lone_line"}, got[1]
    assert not got[2][1] and not got[3][1], got
    assert got[2][0] < 20 and got[3][0] < 20, got


def shape(clusters: dict[int, list[dict]], outside: list[dict] = (), settings: Settings | None = None,
          columns: str = "*") -> list[tuple]:
    """cluster_shape over given clusters (cluster_no -> company() rows) and companies in no cluster."""
    members = [{"company_id": c["company_id"], "cluster_no": no, "cluster_size": len(cs)}
               for no, cs in clusters.items() for c in cs]
    con = given({"stg_companies": table([c for cs in clusters.values() for c in cs] + list(outside), COMPANY_COLUMNS),
                 "stg_accounts": table([], ACCOUNT_COLUMNS),
                 "company_clusters": table(members, CLUSTER_COLUMNS),
                 "company_attributes": table([], ATTRIBUTE_COLUMNS),
                 "company_links_kept": table([], LINK_COLUMNS)}, settings=settings)
    run(con, "linking/attribute_values", "clusters/company_features", "clusters/cluster_features",
        "clusters/cluster_shape")
    return rows(con, f"select cluster_no, {columns} from cluster_shape order by 1")


NAMES = ["鼎盛", "恒远", "佳禾", "瑞丰", "汇通", "益达", "嘉诚", "宏图"]


def test_rep_mass_counts_one_persons_unrelated_companies_within_a_year():
    def fronted(ids, rep, days, names=NAMES):
        return [company(i, rep_id=rep, reg_date=d(day), trade_name=name)
                for i, day, name in zip(ids, days, names, strict=False)]

    clusters = {
        # a nominee: five companies of five trade names within 300 days
        1: fronted(range(1, 6), "N", ["2026-01-01", "2026-03-01", "2026-05-01", "2026-08-01", "2026-10-28"]),
        # a serial owner: a company every 400 days
        2: fronted(range(11, 15), "S", ["2022-01-01", "2023-02-05", "2024-03-10", "2025-04-14"]),
        # a group's chairman: five subsidiaries of one trade name in a season
        3: fronted(range(21, 26), "C", ["2026-01-01"] * 5, ["华信"] * 5),
        # three companies, then three more 520 days later: three within any year
        4: fronted(range(31, 37), "M", ["2026-01-01", "2026-02-01", "2026-03-01",
                                         "2027-06-05", "2027-07-01", "2027-08-01"]),
        # one person's companies in two clusters count in each cluster apart; a company without a
        # representative or a date counts for none
        5: fronted(range(41, 44), "P", ["2026-01-01"] * 3) + [company(44, rep_id=None), company(45, reg_date=None)],
        6: fronted(range(46, 48), "P", ["2026-01-01"] * 2),
    }
    # each run of a person's companies counts in full within a year and fades to nothing at 1.5 years; the run worth
    # most is kept (its companies past `from`, 3, times its fade), else the longest
    assert shape(clusters, columns="max_names_per_rep, round(rep_mass_fade, 3)") == [
        (1, 5, 1.0), (2, 2, 0.814), (3, 1, 1.0), (4, 4, 0.178), (5, 3, 1.0), (6, 2, 1.0)]
    # the nominee's fifth company thirteen months after the first (397 days): four-fifths of the way to nothing at
    # 547 days; the term was cut at day 365 before (issue 12's careful operator spreads his fronts over months)
    late = {1: fronted(range(1, 6), "N", ["2026-01-01", "2026-03-01", "2026-05-01", "2026-08-01", "2027-02-02"])}
    assert shape(late, columns="max_names_per_rep, round(rep_mass_fade, 3)") == [(1, 5, 0.825)]
    # a window of 540 days (nothing at 810) takes in all six companies (577 days) nearly in full, and the serial
    # owner's three (799 days) barely
    assert shape(clusters, settings=with_thresholds(rep_mass__window_days=540),
                 columns="max_names_per_rep, round(rep_mass_fade, 3)") == [
        (1, 5, 1.0), (2, 3, 0.041), (3, 1, 1.0), (4, 6, 0.863), (5, 3, 1.0), (6, 2, 1.0)]
    # no fading (fade_windows just over 1): only the runs within the year count
    assert shape(clusters, settings=with_thresholds(rep_mass__fade_windows=1.001),
                 columns="max_names_per_rep")[3] == (4, 3)


def test_own_template_counts_unrelated_members_on_a_scope_text_nobody_else_uses_and_how_long_it_was_in_use():
    def on(ids, scope, days, names=NAMES):
        return [company(i, scope_key=scope, reg_date=d(day), trade_name=name)
                for i, day, name in zip(ids, days, names, strict=False)]

    season = ["2026-03-01", "2026-03-15", "2026-04-01", "2026-05-30"]  # 90 days
    own, shared, short = "软件开发技术服务信息咨询电子产品销售", "企业管理咨询商务信息咨询会议会展服务", "贸易"
    clusters = {
        # four unrelated members on a text nobody else uses, in one season
        1: on((1, 2, 3, 4), own, season),
        # four members on a text two companies outside the cluster use too: 4 of 6 is under min_share (0.8)
        2: on((5, 6, 7, 8), shared, season),
        # a text shorter than scope_min_length (15) is a common phrase, not a template
        3: on((9, 10, 11, 12), short, season),
        # four members of which two share a trade name: three unrelated companies
        4: on((13, 14, 15, 16), own + "A", season, ["华信", "华信", "鼎盛", "恒远"]),
        # four members over 456 days: half way from window_days (365) to 1.5 times that
        5: on((17, 18, 19, 20), own + "B", ["2026-01-01", "2026-06-01", "2026-12-01", "2027-04-02"]),
        # four members of one season in a cluster that lived for years (8 of its 10 members span 728 days):
        # an agency's text for a season of its clients, counted at the agency's life
        6: on((21, 22, 23, 24), own + "C", season)
        + on(range(25, 31), None, ["2024-01-01", "2024-06-01", "2024-12-01", "2025-06-01", "2025-12-01",
                                   "2026-12-01"]),
    }
    outside = [company(40, scope_key=shared, reg_date=d("2025-01-01")),
               company(41, scope_key=shared, reg_date=d("2025-06-01"))]
    half = (547.5 - 456) / 182.5
    got = shape(clusters, outside, columns="template_names, template_fade, template_span_days")
    assert got == [(1, 4, 1.0, 90), (2, 0, 0.0, None), (3, 0, 0.0, None), (4, 3, 1.0, 90),
                   (5, 4, pytest.approx(half), 456), (6, 4, 0.0, 728)]
    # a lower share lets the shared text count: its span is that of 4 of its 6 companies (the members')
    assert shape(clusters, outside, with_thresholds(own_template__min_share=0.6),
                 "template_names, template_span_days")[1] == (2, 4, 90)
    # a longer window keeps the 456 days full; fading to nothing at twice the window instead of 1.5 times it
    assert shape(clusters, outside, with_thresholds(own_template__window_days=456),
                 "template_fade")[4] == (5, 1.0)
    assert shape(clusters, outside, with_thresholds(own_template__fade_windows=2),
                 "template_fade")[4] == (5, pytest.approx((730 - 456) / 365))
    # `from` counts unrelated members: from 4 the trade-name pair's cluster has too few
    assert [r[1] for r in shape(clusters, outside, with_thresholds(own_template__from=4),
                                 columns="template_names")] == [4, 0, 0, 0, 4, 4]


def test_own_template_is_judged_where_its_members_carry_it_so_a_province_run_sees_what_a_city_run_sees():
    """The same ring of four on one text, in a city's extract and in a province's: the province adds ten other
    cities' companies, three of which happen to write the ring's text. Counted over the whole extract the ring
    held 4 of 7 of the text's users (under min_share, 0.8) and lost the term in the province; counted in the
    prefectures where its members carry it, it is the same 4 of 4 in both. Users in the ring's own prefecture
    still count (an agency's other clients in its city), and a member in a second prefecture brings that
    prefecture's users in."""
    text = "软件开发技术服务信息咨询电子产品销售"
    season = ["2026-03-01", "2026-03-15", "2026-04-01", "2026-05-30"]
    ring = {1: [company(i, scope_key=text, reg_date=d(day), trade_name=name)
                for i, day, name in zip((1, 2, 3, 4), season, NAMES, strict=False)]}
    city = [company(i, reg_date=d("2025-06-01")) for i in range(10, 30)]
    other_cities = [company(100 + i, reg_adcode=f"33{2 + i % 10:02d}02", reg_date=d("2025-06-01"),
                            scope_key=text if i < 3 else None) for i in range(100)]
    assert {c["reg_adcode"][:4] for c in other_cities} == {f"33{k:02d}" for k in range(2, 12)}
    columns = "template_names, template_fade"
    assert shape(ring, city, columns=columns) == [(1, 4, 1.0)]
    assert shape(ring, city + other_cities, columns=columns) == [(1, 4, 1.0)]
    # a company in the ring's own city writing the text: 4 of 5, the share min_share asks, still the ring's
    neighbour = company(50, scope_key=text, reg_date=d("2024-01-01"))
    assert shape(ring, city + other_cities + [neighbour], columns=columns) == [(1, 4, 1.0)]
    # two of them: 4 of 6, a phrase of the city, in either run
    second = company(51, scope_key=text, reg_date=d("2024-02-01"))
    assert shape(ring, city + [neighbour, second], columns=columns) == [(1, 0, 0.0)]
    assert shape(ring, city + other_cities + [neighbour, second], columns=columns) == [(1, 0, 0.0)]
    # a member registered in Ningbo (3302) brings Ningbo's users of the text in: 4 of 4 + 1 (other_cities[0])
    spread = {1: ring[1][:3] + [dict(ring[1][3], reg_adcode="330203")]}
    assert shape(spread, city + other_cities, columns=columns) == [(1, 4, 1.0)]
    assert shape(spread, city + other_cities + [neighbour], columns=columns) == [(1, 0, 0.0)]


def test_a_nominee_or_a_template_flags_by_shape_and_a_groups_chairman_or_an_agency_does_not():
    """The issue's careful operators: representatives aged 45, 5 million CNY, accounts 40 days after registering.
    One person fronting eight unrelated companies in ten months, or six unrelated companies registered with one
    scope text nobody else uses, flag on their shape; a chairman's subsidiaries of one trade name, and an agency
    whose clients use its text over three years, stay unflagged."""
    months = [f"2026-{m:02d}-05" for m in range(1, 11)]
    years = [f"{y}-{m:02d}-10" for y in (2023, 2024, 2025) for m in (2, 9)]
    text = "软件开发技术服务信息咨询电子产品销售"
    nominee = [company(i, rep_id="NOMINEE", reg_date=d(day), trade_name=name)
               for i, day, name in zip(range(1, 9), months, NAMES, strict=False)]
    chairman = [company(i, rep_id="CHAIR", reg_date=d(day), trade_name="华信")
                for i, day in zip(range(11, 19), months, strict=False)]
    template = [company(i, scope_key=text, reg_date=d(day), trade_name=name)
                for i, day, name in zip(range(21, 27), months, NAMES, strict=False)]
    agency = [company(i, scope_key=text + "A", reg_date=d(day), trade_name=name)
              for i, day, name in zip(range(31, 37), years, NAMES, strict=False)]
    clusters = {1: nominee, 2: chairman, 3: template, 4: agency}
    accounts = [account(c["company_id"], 40) for cs in clusters.values() for c in cs]
    con = cluster_features(clusters, accounts)
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = {no: (score, flagged, codes) for no, score, flagged, codes in rows(
        con, "select cluster_no, risk_score, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")}
    assert got[1][1] and "risk.rep_mass" in got[1][2], got[1]
    assert got[3][1] and got[3][2][0] == "risk.own_template", got[3]
    assert not got[2][1] and not got[4][1], got
    assert got[2][0] < 35 and got[4][0] < 35, got


def test_lone_line_counts_unrelated_members_sharing_nothing_but_a_number_nobody_else_gives_and_their_pace():
    """A dealer's number is all his companies share, each under its own representative; a group's switchboard
    serves one trade name, an agency's line comes with its clerk (a second kind of evidence), a park's serves most
    of its building's tenants (a dealer's few companies in a busy tower do not make his number the tower's), a
    family's companies share a person, and a number many outsiders give is nobody's own. The window grows with the
    number of companies: days_per_company (61) each, fading to nothing at fade_windows (1.5) times that."""
    def link(a, b, reason):
        return {"company_a": a, "company_b": b, "reason": reason, "is_link": True}

    def on(ids, number, names=NAMES, reps=None, days=None):
        ids = list(ids)
        companies = [company(i, trade_name=name, reg_date=d(day) if day else REG_DATE,
                             **({"rep_id": reps[k]} if reps else {}))
                     for k, (i, name, day) in enumerate(zip(ids, names, days or [None] * len(ids), strict=False))]
        attributes = [{"company_id": i, "attr_kind": "phone", "attr_value": number, "role": role}
                      for i in ids for role in ("reg", "contact")]  # one company giving it twice counts once
        return companies, attributes, [link(a, b, "SAME_PHONE") for a, b in zip(ids, ids[1:], strict=False)]

    # five of six within 360 days (6 x 61 = 366: full); all six over 450
    paced = ["2025-01-01", "2025-04-01", "2025-06-30", "2025-09-28", "2025-12-27", "2026-03-27"]
    slow = ["2022-01-01", "2022-09-01", "2023-05-01", "2024-01-01", "2024-09-01", "2025-05-01"]
    clusters = {
        # a dealer: six unrelated companies on one number, nothing else shared
        1: on(range(1, 7), "+8657188001111", days=paced),
        # a group's switchboard: six subsidiaries of one trade name
        2: on(range(11, 17), "+8657188002222", names=["华信"] * 6),
        # an agency's line: its clerk opened every client's account (a second kind of evidence)
        3: on(range(21, 27), "+8657188003333"),
        # a family's six companies under two representatives
        4: on(range(31, 37), "+8613800004444", reps=["FATHER", "SON"] * 3),
        # a number that two companies outside the cluster give too: 6 of 8 is under min_share (0.8)
        5: on(range(41, 47), "+8657188005555"),
        # a small agency's own number on six clients it took on over three years (five of six over 973 days)
        6: on(range(61, 67), "+8657188006666", days=slow),
        # a park's switchboard: six tenants of its one tower, one season
        7: on(range(71, 77), "+8657188007777", days=paced),
        # a dealer who registered three of his six companies in a busy park's tower (3 of its 13 companies)
        8: on(range(81, 87), "+8657188008888", days=paced),
    }
    for c in clusters[7][0]:
        c["reg_building_key"] = "330106|文三路|200|1"
    for c in clusters[8][0][:3]:
        c["reg_building_key"] = "330106|文三路|300|1"
    outside = [company(51, trade_name="远方"), company(52, trade_name="近邻")]
    outside += [company(i, reg_building_key="330106|文三路|300|1") for i in range(90, 100)]  # the busy tower
    attributes = [a for _, attrs, _ in clusters.values() for a in attrs] + [
        {"company_id": i, "attr_kind": "phone", "attr_value": "+8657188005555", "role": "reg"} for i in (51, 52)]
    links = [link_ for _, _, ls in clusters.values() for link_ in ls]
    links += [link(a, b, "SAME_PHONE+SAME_AGENT") for a, b in zip(range(21, 26), range(22, 27), strict=True)]
    members = [{"company_id": c["company_id"], "cluster_no": no, "cluster_size": len(cs)}
               for no, (cs, _, _) in clusters.items() for c in cs]

    def lone(settings=None):
        con = given({"stg_companies": table([c for cs, _, _ in clusters.values() for c in cs] + outside,
                                            COMPANY_COLUMNS),
                     "stg_accounts": table([], ACCOUNT_COLUMNS), "company_clusters": table(members, CLUSTER_COLUMNS),
                     "company_attributes": table(attributes, ATTRIBUTE_COLUMNS),
                     "company_links_kept": table(links, LINK_COLUMNS)}, settings=settings)
        run(con, "linking/attribute_values", "clusters/company_features", "clusters/cluster_features",
            "clusters/cluster_shape")
        return rows(con, "select cluster_no, lone_line_names, lone_line_fade, lone_line_span_days from cluster_shape "
                         "order by 1")

    assert lone() == [(1, 6, 1.0, 360), (2, 1, 1.0, 0), (3, 0, 0.0, None), (4, 2, 1.0, 0), (5, 0, 0.0, None),
                      (6, 6, 0.0, 973), (7, 0, 0.0, None), (8, 6, 1.0, 360)]
    # fewer days per company: 6 x 50 = 300 full, nothing at 450; a slower fade reaches the small agency's
    assert lone(with_thresholds(lone_line__days_per_company=50))[0] == (1, 6, pytest.approx(0.6), 360)
    assert lone(with_thresholds(lone_line__fade_windows=3.5))[5] == (6, 6, pytest.approx((1281 - 973) / 915), 973)
    # a line holding a quarter of a building's companies is that building's line at building_share 0.2
    assert lone(with_thresholds(lone_line__building_share=0.2))[7] == (8, 0, 0.0, None)
    # two kinds allowed: the agency's line counts too; a lower share lets the number outsiders give count
    assert lone(with_thresholds(lone_line__max_kinds=2))[2] == (3, 6, 1.0, 0)
    assert lone(with_thresholds(lone_line__min_share=0.7))[4] == (5, 6, 1.0, 0)


def test_a_big_agencys_number_on_forty_clients_over_three_years_is_no_dealers_batch_however_many_it_holds():
    """A big bookkeeping agency's clerk gives the agency's own number for a client every four weeks, forty over
    three years, each client with its own trade name and representative: a steady pace over years, faster than
    any dealer's. A window that grew by days_per_company (61) per company (2,440 days for forty) read that as a
    dealer's batch; it stops at max_window_days (548), nothing at 822, so the 31 clients in 837 days (80 % of
    them) count nothing, while a dealer's forty in one season, or his twelve over 550 days (one every 50: ten of
    them within 450 days, inside the window), still count."""
    stems = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月星山川风云雷电江河湖海"

    def on(first, number, step_days, n=40):
        companies = [company(first + k, trade_name=stems[k] + "信", reg_date=d("2023-01-01") + timedelta(
                     days=k * step_days)) for k in range(n)]
        attributes = [{"company_id": first + k, "attr_kind": "phone", "attr_value": number, "role": "reg"}
                      for k in range(n)]
        links = [{"company_a": first + k, "company_b": first + k + 1, "reason": "SAME_PHONE", "is_link": True}
                 for k in range(n - 1)]
        return companies, attributes, links

    clusters = {1: on(100, "+8657188140001", 27), 2: on(200, "+8613800140002", 2),
                3: on(300, "+8613800140003", 50, n=12)}
    members = [{"company_id": c["company_id"], "cluster_no": no, "cluster_size": len(cs)}
               for no, (cs, _, _) in clusters.items() for c in cs]

    def lone(settings=None):
        con = given({"stg_companies": table([c for cs, _, _ in clusters.values() for c in cs], COMPANY_COLUMNS),
                     "stg_accounts": table([], ACCOUNT_COLUMNS), "company_clusters": table(members, CLUSTER_COLUMNS),
                     "company_attributes": table([a for _, attrs, _ in clusters.values() for a in attrs],
                                                 ATTRIBUTE_COLUMNS),
                     "company_links_kept": table([x for _, _, ls in clusters.values() for x in ls], LINK_COLUMNS)},
                    settings=settings)
        run(con, "linking/attribute_values", "clusters/company_features", "clusters/cluster_features",
            "clusters/cluster_shape")
        return rows(con, "select cluster_no, lone_line_names, round(lone_line_fade, 3), lone_line_span_days "
                         "from cluster_shape order by 1")

    # twelve over 550 days: 10 of them (80 %) within 450 days, under the 548-day window: full
    assert lone() == [(1, 40, 0.0, 837), (2, 40, 1.0, 62), (3, 12, 1.0, 450)]
    # a window that stops at a year fades the slow dealer's: (547.5 - 450) / 182.5
    assert lone(with_thresholds(lone_line__max_window_days=365))[2] == (3, 12, round(97.5 / 182.5, 3), 450)
    # a window that grows without a cap reads the agency as a dealer (the old rule: 40 x 61 days)
    assert lone(with_thresholds(lone_line__max_window_days=10_000))[0] == (1, 40, 1.0, 837)


def test_a_dealer_who_spreads_his_companies_over_sixteen_months_flags_and_a_small_agency_or_a_group_does_not():
    """Issue 12's careful dealer: seven companies on one number over 498 days (past concentration's window: 0.73 of
    it), each its own representative aged 45, 5 million CNY, accounts 40 days after registering. The number is
    all they share, gathered at a dealer's pace: flagged. A small agency giving its own number for seven clients it
    took on over three years, and a group's seven subsidiaries of one trade name on its switchboard over the same
    498 days, stay unflagged."""
    def on_line(ids, number, step_days, names=NAMES):
        days = [d("2025-01-01") + timedelta(days=k * step_days) for k in range(len(ids))]
        companies = [company(i, reg_date=day, trade_name=name) for i, day, name in zip(ids, days, names,
                                                                                       strict=False)]
        attributes = [{"company_id": i, "attr_kind": "phone", "attr_value": number, "role": "reg"} for i in ids]
        links = [{"company_a": a, "company_b": a + 1, "reason": "SAME_PHONE", "is_link": True} for a in ids[:-1]]
        accounts = [account(i, 40, open_date=day + timedelta(days=40)) for i, day in zip(ids, days, strict=True)]
        return companies, attributes, links, accounts

    dealer = on_line(list(range(1, 8)), "+8657188001234", 83)
    agency = on_line(list(range(11, 18)), "+8657188005678", 183)
    group = on_line(list(range(21, 28)), "+8657188009999", 83, ["华信"] * 7)
    parts = (dealer, agency, group)
    con = cluster_features({1: dealer[0], 2: agency[0], 3: group[0]}, [a for p in parts for a in p[3]],
                           [a for p in parts for a in p[1]], [link for p in parts for link in p[2]])
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = {no: (score, flagged, codes) for no, score, flagged, codes in rows(
        con, "select cluster_no, risk_score, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")}
    assert got[1][1] and "risk.lone_line" in got[1][2], got[1]
    assert not got[2][1] and not got[3][1], got
    assert got[2][0] < 20 and got[3][0] < 20, got


def test_three_weak_coincidences_among_a_seasons_new_companies_flag_and_an_agencys_clients_over_years_do_not():
    """Issue 12's careful weak-links ring: six companies of six trade names and representatives (aged 38, from
    another province, 5 million CNY, accounts 40 days after registering) registered over a hundred days, tied by
    three independent weak coincidences, none shared by all: a contact room, mobiles of one range, openings at one
    branch within days.
    Three kinds of evidence count in full: 66 (main counted them half: 41.7, under the flag). A bookkeeping
    agency's six clients with its phone, its clerk and its contact address, taken on over three years, and a
    season's two-kind cluster (a contact room and a branch) stay unflagged."""
    def cluster(ids, step_days, pairs):
        days = [d("2025-01-01") + timedelta(days=k * step_days) for k in range(len(ids))]
        companies = [company(i, reg_date=day, trade_name=name, rep_age_at_reg=38, rep_region="510104")
                     for i, day, name in zip(ids, days, NAMES, strict=False)]
        accounts = [account(i, 40, open_date=day + timedelta(days=40)) for i, day in zip(ids, days, strict=True)]
        links = [{"company_a": ids[a], "company_b": ids[b], "reason": reason, "is_link": True}
                 for reason, chain in pairs.items() for a, b in chain]
        return companies, accounts, links

    weak = {"SAME_CONTACT_ADDRESS": [(0, 1), (1, 2), (3, 4)], "SIMILAR_PHONE": [(0, 3), (2, 5)],
            "SAME_BRANCH_DAYS": [(4, 5)], "SAME_BRANCH_DAYS+SAME_CONTACT_ADDRESS": [(1, 4)]}
    ring = cluster(list(range(1, 7)), 20, weak)
    agency = cluster(list(range(11, 17)), 180, {"SAME_PHONE": [(0, 1), (1, 2), (3, 4)], "SAME_AGENT": [(0, 3), (2, 5)],
                                                "SAME_CONTACT_ADDRESS": [(1, 4), (4, 5)]})
    two_kinds = cluster(list(range(21, 27)), 20, {k: v for k, v in weak.items() if k != "SIMILAR_PHONE"}
                        | {"SAME_CONTACT_ADDRESS": [(0, 1), (1, 2), (3, 4), (0, 3), (2, 5)]})
    parts = (ring, agency, two_kinds)
    con = cluster_features({1: ring[0], 2: agency[0], 3: two_kinds[0]}, [a for p in parts for a in p[1]],
                           links=[link for p in parts for link in p[2]])
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = {no: (kinds, score, flagged, codes) for no, kinds, score, flagged, codes in rows(
        con, """select cluster_no, n_evidence_kinds, risk_score, flagged, [c['keys'][1] for c in reason_codes]
                from cluster_scores join cluster_features using (cluster_no)""")}
    assert [got[no][0] for no in (1, 2, 3)] == [3, 3, 2], got
    assert got[1][2] and "risk.many_kinds" in got[1][3], got
    assert not got[2][2] and not got[3][2], got
    assert got[2][1] < 20, got


def test_a_contact_address_that_is_the_members_own_room_is_no_second_kind_of_evidence():
    """Six tenants of one incubator room give the bank that room as their contact address too; those that arrived
    seasons apart link on the contact address alone. That restates where they are registered: two kinds (the place
    and a branch's days), and the cluster stays unflagged (main counted three: the incubator's address twice).
    A careful weak-links ring, each member registered in its own room but giving the bank one office as contact,
    keeps three kinds and flags on them, whatever its ordinary profile (45-year-old local representatives,
    5 million CNY, accounts after 60 days)."""
    def cluster(ids, rooms, contact, pairs):
        days = [d("2025-01-01") + timedelta(days=20 * k) for k in range(len(ids))]
        companies = [company(i, reg_date=day, trade_name=name, reg_room_key=room)
                     for i, day, name, room in zip(ids, days, NAMES, rooms, strict=False)]
        accounts = [account(i, 60, open_date=day + timedelta(days=60), contact_room_key=contact)
                    for i, day in zip(ids, days, strict=True)]
        links = [{"company_a": ids[a], "company_b": ids[b], "reason": reason, "is_link": True}
                 for reason, chain in pairs.items() for a, b in chain]
        return companies, accounts, links

    branch = {"SAME_BRANCH_DAYS": [(0, 2), (1, 4), (3, 5)]}
    shared_contact = {"SAME_CONTACT_ADDRESS": [(3, 4), (4, 5), (0, 5)]}
    incubator = cluster(list(range(1, 7)), ["R1"] * 6, "R1",
                        {"SAME_ROOM": [(0, 1), (1, 2), (2, 3)]} | shared_contact | branch)
    ring = cluster(list(range(11, 17)), [f"R{i}" for i in range(11, 17)], "OFFICE",
                   {"SIMILAR_PHONE": [(0, 1), (1, 2), (2, 3)]} | shared_contact | branch)
    con = cluster_features({1: incubator[0], 2: ring[0]}, incubator[1] + ring[1],
                           links=incubator[2] + ring[2])
    run(con, "clusters/cluster_terms", "clusters/cluster_scores")
    got = dict(rows(con, "select cluster_no, n_evidence_kinds from cluster_features"))
    assert got == {1: 2, 2: 3}, got
    scores = {no: (flagged, codes) for no, flagged, codes in rows(
        con, "select cluster_no, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")}
    assert scores[2][0] and scores[2][1][0] == "risk.many_kinds", scores
    assert not scores[1][0], scores


SHAPE_AT_FULL = {"concentration": {"max_companies_per_value": 6, "value_fade": 1.0},
                 "many_kinds": {"n_evidence_kinds": 3, "life_days": 100},
                 "rep_mass": {"max_names_per_rep": 8, "rep_mass_fade": 1.0},
                 "own_template": {"template_names": 5, "template_fade": 1.0},
                 "lone_line": {"lone_line_names": 6, "lone_line_fade": 1.0}}


@pytest.mark.parametrize("term", sorted(SHAPE_AT_FULL))
def test_a_shape_term_at_full_flags_a_cluster_on_its_own(term):
    """Issue 12: the shape of a cluster must be able to flag it on its own. Members who look like ordinary
    business people (every representative over 40, nothing else of the profile) and one shape term at full --
    eight unrelated companies on one person within a year, a scope text of their own, a number that is all six of
    them share, three independent kinds of evidence in one season, six on a value of their own: flagged, with that
    term as the first reason. Main weighted four of them below the baseline (rep_mass 3.0 alone scored 23.1)."""
    con = cluster_terms([{"cluster_no": 1, "share_rep_over_40": 1.0, **SHAPE_AT_FULL[term]}])
    run(con, "clusters/cluster_scores")
    ((score, flagged, codes),) = rows(
        con, "select risk_score, flagged, [c['keys'][1] for c in reason_codes] from cluster_scores")
    assert flagged and codes == [f"risk.{term}"], (score, codes)
    assert getattr(rules.risk_term(term), "shape", False)  # declared as the shape (validate_registry checks it)


def test_every_shape_term_is_at_full_at_its_case_and_the_registry_refuses_one_that_cannot_flag():
    assert {t.code for t in rules.RISK_TERMS if t.shape} == set(SHAPE_AT_FULL)
    _registry_refuses(rules.RiskTerm("weak_shape", 3.0, shape=True), "弱",
                      "weak_shape is the cluster's shape.*baseline 4.2")


CLUSTER_FEATURE_THRESHOLDS = {"many_kinds__min_reach", "multi_bank__min_banks", "nominee__window_days",
                              "controller__window_days", "controller__min_share",
                              "corroborated__min_kinds", "shared_brand__min_length", "concentration__window_days",
                              "concentration__room_window_days", "concentration__quiet_room_window_days",
                              "concentration__fade_windows", "concentration__holders_days",
                              "concentration__min_share", "rep_mass__window_days", "rep_mass__fade_windows",
                              "own_template__min_share",
                              "own_template__window_days", "own_template__fade_windows", "lone_line__min_share",
                              "lone_line__max_kinds", "lone_line__days_per_company", "lone_line__max_window_days",
                              "lone_line__fade_windows", "lone_line__building_share"}


# ------------------------------------------------------------------------------------------------
# Each term's value: cluster_terms over given cluster_features rows.

FEATURE_COLUMNS = ("cluster_no", "n_companies", "reg_span_days", "open_span_days", "max_companies_per_rep",
                   "max_companies_per_controller", "share_fast_open_7d", "share_fast_open_30d", "share_rep_young",
                   "share_rep_under_30", "share_rep_over_40", "share_rep_nonlocal", "share_capital_tiny",
                   "share_phone_virtual", "share_cluster_address", "share_multi_bank", "share_rep_is_agent",
                   "share_template_scope", "share_opened_by_agent", "share_corroborated_links",
                   "share_shared_trade_name", "max_companies_per_value", "value_fade", "n_evidence_kinds",
                   "life_days", "n_opened_companies", "value_kind", "value_holders", "is_slice")
FEATURE_TYPES = {"cluster_no": "bigint", "n_companies": "bigint", "reg_span_days": "bigint",
                 "open_span_days": "bigint", "max_companies_per_rep": "bigint",
                 "max_companies_per_controller": "bigint", "max_companies_per_value": "bigint",
                 "n_evidence_kinds": "bigint", "life_days": "bigint", "n_opened_companies": "bigint",
                 "value_kind": "varchar", "value_holders": "bigint", "is_slice": "boolean"}
QUIET = {"n_companies": 5, "reg_span_days": 1000, "open_span_days": 1000, "max_companies_per_rep": 1,
         "max_companies_per_controller": 0, "max_companies_per_value": 0, "n_evidence_kinds": 0,
         "life_days": 1000, "n_opened_companies": 5, "value_kind": None, "value_holders": None,
         "is_slice": False}  # every share 0


SHAPE_COLUMNS = ("cluster_no", "max_names_per_rep", "rep_mass_fade", "template_names", "template_fade",
                 "template_span_days", "lone_line_names", "lone_line_fade")
SHAPE_TYPES = {"cluster_no": "bigint", "max_names_per_rep": "bigint", "rep_mass_fade": "double",
               "template_names": "bigint",
               "template_fade": "double", "template_span_days": "bigint", "lone_line_names": "bigint",
               "lone_line_fade": "double"}


def cluster_terms(features: list[dict], settings: Settings | None = None, drop_term: str | None = None):
    """features: cluster_features values, and cluster_shape values (SHAPE_COLUMNS) for the shape terms."""
    con = given({}, settings=settings)
    for table_name, columns, types, quiet in (("cluster_features", FEATURE_COLUMNS, FEATURE_TYPES, QUIET),
                                              ("cluster_shape", SHAPE_COLUMNS, SHAPE_TYPES, {})):
        values = []
        for row in features:
            full = {c: 0.0 for c in columns} | quiet | {c: v for c, v in row.items() if c in columns}
            values.append("(" + ", ".join("null" if full[c] is None else repr(full[c]) for c in columns) + ")")
        typed = ", ".join(f"{c}::{types.get(c, 'double')} as {c}" for c in columns)
        con.execute(f"create table {table_name} as select {typed} from (values {', '.join(values)}) "
                    f"as t({', '.join(columns)})")
    if drop_term:
        con.execute("delete from risk_terms where term = ?", [drop_term])
    run(con, "clusters/cluster_terms")
    return con


def shares(column: str) -> list[tuple[dict, float]]:
    """A share term passes its share through (a missing share is none)."""
    return [({column: 0.0}, 0.0), ({column: 0.4}, 0.4), ({column: 1.0}, 1.0), ({column: None}, 0.0)]


# a cluster whose concentration is full on one room (room_intake's cases)
room = {"max_companies_per_value": 90, "value_fade": 1.0, "value_kind": "room"}
young_and_hasty = {"share_fast_open_7d": 1.0, "share_rep_young": 1.0, "share_capital_tiny": 1.0}
# term -> [(cluster_features values, expected term value)], at default settings
TERM_CASES: dict[str, list[tuple[dict, float]]] = {
    "bias": [({}, 1.0)],
    "fast_open_7d": shares("share_fast_open_7d"),
    "fast_open_30d": shares("share_fast_open_30d"),
    "rep_young": shares("share_rep_young"),
    "rep_under_30": shares("share_rep_under_30"),
    # a mitigation of the profile only: here against a profile (every member opened within a week) that outweighs it
    "rep_over_40": [({**case, "share_fast_open_7d": 1.0}, value) for case, value in shares("share_rep_over_40")],
    "rep_nonlocal": shares("share_rep_nonlocal"),
    # from 1.5 years of the cluster's life to two; a mitigation of the profile only: here against a profile that
    # outweighs it at full (opened within a week, aged 18-22, tiny capital: 2.2 + 2.6 + 0.8 = 5.6)
    "long_intake": [({"life_days": days, **young_and_hasty}, value)
                    for days, value in ((548, 0.0), (639, 0.5), (730, 1.0), (None, 0.0))],
    "capital_tiny": shares("share_capital_tiny"),
    "phone_virtual": shares("share_phone_virtual"),
    "cluster_address": shares("share_cluster_address"),
    "multi_bank": shares("share_multi_bank"),
    "rep_is_agent": shares("share_rep_is_agent"),
    "opened_by_agent": shares("share_opened_by_agent"),
    "corroborated": shares("share_corroborated_links"),
    "template_scope": shares("share_template_scope"),
    "shared_brand": shares("share_shared_trade_name"),
    # full within burst_days (90), fading linearly to nothing at fade_days (365); fewer than 3 companies: none
    "reg_burst": [({"n_companies": 3, "reg_span_days": 0}, 1.0), ({"n_companies": 3, "reg_span_days": 90}, 1.0),
                  ({"n_companies": 3, "reg_span_days": 91}, 274 / 275),
                  ({"n_companies": 3, "reg_span_days": 364}, 1 / 275),
                  ({"n_companies": 3, "reg_span_days": 365}, 0.0), ({"n_companies": 3, "reg_span_days": 366}, 0.0),
                  ({"n_companies": 2, "reg_span_days": 0}, 0.0), ({"n_companies": 4, "reg_span_days": 0}, 1.0),
                  ({"n_companies": 3, "reg_span_days": None}, 0.0),  # no dates, no burst
                  ({"n_companies": 3, "reg_span_days": 0, "is_slice": True}, 0.0)],  # a busy value's season slice
    # as reg_burst, over the members that opened an account: one opening among three members is no burst
    "open_burst": [({"n_opened_companies": 3, "open_span_days": 0}, 1.0),
                   ({"n_opened_companies": 3, "open_span_days": 0, "is_slice": True}, 0.0),
                   ({"n_opened_companies": 3, "open_span_days": 90}, 1.0),
                   ({"n_opened_companies": 3, "open_span_days": 91}, 274 / 275),
                   ({"n_opened_companies": 3, "open_span_days": 365}, 0.0),
                   ({"n_opened_companies": 3, "open_span_days": 366}, 0.0),
                   ({"n_opened_companies": 2, "open_span_days": 0}, 0.0),
                   ({"n_opened_companies": 1, "n_companies": 3, "open_span_days": 0}, 0.0),
                   ({"n_opened_companies": 3, "open_span_days": None}, 0.0)],  # no member with an account: no burst
    # 3 or more companies of one person: 1; 2: partial (0.3); 1: none
    "nominee": [({"max_companies_per_rep": 1}, 0.0), ({"max_companies_per_rep": 2}, 0.3),
                ({"max_companies_per_rep": 3}, 1.0), ({"max_companies_per_rep": 4}, 1.0)],
    # 4 or more companies behind one mobile or agent: 1; 3: partial (0.5); 2: none
    "controller": [({"max_companies_per_controller": 2}, 0.0), ({"max_companies_per_controller": 3}, 0.5),
                   ({"max_companies_per_controller": 4}, 1.0), ({"max_companies_per_controller": 5}, 1.0)],
    "pair_only": [({"n_companies": 2}, 1.0), ({"n_companies": 3}, 0.0)],
    # nothing at 2 kinds of evidence, full at 3, times the cluster's life: full within 270 days, nothing at 405
    "many_kinds": [({"n_evidence_kinds": 2, "life_days": 0}, 0.0), ({"n_evidence_kinds": 3, "life_days": 0}, 1.0),
                   ({"n_evidence_kinds": 4, "life_days": 270}, 1.0), ({"n_evidence_kinds": 6, "life_days": 0}, 1.0),
                   ({"n_evidence_kinds": 4, "life_days": 337}, 68 / 135),
                   ({"n_evidence_kinds": 3, "life_days": 337}, 68 / 135),
                   ({"n_evidence_kinds": 4, "life_days": 405}, 0.0), ({"n_evidence_kinds": 4, "life_days": 500}, 0.0),
                   ({"n_evidence_kinds": 4, "life_days": None}, 0.0)],  # no dates, no life
    # nothing up to 3 unrelated companies on one value, rising linearly to full at 6, times the value's fade
    "concentration": [({"max_companies_per_value": 0, "value_fade": 1.0}, 0.0),
                      ({"max_companies_per_value": 3, "value_fade": 1.0}, 0.0),
                      ({"max_companies_per_value": 4, "value_fade": 1.0}, 1 / 3),
                      ({"max_companies_per_value": 5, "value_fade": 1.0}, 2 / 3),
                      ({"max_companies_per_value": 6, "value_fade": 1.0}, 1.0),
                      ({"max_companies_per_value": 18, "value_fade": 1.0}, 1.0),
                      ({"max_companies_per_value": 18, "value_fade": 0.5}, 0.5),
                      ({"max_companies_per_value": 4, "value_fade": 0.5}, 1 / 6),
                      ({"max_companies_per_value": 18, "value_fade": 0.0}, 0.0),
                      ({"max_companies_per_value": 18, "value_fade": None}, 0.0)],
    # concentration's value taken back where it rests on a room of more than 80 companies and nothing else ties the
    # members (under two kinds of evidence, no rep_mass, own_template or lone_line); a phone or a person: never
    "room_intake": [({**room, "value_holders": 81}, 1.0), ({**room, "value_holders": 80}, 0.0),
                    ({**room, "value_holders": 81, "value_fade": 0.5}, 0.5),
                    ({**room, "value_holders": 81, "value_kind": "phone"}, 0.0),
                    ({**room, "value_holders": 81, "n_evidence_kinds": 1}, 1.0),
                    ({**room, "value_holders": 81, "n_evidence_kinds": 2}, 0.0),
                    ({**room, "value_holders": 81, "max_names_per_rep": 4, "rep_mass_fade": 1.0}, 0.0),
                    ({**room, "value_holders": 81, "template_names": 3, "template_fade": 1.0}, 0.0),
                    ({**room, "value_holders": 81, "lone_line_names": 4, "lone_line_fade": 1.0}, 0.0),
                    ({**room, "value_holders": None}, 0.0)],
    # nothing up to 3 unrelated companies one person fronts within a year, full at 8, times how briefly he gathered
    # them; no shape row: none
    "rep_mass": [({"max_names_per_rep": 1, "rep_mass_fade": 1.0}, 0.0),
                 ({"max_names_per_rep": 3, "rep_mass_fade": 1.0}, 0.0),
                 ({"max_names_per_rep": 4, "rep_mass_fade": 1.0}, 0.2),
                 ({"max_names_per_rep": 6, "rep_mass_fade": 1.0}, 0.6),
                 ({"max_names_per_rep": 8, "rep_mass_fade": 1.0}, 1.0),
                 ({"max_names_per_rep": 15, "rep_mass_fade": 1.0}, 1.0),
                 ({"max_names_per_rep": 15, "rep_mass_fade": 0.5}, 0.5),
                 ({"max_names_per_rep": 6, "rep_mass_fade": 0.5}, 0.3),
                 ({"max_names_per_rep": 8, "rep_mass_fade": 0.0}, 0.0),
                 ({"max_names_per_rep": None, "rep_mass_fade": None}, 0.0)],
    # nothing up to 2 unrelated companies on a scope text of the cluster's own, full at 5, times its fade
    "own_template": [({"template_names": 0, "template_fade": 0.0}, 0.0),
                     ({"template_names": 2, "template_fade": 1.0}, 0.0),
                     ({"template_names": 3, "template_fade": 1.0}, 1 / 3),
                     ({"template_names": 5, "template_fade": 1.0}, 1.0),
                     ({"template_names": 9, "template_fade": 1.0}, 1.0),
                     ({"template_names": 9, "template_fade": 0.25}, 0.25),
                     ({"template_names": 4, "template_fade": 0.5}, 1 / 3),
                     ({"template_names": None, "template_fade": None}, 0.0)],
    # nothing up to 3 unrelated companies sharing only one number of their own, full at 6, times its pace's fade;
    # no shape row: none
    "lone_line": [({"lone_line_names": 0, "lone_line_fade": 0.0}, 0.0),
                  ({"lone_line_names": 3, "lone_line_fade": 1.0}, 0.0),
                  ({"lone_line_names": 4, "lone_line_fade": 1.0}, 1 / 3),
                  ({"lone_line_names": 6, "lone_line_fade": 1.0}, 1.0),
                  ({"lone_line_names": 19, "lone_line_fade": 1.0}, 1.0),
                  ({"lone_line_names": 19, "lone_line_fade": 0.4}, 0.4),
                  ({"lone_line_names": 4, "lone_line_fade": 0.5}, 1 / 6),
                  ({"lone_line_names": None, "lone_line_fade": None}, 0.0)],
}
TERM_THRESHOLDS = {"reg_burst__min_companies", "reg_burst__fade_days", "open_burst__min_companies",
                   "open_burst__fade_days", "nominee__full_at", "nominee__partial_at", "nominee__partial",
                   "controller__full_at", "controller__partial_at", "controller__partial", "concentration__from",
                   "concentration__full_at", "many_kinds__from", "many_kinds__full_at", "many_kinds__window_days",
                   "many_kinds__fade_windows", "rep_mass__from", "rep_mass__full_at", "own_template__from",
                   "own_template__full_at", "lone_line__from", "lone_line__full_at", "room_intake__more_than",
                   "long_intake__from_days", "long_intake__full_days"}


def test_every_risk_term_has_cases():
    assert set(TERM_CASES) == {term.code for term in rules.RISK_TERMS}


def test_every_threshold_is_exercised_here():
    declared = {f"{t.code}__{name}" for t in rules.RISK_TERMS for name in t.thresholds}
    assert set(COMPANY_THRESHOLDS) | CLUSTER_FEATURE_THRESHOLDS | TERM_THRESHOLDS == declared


def test_every_threshold_is_read_by_some_sql_step():
    declared = {f"{t.code}__{name}" for t in rules.RISK_TERMS for name in t.thresholds}
    used = set().union(*(step.used_params() for _, step in plan() if isinstance(step, SqlStep)))
    assert declared - used == set()


@pytest.mark.parametrize("term", sorted(TERM_CASES))
def test_risk_term_value_and_contribution(term):
    cases = TERM_CASES[term]
    con = cluster_terms([{"cluster_no": i, **features} for i, (features, _) in enumerate(cases, 1)])
    # a term whose measure is missing (NULL) has no row: it contributes nothing, as a value of 0 would
    got = rows(con, "select f.cluster_no, coalesce(t.value, 0), coalesce(t.contribution, 0) from cluster_features "
                    "as f left join cluster_terms as t on t.cluster_no = f.cluster_no and t.term = ? order by 1",
               [term])
    weight = Settings().risk_terms[term].weight
    assert [(no, pytest.approx(value)) for no, value, _ in got] == [
        (i, pytest.approx(expected)) for i, (_, expected) in enumerate(cases, 1)]
    assert [c for _, _, c in got] == pytest.approx([expected * weight for _, expected in cases])


def test_a_long_intake_offsets_the_profile_terms_never_the_shape():
    """Members who came over two years are a place's intake: their young, hasty profile counts for nothing, but
    one person fronting eight of them within the year's window still flags."""
    con = cluster_terms([
        {"cluster_no": 1, "life_days": 800, "share_fast_open_7d": 1.0, "share_rep_young": 1.0},  # profile 4.8
        {"cluster_no": 2, "life_days": 800, "share_fast_open_30d": 0.5},  # profile 0.4: offsets the 0.4
        {"cluster_no": 3, "life_days": 800, "max_names_per_rep": 8, "rep_mass_fade": 1.0},  # shape: untouched
        {"cluster_no": 4, "life_days": 300, "share_fast_open_7d": 1.0}])  # a season: nothing to take back
    run(con, "clusters/cluster_scores")
    got = rows(con, "select cluster_no, contribution from cluster_terms where term = 'long_intake' order by 1")
    assert [c for _, c in got] == pytest.approx([-4.8, -0.4, 0.0, 0.0])
    flagged = rows(con, "select cluster_no, flagged from cluster_scores order by 1")
    assert flagged == [(1, False), (2, False), (3, True), (4, False)]


def test_older_representatives_offset_the_profile_terms_never_the_shape():
    """rep_over_40 takes away at most what the profile terms added: a careful operator's ordinary-looking members
    do not explain away one person or phone behind a season's new companies."""
    older = {"share_rep_over_40": 1.0}
    con = cluster_terms([
        {"cluster_no": 1, **older, "max_names_per_rep": 8, "rep_mass_fade": 1.0},  # shape only: nothing to offset
        {"cluster_no": 2, **older, "share_fast_open_30d": 0.5},  # profile 0.4 < 1.2: offsets the 0.4
        {"cluster_no": 3, "share_rep_over_40": 0.5, "share_fast_open_7d": 1.0},  # profile 2.2 > 0.6: all of it
        {"cluster_no": 4, **older, "share_fast_open_30d": 0.5, "share_capital_tiny": 1.0},  # 0.4 + 0.8 = 1.2: all
        {"cluster_no": 5, **older, "share_rep_is_agent": 1.0, "share_template_scope": 1.0},  # not profile terms
        {"cluster_no": 6, **older, "share_fast_open_30d": 0.5, "share_shared_trade_name": 1.0},  # brand is no profile
    ])
    got = rows(con, "select cluster_no, value, contribution from cluster_terms where term = 'rep_over_40' order by 1")
    assert [(no, value) for no, value, _ in got] == [(1, 1.0), (2, 1.0), (3, 0.5), (4, 1.0), (5, 1.0), (6, 1.0)]
    assert [c for _, _, c in got] == pytest.approx([0.0, -0.4, -0.6, -1.2, 0.0, -0.4])
    # the shape's own terms are untouched
    assert rows(con, "select contribution from cluster_terms where cluster_no = 1 and term = 'rep_mass'") == [
        (rules.risk_term("rep_mass").weight,)]


def test_only_a_mitigation_may_offset_the_profile_only():
    _registry_refuses(rules.RiskTerm("older", 1.2, profile=True, offsets_profile_only=True), "年长",
                      "older offsets the profile only")


def _registry_refuses(term, zh_sentence: str, match: str) -> None:
    """The registry with one more risk term (and its sentences) fails validation with `match`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rules, "RISK_TERMS", (*rules.RISK_TERMS, term))
        patch.setitem(rules.SENTENCES["en"], f"risk.{term.code}", term.code)
        patch.setitem(rules.SENTENCES["zh"], f"risk.{term.code}", zh_sentence)
        with pytest.raises(rules.RuleRegistryError, match=match):
            rules.validate_registry()


def test_a_burst_is_half_way_half_way_between_burst_days_and_fade_days():
    # burst_days 95, fade_days 365: a span of 230 days is half way
    con = cluster_terms([{"cluster_no": 1, "n_companies": 3, "n_opened_companies": 3, "reg_span_days": 230,
                          "open_span_days": 230}],
                        Settings(burst_days=95))
    assert rows(con, "select term, value from cluster_terms where term like '%_burst' order by 1") == [
        ("open_burst", 0.5), ("reg_burst", 0.5)]


def test_moved_term_thresholds_move_the_values():
    settings = with_thresholds(nominee__full_at=5, nominee__partial_at=3, nominee__partial=0.4,
                               controller__full_at=3, controller__partial_at=2, controller__partial=0.25,
                               reg_burst__min_companies=4, reg_burst__fade_days=190)
    con = cluster_terms([
        {"cluster_no": 1, "max_companies_per_rep": 2, "max_companies_per_controller": 1, "n_companies": 3,
         "reg_span_days": 0},
        {"cluster_no": 2, "max_companies_per_rep": 3, "max_companies_per_controller": 2, "n_companies": 4,
         "reg_span_days": 140},  # (190 - 140) / (190 - 90)
        {"cluster_no": 3, "max_companies_per_rep": 5, "max_companies_per_controller": 3, "n_companies": 4,
         "reg_span_days": 190}], settings)
    got = rows(con, "select cluster_no, term, value from cluster_terms where term in ('nominee', 'controller', "
                    "'reg_burst') order by 1, 2")
    assert got == [(1, "controller", 0.0), (1, "nominee", 0.0), (1, "reg_burst", 0.0),
                   (2, "controller", 0.25), (2, "nominee", 0.4), (2, "reg_burst", 0.5),
                   (3, "controller", 1.0), (3, "nominee", 1.0), (3, "reg_burst", 0.0)]


def test_term_sentences_carry_the_measured_value():
    con = cluster_terms([{"cluster_no": 1, "share_fast_open_7d": 0.25, "max_companies_per_rep": 3,
                          "max_companies_per_controller": 4, "reg_span_days": 40, "open_span_days": 12,
                          "n_companies": 2}], Settings(language="en"))
    says = dict(rows(con, "select term, says from cluster_terms"))
    assert says["fast_open_7d"] == "25% of companies opened an account within 7 days of registration"
    assert says["nominee"] == "one person is legal representative of 3 member companies within 180 days"
    assert says["controller"] == ("one mobile, landline or account-opening agent serves 4 member companies with "
                                  "different representatives (a landline: and different trade names) within 180 days")
    assert says["reg_burst"] == "registrations bunched within 40 days"
    assert says["open_burst"] == "account openings bunched within 12 days"
    assert says["pair_only"] == "only two companies: a pair is weak evidence of a ring"
    con = cluster_terms([{"cluster_no": 1, "max_companies_per_value": 14, "value_fade": 1.0}], Settings(language="en"))
    assert rows(con, "select says from cluster_terms where term = 'concentration'") == [(
        "14 member companies with different trade names on one person, phone or room (or on rooms of one floor "
        "that each hold several of them) that carries (almost) no other company (a room: none registered within two "
        "years of them), registered within a year (a room: 90 days, or 180 when the room took no other company for "
        "180 days either side, rooms of one floor 180), counting less up to half as long again",)]


def test_shape_terms_say_how_many_companies():
    con = cluster_terms([{"cluster_no": 1, "max_names_per_rep": 9, "rep_mass_fade": 1.0, "template_names": 6,
                          "template_fade": 1.0}], Settings(language="en"))
    says = dict(rows(con, "select term, says from cluster_terms where term in ('rep_mass', 'own_template')"))
    assert says == {
        "rep_mass": "one person is legal representative of 9 member companies with different trade names within "
                    "a year (counting less up to half as long again)",
        "own_template": "6 member companies with different trade names registered with one word-for-word business "
                        "scope that (almost) no other company in their prefectures uses, within a year (counting "
                        "less up to half as long again)"}


def test_many_kinds_says_how_many_kinds():
    con = cluster_terms([{"cluster_no": 1, "n_evidence_kinds": 4, "life_days": 60}], Settings(language="en"))
    assert rows(con, "select value, says from cluster_terms where term = 'many_kinds'") == [(
        1.0, "4 independent kinds of shared evidence tie members registered within nine months (counting less up "
             "to half as long again)")]


def test_an_undeclared_term_stops_the_run_naming_it():
    with pytest.raises(SqlStepError, match="risk term pair_only is not declared"):
        cluster_terms([{"cluster_no": 1}], drop_term="pair_only")


# ------------------------------------------------------------------------------------------------
# The score and its explanation: cluster_scores over given cluster_terms rows.

TERM_ROW_COLUMNS = ("cluster_no", "term", "term_no", "value", "contribution", "says", "pct", "shown_value")
TERM_NO = {term.code: no for no, term in enumerate(rules.RISK_TERMS, 1)}  # the registry's order


def scored(terms: list[tuple[int, str, float, str]], settings: Settings | None = None):
    con = given({"cluster_terms": table([{"cluster_no": no, "term": term, "term_no": TERM_NO[term], "value": 1.0,
                                          "contribution": c, "says": says} for no, term, c, says in terms],
                                        TERM_ROW_COLUMNS, types={"value": pl.Float64})},
                settings=settings)
    run(con, "clusters/cluster_scores")
    return con


def test_score_is_the_logistic_sum_and_lists_reasons_and_mitigations_beyond_explain_min():
    terms = [(1, "bias", -4.2, "baseline"),
             (1, "fast_open_7d", 2.2, "fast"),
             (1, "nominee", 0.48, "nominee"),
             (1, "template_scope", 0.3, "template"),  # exactly explain_min_contribution: a reason
             (1, "opened_by_agent", 0.29, "agent"),  # just below: not listed
             (1, "pair_only", -0.3, "pair"),  # exactly -explain_min_contribution: a mitigation
             (1, "shared_brand", -0.29, "brand"),  # just above: not listed
             (1, "rep_over_40", -1.2, "older reps"),
             (2, "bias", -4.2, "baseline"), (2, "fast_open_7d", 2.2, "fast"), (2, "rep_young", 2.6, "young"),
             (2, "nominee", 1.6, "nominee")]
    con = scored(terms, Settings(explain_min_contribution=0.3, flag_threshold=50))
    got = rows(con, "select cluster_no, risk_score, flagged, reasons, mitigations from cluster_scores order by 1")
    low = round(100 / (1 + math.exp(-(-4.2 + 2.2 + 0.48 + 0.3 + 0.29 - 0.3 - 0.29 - 1.2))), 1)
    high = round(100 / (1 + math.exp(-(-4.2 + 2.2 + 2.6 + 1.6))), 1)
    assert (low, high) == (6.2, 90.0)
    assert got == [(1, low, False, ["fast", "nominee", "template"], ["older reps", "pair"]),
                   (2, high, True, ["young", "fast", "nominee"], None)]


def test_the_flag_threshold_applies_to_the_rounded_score():
    con = scored([(1, "bias", -4.2, "baseline"), (1, "fast_open_7d", 4.2, "fast"),  # sum 0: 50.0
                  (2, "bias", -4.2, "baseline"), (2, "fast_open_7d", 4.19, "fast")],  # 100 / (1 + e^0.01)
                 Settings(flag_threshold=50))
    assert round(100 / (1 + math.exp(0.01)), 1) == 49.8
    assert rows(con, "select cluster_no, risk_score, flagged from cluster_scores order by 1") == [
        (1, 50.0, True), (2, 49.8, False)]


def test_reasons_with_equal_contributions_are_listed_later_declared_term_first():
    # the same contribution from two terms (0.5 x 0.8 each), given in both orders: the registry declares
    # capital_tiny before multi_bank and rep_over_40 before shared_brand
    terms = [(1, "bias", -4.2, "baseline"), (1, "multi_bank", 0.4, "banks"), (1, "capital_tiny", 0.4, "capital"),
             (1, "rep_over_40", -0.6, "older"), (1, "shared_brand", -0.6, "brand"),
             (2, "bias", -4.2, "baseline"), (2, "capital_tiny", 0.4, "capital"), (2, "multi_bank", 0.4, "banks"),
             (2, "shared_brand", -0.6, "brand"), (2, "rep_over_40", -0.6, "older")]
    con = scored(terms)
    assert rows(con, "select cluster_no, reasons, mitigations from cluster_scores order by 1") == [
        (1, ["banks", "capital"], ["brand", "older"]), (2, ["banks", "capital"], ["brand", "older"])]


def test_a_big_rooms_season_intake_alone_is_taken_back_and_a_farm_that_shares_a_template_there_still_flags():
    """A room past hub_limit_room that filled in one season links (attribute_values): a farm's batch or a new
    incubator's intake (DOMAIN.md §1: legal cluster registration exists). Ten companies each, one room each, one a
    week: the farm's members also carry one word-for-word scope text nobody else uses (own_template), the incubator's
    tenants nothing else. Where the room holds more companies than room_intake__more_than, the incubator's
    concentration is taken back (room_intake) and it stays unflagged, the farm flags on its shape; at or under it
    (a small room, as the default 80 makes these) both flag on concentration as before."""
    names = [chr(0x4E00 + 3 * i) + chr(0x4E01 + 3 * i) for i in range(10)]
    template = "软件开发技术服务信息咨询电子产品销售"

    def tenants(ids, room, scope):
        return [company(i, reg_date=d("2025-01-01") + timedelta(days=7 * n), trade_name=names[n], scope_key=scope)
                for n, i in enumerate(ids)], [
                {"company_id": i, "attr_kind": "room", "attr_value": room, "role": "reg"} for i in ids]

    farm, farm_rooms = tenants(range(1, 11), "FARM", template)
    incubator, incubator_rooms = tenants(range(11, 21), "INCUBATOR", None)
    accounts = [account(c["company_id"], 40) for c in farm + incubator]

    def scored(more_than):
        con = cluster_features({1: farm, 2: incubator}, accounts, farm_rooms + incubator_rooms,
                               settings=with_thresholds(room_intake__more_than=more_than))
        run(con, "clusters/cluster_terms", "clusters/cluster_scores")
        terms = dict(rows(con, "select cluster_no, map_from_entries(list((term, contribution))) from cluster_terms "
                               "group by 1"))
        flags = dict(rows(con, "select cluster_no, flagged from cluster_scores"))
        says = dict(rows(con, "select cluster_no, [(c['keys'][1], c['value']) for c in mitigation_codes] "
                              "from cluster_scores"))
        return {no: (flags[no], terms[no]["concentration"], terms[no]["room_intake"], says[no]) for no in (1, 2)}

    big = scored(9)
    assert big[1][:3] == (True, 5.0, 0.0), big[1]
    assert big[2][:3] == (False, 5.0, -5.0), big[2]
    assert ("risk.room_intake", "10") in big[2][3], big[2]
    for small in (scored(10), scored(80)):
        assert small[1][:3] == (True, 5.0, 0.0) and small[2][:3] == (True, 5.0, 0.0), small
