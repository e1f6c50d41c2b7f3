"""Given/expect for every verdict kind (rule registry: VERDICT_KINDS) and for the one flag decision.

Cluster verdicts: sql/history/member_verdict_flags.sql + cluster_verdict_effects.sql (+ clusters/cluster_flags.sql)
over a cluster's current members, the members it had when the verdict was made, and its score.
Link verdicts: sql/history/effective_verdicts.sql + dropped_links.sql + company_links_kept.sql.
Every expected sentence is written out literally. `test_every_verdict_kind_has_a_case` fails when a kind
is added to the registry without a case here.
"""

from __future__ import annotations

import pytest
from ruletables import table, ts
from stepkit import given, rows, run

from shellring.flows.core import rules
from shellring.flows.core.settings import Settings

MEMBER_COLUMNS = ("cluster_no", "company_id", "uscc")
ID_COLUMNS = ("cluster_no", "cluster_id", "inherited")
VERDICT_COLUMNS = ("verdict_id", "target", "cluster_id", "uscc_a", "uscc_b", "verdict", "made_by", "made_at",
                   "note", "run_id", "region")
VERDICT_MEMBER_COLUMNS = ("cluster_id", "run_id", "uscc")
SCORE_COLUMNS = ("cluster_no", "risk_score", "flagged", "reasons", "mitigations", "reason_codes", "mitigation_codes")
ENGLISH = Settings(language="en")  # the cases below are written in English; Chinese has its own test
FEATURE_COLUMNS = ("cluster_no", "n_window_companies")


def clusters_with_verdicts(clusters: list[dict], settings: Settings | None = None):
    """clusters: dicts of cluster_no, now (member USCCs), then (members when the verdict was made; None: no
    verdict), verdict, by, on, score, window (members with an account in the audit window)."""
    settings = settings or ENGLISH
    members, ids, verdicts, before, scores, features = [], [], [], [], [], []
    company_id = 0
    for c in clusters:
        no, cluster_id = c["cluster_no"], f"C{c['cluster_no']:03d}"
        ids.append({"cluster_no": no, "cluster_id": cluster_id, "inherited": True})
        for uscc in c["now"]:
            company_id += 1
            members.append({"cluster_no": no, "company_id": company_id, "uscc": uscc})
        if c.get("verdict"):
            verdicts.append({"verdict_id": no, "target": "cluster", "cluster_id": cluster_id, "verdict": c["verdict"],
                             "made_by": c["by"], "made_at": ts(c["on"] + " 09:30:00"), "run_id": "run-0"})
            before += [{"cluster_id": cluster_id, "run_id": "run-0", "uscc": u} for u in c["then"]]
        score = c["score"]
        scores.append({"cluster_no": no, "risk_score": score, "flagged": score >= settings.flag_threshold,
                       "reasons": c.get("reasons"), "mitigations": None})
        features.append({"cluster_no": no, "n_window_companies": c.get("window", 1)})
    con = given({"cur_members": table(members, MEMBER_COLUMNS), "stable_cluster_ids": table(ids, ID_COLUMNS),
                 "effective_verdicts": table(verdicts, VERDICT_COLUMNS),
                 "verdict_members": table(before, VERDICT_MEMBER_COLUMNS),
                 "cluster_scores": table(scores, SCORE_COLUMNS),
                 "cluster_features": table(features, FEATURE_COLUMNS)}, settings=settings)
    run(con, "history/member_verdict_flags", "history/cluster_verdict_effects", "clusters/cluster_flags")
    return con


def effects(con) -> list[tuple]:
    return rows(con, "select cluster_no, verdict, flagged, verdict_overridden, n_added, says "
                     "from cluster_verdict_effects order by 1")


CLUSTER_CASES = {
    # flagged whatever the score; the companies added since are counted
    "confirmed_ring": (
        [{"cluster_no": 1, "now": ["U1", "U2", "U3"], "then": ["U1", "U2"], "verdict": "confirmed_ring",
          "by": "Li", "on": "2026-10-01", "score": 20.0}],
        [(1, "confirmed_ring", True, False, 1, "confirmed ring by Li on 2026-10-01; 1 companies added since")]),
    # unflagged though the model flags it: nothing was added
    "false_positive": (
        [{"cluster_no": 1, "now": ["U1", "U2"], "then": ["U1", "U2"], "verdict": "false_positive",
          "by": "Wang", "on": "2026-09-15", "score": 80.0},
         # a member left, none joined: still nothing added
         {"cluster_no": 2, "now": ["U3", "U4"], "then": ["U3", "U4", "U5"], "verdict": "false_positive",
          "by": "Wang", "on": "2026-09-15", "score": 80.0}],
        [(1, "false_positive", False, False, 0,
          "marked false positive by Wang on 2026-09-15; no companies added since - kept unflagged"),
         (2, "false_positive", False, False, 0,
          "marked false positive by Wang on 2026-09-15; no companies added since - kept unflagged")]),
    # re-raised when companies joined since and the score still flags; kept unflagged otherwise
    "legitimate_group": (
        [{"cluster_no": 1, "now": ["U1", "U2", "U3", "U4"], "then": ["U1", "U2"], "verdict": "legitimate_group",
          "by": "Li", "on": "2026-10-01", "score": 71.2},
         {"cluster_no": 2, "now": ["U5", "U6", "U7"], "then": ["U5", "U6"], "verdict": "legitimate_group",
          "by": "Li", "on": "2026-10-01", "score": 42.5},
         {"cluster_no": 3, "now": ["U8", "U9"], "then": ["U8", "U9"], "verdict": "legitimate_group",
          "by": "Li", "on": "2026-10-01", "score": 90.0}],
        [(1, "legitimate_group", True, True, 2,
          "marked legitimate group by Li on 2026-10-01; 2 companies added since, risk 71.2 - re-raised"),
         (2, "legitimate_group", False, False, 1,
          "marked legitimate group by Li on 2026-10-01; 1 companies added since, risk 42.5 below the flag "
          "threshold - kept unflagged"),
         (3, "legitimate_group", False, False, 0,
          "marked legitimate group by Li on 2026-10-01; no companies added since - kept unflagged")]),
    # flagged as scored, the verdict shown
    "needs_review": (
        [{"cluster_no": 1, "now": ["U1", "U2", "U3"], "then": ["U1"], "verdict": "needs_review",
          "by": "Zhao", "on": "2026-10-02", "score": 64.0},
         {"cluster_no": 2, "now": ["U4", "U5"], "then": ["U4", "U5"], "verdict": "needs_review",
          "by": "Zhao", "on": "2026-10-02", "score": 49.9}],
        [(1, "needs_review", True, False, 2, "marked needs review by Zhao on 2026-10-02"),
         (2, "needs_review", False, False, 0, "marked needs review by Zhao on 2026-10-02")]),
}


@pytest.mark.parametrize("kind", sorted(CLUSTER_CASES))
def test_cluster_verdict(kind):
    clusters, expected = CLUSTER_CASES[kind]
    assert effects(clusters_with_verdicts(clusters)) == expected


def test_new_members_are_marked_new_since_the_verdict():
    con = clusters_with_verdicts(CLUSTER_CASES["legitimate_group"][0])
    assert rows(con, "select cluster_no, m.uscc, new_since_verdict from member_verdict_flags join cur_members as m "
                     "using (cluster_no, company_id) order by 1, 2") == [
        (1, "U1", False), (1, "U2", False), (1, "U3", True), (1, "U4", True),
        (2, "U5", False), (2, "U6", False), (2, "U7", True), (3, "U8", False), (3, "U9", False)]


def test_verdict_sentences_in_chinese():
    clusters = CLUSTER_CASES["confirmed_ring"][0] + [
        {**CLUSTER_CASES["legitimate_group"][0][0], "cluster_no": 2, "by": "李"}]
    clusters[0] = {**clusters[0], "by": "李"}
    says = [s for *_, s in effects(clusters_with_verdicts(clusters, Settings(language="zh")))]
    assert says == ["已由李于2026-10-01确认为团伙；此后新增1家企业",
                    "已由李于2026-10-01标记为正常企业集团；此后新增2家企业，风险分71.2，重新预警"]


# ------------------------------------------------------------------------------------------------
# The flag: score >= flag_threshold or not x a member in the audit window or not x the verdict in force.

HIGH, LOW = 80.0, 30.0
VERDICT_STATES = {
    "none": {},
    "confirmed_ring": {"verdict": "confirmed_ring", "then": "all"},
    "legitimate_not_grown": {"verdict": "legitimate_group", "then": "all"},
    "legitimate_grown": {"verdict": "legitimate_group", "then": "first"},
    "needs_review": {"verdict": "needs_review", "then": "all"},
}
# (verdict state, score, members in the window) -> flagged, by hand
FLAG_TABLE = [
    ("none", HIGH, 1, True), ("none", HIGH, 0, False), ("none", LOW, 1, False), ("none", LOW, 0, False),
    ("confirmed_ring", HIGH, 1, True), ("confirmed_ring", HIGH, 0, False),
    ("confirmed_ring", LOW, 1, True), ("confirmed_ring", LOW, 0, False),
    ("legitimate_not_grown", HIGH, 1, False), ("legitimate_not_grown", HIGH, 0, False),
    ("legitimate_not_grown", LOW, 1, False), ("legitimate_not_grown", LOW, 0, False),
    ("legitimate_grown", HIGH, 1, True), ("legitimate_grown", HIGH, 0, False),
    ("legitimate_grown", LOW, 1, False), ("legitimate_grown", LOW, 0, False),
    ("needs_review", HIGH, 1, True), ("needs_review", HIGH, 0, False),
    ("needs_review", LOW, 1, False), ("needs_review", LOW, 0, False),
]
# the verdict's sentence, which leads the cluster's reasons
VERDICT_SAYS = {
    ("confirmed_ring", HIGH): "confirmed ring by Li on 2026-10-01; 0 companies added since",
    ("confirmed_ring", LOW): "confirmed ring by Li on 2026-10-01; 0 companies added since",
    ("legitimate_not_grown", HIGH): "marked legitimate group by Li on 2026-10-01; no companies added since - kept "
                                    "unflagged",
    ("legitimate_not_grown", LOW): "marked legitimate group by Li on 2026-10-01; no companies added since - kept "
                                   "unflagged",
    ("legitimate_grown", HIGH): "marked legitimate group by Li on 2026-10-01; 1 companies added since, risk 80.0 - "
                                "re-raised",
    ("legitimate_grown", LOW): "marked legitimate group by Li on 2026-10-01; 1 companies added since, risk 30.0 "
                               "below the flag threshold - kept unflagged",
    ("needs_review", HIGH): "marked needs review by Li on 2026-10-01",
    ("needs_review", LOW): "marked needs review by Li on 2026-10-01",
}
# a grown legitimate group still scoring high, but with no account in the audit window: not re-raised
OUTSIDE_WINDOW_SAYS = ("marked legitimate group by Li on 2026-10-01; 1 companies added since, risk 80.0 but no "
                       "account opened in the audit window - kept unflagged")


def test_the_flag_truth_table():
    clusters = []
    for no, (state, score, window, _) in enumerate(FLAG_TABLE, 1):
        now = [f"U{no}a", f"U{no}b"]
        verdict = VERDICT_STATES[state]
        clusters.append({"cluster_no": no, "now": now, "score": score, "window": window,
                         "reasons": ["model reason"] if score == HIGH else None,
                         **({"verdict": verdict["verdict"], "by": "Li", "on": "2026-10-01",
                             "then": now if verdict["then"] == "all" else now[:1]} if verdict else {})})
    con = clusters_with_verdicts(clusters, Settings(flag_threshold=50, language="en"))
    got = rows(con, "select cluster_no, flagged, reasons, verdict from cluster_flags order by 1")
    expected = []
    for no, (state, score, window, flagged) in enumerate(FLAG_TABLE, 1):
        model = ["model reason"] if score == HIGH else None
        says = VERDICT_SAYS.get((state, score))
        if (state, score, window) == ("legitimate_grown", HIGH, 0):
            says = OUTSIDE_WINDOW_SAYS
        expected.append((no, flagged, model if says is None else [says, *(model or [])],
                         VERDICT_STATES[state].get("verdict")))
    assert got == expected
    overridden = rows(con, "select cluster_no from cluster_flags where verdict_overridden order by 1")
    assert overridden == [(13,)]  # legitimate_grown, high score, in the window: the only one re-raised


def test_a_verdict_is_not_re_raised_on_a_cluster_that_is_not_flagged():
    """A grown legitimate group that still scores high but has no account in the audit window stays
    unflagged (a flag needs one), and says so instead of claiming to be re-raised."""
    now = ["U1", "U2"]
    con = clusters_with_verdicts([{"cluster_no": 1, "now": now, "then": now[:1], "verdict": "legitimate_group",
                                   "by": "Li", "on": "2026-10-01", "score": HIGH, "window": 0}])
    flagged, overridden, reasons = rows(con, "select flagged, verdict_overridden, reasons from cluster_flags")[0]
    assert not flagged
    assert not overridden and "re-raised" not in reasons[0]
    assert reasons[0] == (f"marked legitimate group by Li on 2026-10-01; 1 companies added since, risk {HIGH} "
                          "but no account opened in the audit window - kept unflagged")


# ------------------------------------------------------------------------------------------------
# Link verdicts.

LINK_COLUMNS = ("company_a", "company_b", "score", "reason", "is_link")
COMPANY_COLUMNS = ("company_id", "uscc")
# company 1's USCC sorts after company 2's: a link verdict names the pair in USCC order
USCC = {1: "91330106MA2B", 2: "91330106MA1A", 3: "91330106MA3C", 4: "91330106MA4D", 5: "91330106MA5E",
        6: "91330106MA6F"}


def link_verdict(verdict_id: int, a: int, b: int, verdict: str, on: str) -> dict:
    return {"verdict_id": verdict_id, "target": "link", "uscc_a": min(USCC[a], USCC[b]),
            "uscc_b": max(USCC[a], USCC[b]), "verdict": verdict, "made_by": "Li", "made_at": ts(on), "run_id": "run-0"}


def links_after_verdicts(verdicts: list[dict]):
    links = [{"company_a": a, "company_b": b, "score": 1.2, "reason": "SAME_REP", "is_link": True}
             for a, b in ((1, 2), (3, 4), (5, 6))]
    con = given({"company_links": table(links, LINK_COLUMNS),
                 "stg_companies": table([{"company_id": i, "uscc": u} for i, u in USCC.items()], COMPANY_COLUMNS),
                 "analyst_verdicts": table(verdicts, VERDICT_COLUMNS)})
    run(con, "history/effective_verdicts", "history/dropped_links", "history/company_links_kept")
    return con


LINK_CASES = {
    # the pair leaves the links before clustering; who dropped it and when is kept
    "false_link": (
        [link_verdict(1, 1, 2, "false_link", "2026-10-01 09:30:00")],
        [(1, 2, 1, "Li", ts("2026-10-01 09:30:00"))], [(3, 4), (5, 6)]),
    # recorded; the link stands as scored, and it overrides an earlier false_link on the pair
    "valid_link": (
        [link_verdict(1, 3, 4, "valid_link", "2026-10-01 09:30:00"),
         link_verdict(2, 5, 6, "false_link", "2026-09-01 09:30:00"),
         link_verdict(3, 5, 6, "valid_link", "2026-10-01 09:30:00")],
        [], [(1, 2), (3, 4), (5, 6)]),
}


@pytest.mark.parametrize("kind", sorted(LINK_CASES))
def test_link_verdict(kind):
    verdicts, dropped, kept = LINK_CASES[kind]
    con = links_after_verdicts(verdicts)
    assert rows(con, "select company_a, company_b, verdict_id, made_by, made_at from dropped_links order by 1") \
        == dropped
    assert rows(con, "select company_a, company_b from company_links_kept order by 1") == kept


def test_link_verdict_sentences():
    con = given({}, settings=ENGLISH)
    assert rows(con, "select verdict, effect, says from verdict_kinds where target = 'link' order by 1") == [
        ("false_link", "drop_link", "marked false link by {by} on {on}"),
        ("valid_link", "keep_link", "marked valid link by {by} on {on}")]


def test_every_verdict_kind_has_a_case():
    assert set(CLUSTER_CASES) | set(LINK_CASES) == {kind.code for kind in rules.VERDICT_KINDS}
    assert set(CLUSTER_CASES) == set(rules.verdict_kinds("cluster"))
