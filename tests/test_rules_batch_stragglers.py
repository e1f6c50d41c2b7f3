"""Given/expect for the cluster stage's batch-straggler rule (flows/pipeline/batch_stragglers.py): a single or pair
with a student batch cluster's profile, opened at its branch in its days beyond chance, joins that one batch cluster.

The scene: a batch of five fresh companies (0-4) whose 18-22-year-old representatives come from province 41, opening
at BR1 on days 100-102 with a capital of 5 (ten thousand yuan), tied by the batch rules; a region of ordinary local
fresh openings around it (20 a day over the season, one a day of them at BR1). The straggler (company 10) is one of
province 41 at BR1 on day 101, capital 3, its pair with member 0 a branch-family one (BATCH_PROFILE). Each case moves
one thing and says whether the straggler joins.
"""

from __future__ import annotations

import numpy as np
from cluster_step import busy_region, rule_labels
from scipy.stats import poisson

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.batch_stragglers import attach_batch_stragglers, batch_clusters

S = Settings()
BRANCH, VALUE = 1, 2  # family bits: the branch family, and a value the operator chose
BATCH = [0, 1, 2, 3, 4]
STRAGGLER = 10
SEASON = range(100 - S.hometown_days, 100 + S.hometown_days + 1)


def opening(company: int, branch: str, day: int, province: str | None = None, capital: float = 50.0) -> dict:
    """A fresh opening; `province` given means a young representative from that province elsewhere."""
    return {"company_id": company, "branch": branch, "day": day, "profiled": province is not None,
            "province": province or "33", "capital": capital}


def region(campus: bool = False) -> list[dict]:
    """Ordinary local openings, 20 a day over the season, one a day at BR1; with `campus`, BR1 is a university
    town's branch: a young graduate of province 41 opens there every third day (company 5000 + day) and the province
    sends as many to the rest of the region."""
    return busy_region(opening, SEASON, "BR1", lambda k: f"BR{2 + k}", ("41", "BR30") if campus else None)


def batch(members=BATCH, branch: str = "BR1", first_day: int = 100, province: str = "41") -> list[dict]:
    return [opening(c, branch, first_day + i % 3, province, capital=5) for i, c in enumerate(members)]


def attached(openings: list[dict], pieces: dict[int, int], branch_pairs: list[tuple[int, int]],
             batch_pairs: list[tuple[int, int]] | None = None, share: float = S.batch_cluster_share,
             chance: float = S.batch_straggler_chance) -> dict[int, int]:
    """Each company's label after the rule (cluster_step.rule_labels), the straggler tied by a co-opening."""
    return rule_labels(attach_batch_stragglers, openings, pieces, branch_pairs, BRANCH, BRANCH, BRANCH, batch_pairs,
                       S, share, chance)


def joins(result: dict[int, int], company: int = STRAGGLER) -> bool:
    return result[company] == result[BATCH[0]]


def test_a_single_with_the_batch_s_profile_at_its_branch_in_its_days_joins_it():
    result = attached(region() + batch() + [opening(STRAGGLER, "BR1", 101, "41", capital=3)], {}, [(0, STRAGGLER)])
    assert joins(result)
    assert len({result[c] for c in BATCH}) == 1
    # the ordinary companies at the branch those days stay where they were
    assert sum(label == result[0] for label in result.values()) == len(BATCH) + 1


def test_the_chance_bar_decides_at_the_branch_s_own_expectation():
    """The oracle, counted by hand: BR1 holds eight fresh openings outside any batch in days 98-104 (seven local,
    the straggler); the province's young are 1 of the 1,201 such openings in the season around, so chance puts
    8 / 1,201 of them there, and one or more with probability 1 - exp(-8 / 1,201)."""
    p = poisson.sf(0, 8 * (1 - 1 + 1) / (1201 - 1 + 1))
    scene = region() + batch() + [opening(STRAGGLER, "BR1", 101, "41", capital=3)]
    assert joins(attached(scene, {}, [(0, STRAGGLER)], chance=p * 1.01))
    assert not joins(attached(scene, {}, [(0, STRAGGLER)], chance=p * 0.99))


def test_a_pair_left_outside_joins_as_one_piece():
    straggler_pair = [opening(STRAGGLER, "BR1", 101, "41", capital=3), opening(11, "BR1", 102, "41", capital=3)]
    result = attached(region() + batch() + straggler_pair, {STRAGGLER: 50, 11: 50}, [(1, STRAGGLER)])
    assert joins(result) and joins(result, 11)


def test_a_single_of_another_province_beside_the_batch_stays_out():
    result = attached(region() + batch() + [opening(STRAGGLER, "BR1", 101, "42", capital=3)], {}, [(0, STRAGGLER)])
    assert not joins(result)


def test_a_single_past_the_batch_s_days_or_with_more_capital_stays_out():
    late = 102 + S.branch_days + 1  # the batch's last opening is on day 102
    assert not joins(attached(region() + batch() + [opening(STRAGGLER, "BR1", late, "41", capital=3)], {},
                              [(2, STRAGGLER)]))
    assert joins(attached(region() + batch() + [opening(STRAGGLER, "BR1", late - 1, "41", capital=3)], {},
                          [(2, STRAGGLER)]))
    assert not joins(attached(region() + batch() + [opening(STRAGGLER, "BR1", 101, "41", capital=100)], {},
                              [(0, STRAGGLER)]))
    # without a scored pair on the branch with a member there is nothing for the analyst to read: it stays out
    assert not joins(attached(region() + batch() + [opening(STRAGGLER, "BR1", 101, "41", capital=3)], {}, []))


def test_a_campus_branch_s_steady_flow_of_young_graduates_from_the_province_stays_unattached():
    """BR1 is a campus branch: a graduate of province 41 every third day all season, as many more elsewhere. Beside
    the batch there, neither the straggler nor the graduates of those days join it: the branch's own usual flow
    expects them. At a quiet branch the same straggler joins (the first case)."""
    graduates = [5099, 5102]  # at BR1 within branch_days of the straggler's day 101
    result = attached(region(campus=True) + batch() + [opening(STRAGGLER, "BR1", 101, "41", capital=3)], {},
                      [(0, STRAGGLER)] + [(2, g) for g in graduates])
    assert not joins(result) and not any(joins(result, g) for g in graduates)
    # the oracle, counted by hand (days 98-104 at BR1; the season 71-130 around day 101): three of the province's
    # there (two graduates and the straggler) among ten fresh openings; BR1's usual flow 18 graduates over the
    # season's 54 other days; the region's share 41 of 1,241. By the region's share alone chance would rarely
    # explain three; by the branch's own flow it explains them most of the time
    by_region, by_branch = 10 * (41 - 3 + 1) / (1241 - 3 + 1), 18 * 7 / 54
    assert poisson.sf(2, by_region) <= S.batch_straggler_chance < poisson.sf(2, by_branch)


def test_two_batch_clusters_of_the_province_at_the_branch_in_those_days_leave_the_straggler_out():
    second = batch([5, 6, 7, 8, 9], first_day=101)
    result = attached(region() + batch() + second + [opening(STRAGGLER, "BR1", 101, "41", capital=3)],
                      {5: 1, 6: 1, 7: 1, 8: 1, 9: 1}, [(0, STRAGGLER), (5, STRAGGLER)],
                      batch_pairs=[(0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8), (8, 9)])
    assert not joins(result) and result[STRAGGLER] != result[5]
    # nor are the two batches tied through it
    assert len({result[c] for c in (5, 6, 7, 8, 9)}) == 1 and result[5] != result[0]


def test_a_member_of_another_cluster_is_never_taken_from_it():
    other_ring = {STRAGGLER: 60, 11: 60, 12: 60}
    openings = region() + batch() + [opening(c, "BR1", 101, "41", capital=3) for c in (STRAGGLER, 11, 12)]
    result = attached(openings, other_ring, [(0, STRAGGLER)])
    assert not joins(result) and result[STRAGGLER] == result[11] == result[12]


def test_a_cluster_the_batch_rules_tie_only_a_few_members_of_is_no_batch():
    labels, share = np.array([0, 0, 0, 0, 0, 1]), S.batch_cluster_share
    assert not batch_clusters(labels, np.array([0]), np.array([1]), S.cluster_min_size, share)[0]  # two of five
    assert batch_clusters(labels, np.array([0, 2]), np.array([1, 3]), S.cluster_min_size, share)[0]  # four of five
    result = attached(region() + batch() + [opening(STRAGGLER, "BR1", 101, "41", capital=3)], {}, [(0, STRAGGLER)],
                      batch_pairs=[(0, 1)])
    assert not joins(result)


def test_the_cluster_step_takes_a_batch_s_straggler_in_from_its_input_tables():
    """The whole cluster step: five 20-year-olds from Henan tied by the batch rules at BR1 on 3-5 March, and a
    24-year-old from another Henan prefecture who opened there on 4 March, tied to one of them by a co-opening only
    (half a link), come out as one cluster of six; 600 local companies open fresh accounts at twenty other branches
over two months. From Hubei, the straggler stays out."""
    assert _clustered_with("410302") == [1, 2, 3, 4, 5, 6]
    assert _clustered_with("420102") == [1, 2, 3, 4, 5]


def _clustered_with(straggler_region: str) -> list[int]:
    from datetime import timedelta

    from cluster_step import batch_with_straggler
    from ruletables import d

    day = d("2026-03-01")
    batch = [{"company_id": i, "rep_region": "410102", "rep_age_at_reg": 20, "reg_capital": 5.0} for i in range(1, 6)]
    straggler = [{"company_id": 6, "rep_region": straggler_region, "rep_age_at_reg": 24, "reg_capital": 3.0}]
    local = [{"company_id": i, "rep_region": "330106", "rep_age_at_reg": 35, "reg_capital": 50.0}
             for i in range(100, 700)]
    companies = [dict(c, reg_adcode="330106", reg_date=day) for c in batch + straggler + local]
    accounts = ([{"company_id": i, "bank_branch": "BR1", "open_date": day + timedelta(days=2 + i % 3)}
                 for i in range(1, 6)]
                + [{"company_id": 6, "bank_branch": "BR1", "open_date": day + timedelta(days=3)}]
                + [{"company_id": i, "bank_branch": f"BR{2 + i % 20}", "open_date": day + timedelta(days=i % 60)}
                   for i in range(100, 700)])
    # every opening fresh (two days after registering): the region's usual flow the chance test weighs
    accounts = [dict(a, days_since_registration=2) for a in accounts]
    return batch_with_straggler(companies, accounts, "branch", S)
