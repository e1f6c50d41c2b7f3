"""Given/expect for the cluster stage's registration-straggler rule (flows/pipeline/batch_stragglers.py,
`attach_registration_stragglers`): a single or pair from a batch member's county, registered at that member's
registration authority within days of it beyond chance, joins that one batch cluster, at whatever branch it opened.

The scene: a batch of five fresh companies (0-4) whose 18-22-year-old representatives come from county 410102
(province 41), registered at authority 330106 on days 97-99 with a capital of 5 (ten thousand yuan), tied by the batch
rules; a region of ordinary local fresh registrations around it (20 a day over the season at nine authorities, one a
day at 330106). The straggler (company 10) is from county 410102, registered at 330106 on day 98, capital 3, its pair
with member 0 a hometown-family one (SAME_HOMETOWN). Where it opened its account is not in the scene: the branch rule
(tests/test_rules_batch_stragglers.py) is the one that asks. Each case moves one thing and says whether it joins.
"""

from __future__ import annotations

from cluster_step import busy_region, rule_labels
from scipy.stats import poisson

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.batch_stragglers import attach_registration_stragglers

S = Settings()
HOMETOWN, BRANCH = 1, 2  # family bits: the hometown family, the branch family
BATCH = [0, 1, 2, 3, 4]
STRAGGLER = 10
SEASON = range(100 - S.hometown_days, 100 + S.hometown_days + 1)
COUNTY = "410102"


def registration(company: int, authority: str, day: int, county: str | None = None, capital: float = 50.0) -> dict:
    """A fresh company's registration; `county` given means a young representative from that county elsewhere."""
    return {"company_id": company, "authority": authority, "day": day, "profiled": county is not None,
            "county": county or "330106", "capital": capital}


def region(university: bool = False) -> list[dict]:
    """Ordinary local registrations, 20 a day over the season, one a day at 330106; with `university`, 330106 is a
    university district: a young graduate of county 410102 registers a company there every third day, and the
    county sends as many to the rest of the region."""
    return busy_region(registration, SEASON, "330106", lambda k: f"3301{10 + k % 8:02d}",
                       (COUNTY, "330110") if university else None)


def batch(members=BATCH, authority: str = "330106", first_day: int = 97, county: str = COUNTY) -> list[dict]:
    return [registration(c, authority, first_day + i % 3, county, capital=5) for i, c in enumerate(members)]


def straggler(day: int = 98, county: str = COUNTY, authority: str = "330106", capital: float = 3) -> list[dict]:
    return [registration(STRAGGLER, authority, day, county, capital)]


def attached(rows: list[dict], pieces: dict[int, int], hometown_pairs: list[tuple[int, int]],
             batch_pairs: list[tuple[int, int]] | None = None, chance: float = S.batch_straggler_chance,
             pair_family: int = HOMETOWN) -> dict[int, int]:
    """Each company's label after the rule (cluster_step.rule_labels), the straggler tied by a hometown pair."""
    return rule_labels(attach_registration_stragglers, rows, pieces, hometown_pairs, pair_family, HOMETOWN, BRANCH,
                       batch_pairs, S, chance=chance)


def joins(result: dict[int, int], company: int = STRAGGLER) -> bool:
    return result[company] == result[BATCH[0]]


def test_a_single_from_a_member_s_county_registered_with_it_joins_the_batch():
    result = attached(region() + batch() + straggler(), {}, [(0, STRAGGLER)])
    assert joins(result)
    assert len({result[c] for c in BATCH}) == 1
    # the ordinary companies registered there those days stay where they were
    assert sum(label == result[0] for label in result.values()) == len(BATCH) + 1


def test_the_chance_bar_decides_at_the_authority_s_own_expectation():
    """The oracle, counted by hand: 330106 holds eight fresh registrations outside any batch in days 95-101
    (seven local, the straggler); the county's young are 1 of the 1,181 such registrations in days 70-128 (the
    season around day 98 the region holds), so chance puts 8 / 1,181 of them there, and one or more with
    probability 1 - exp(-8 / 1,181)."""
    p = poisson.sf(0, 8 * (1 - 1 + 1) / (1181 - 1 + 1))
    scene = region() + batch() + straggler()
    assert joins(attached(scene, {}, [(0, STRAGGLER)], chance=p * 1.01))
    assert not joins(attached(scene, {}, [(0, STRAGGLER)], chance=p * 0.99))


def test_a_pair_left_outside_joins_as_one_piece():
    pair = straggler() + [registration(11, "330106", 99, COUNTY, capital=3)]
    result = attached(region() + batch() + pair, {STRAGGLER: 50, 11: 50}, [(1, STRAGGLER)])
    assert joins(result) and joins(result, 11)


def test_a_single_of_another_county_of_the_province_or_another_authority_stays_out():
    # another county of the batch's province and prefecture: the branch rule's province test is for the branch
    assert not joins(attached(region() + batch() + straggler(county="410103"), {}, [(0, STRAGGLER)]))
    # the batch's county, registered at another authority
    assert not joins(attached(region() + batch() + straggler(authority="330110"), {}, [(0, STRAGGLER)]))


def test_a_single_past_the_members_days_or_with_more_capital_or_without_a_hometown_pair_stays_out():
    late = 99 + S.branch_days + 1  # the batch's last registration is on day 99
    assert not joins(attached(region() + batch() + straggler(day=late), {}, [(2, STRAGGLER)]))
    assert joins(attached(region() + batch() + straggler(day=late - 1), {}, [(2, STRAGGLER)]))
    assert not joins(attached(region() + batch() + straggler(capital=100), {}, [(0, STRAGGLER)]))
    # nothing on the member's hometown links for the analyst to read: a branch pair is the branch rule's
    assert not joins(attached(region() + batch() + straggler(), {}, []))
    assert not joins(attached(region() + batch() + straggler(), {}, [(0, STRAGGLER)], pair_family=BRANCH))


def test_a_university_district_s_steady_flow_of_young_graduates_from_the_county_stays_unattached():
    """330106 is a university district: a graduate of county 410102 registers there every third day all season, as
    many more elsewhere. Beside the batch there, neither the straggler nor the graduates of those days join it: the
    authority's own usual flow expects them. At an ordinary authority the same straggler joins (the first case)."""
    graduates = [5096, 5099]  # at 330106 within branch_days of the straggler's day 98
    result = attached(region(university=True) + batch() + straggler(), {},
                      [(0, STRAGGLER)] + [(2, g) for g in graduates])
    assert not joins(result) and not any(joins(result, g) for g in graduates)


def test_two_batch_clusters_with_members_of_the_county_at_the_authority_leave_the_straggler_out():
    second = batch([5, 6, 7, 8, 9], first_day=98)
    result = attached(region() + batch() + second + straggler(), {5: 1, 6: 1, 7: 1, 8: 1, 9: 1},
                      [(0, STRAGGLER), (5, STRAGGLER)],
                      batch_pairs=[(0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8), (8, 9)])
    assert not joins(result) and result[STRAGGLER] != result[5]
    assert len({result[c] for c in (5, 6, 7, 8, 9)}) == 1 and result[5] != result[0]


def test_a_member_of_another_cluster_is_never_taken_from_it():
    other_ring = {STRAGGLER: 60, 11: 60, 12: 60}
    rows = region() + batch() + [registration(c, "330106", 98, COUNTY, capital=3) for c in (STRAGGLER, 11, 12)]
    result = attached(rows, other_ring, [(0, STRAGGLER)])
    assert not joins(result) and result[STRAGGLER] == result[11] == result[12]


def test_the_cluster_step_takes_a_batch_member_that_opened_at_a_third_branch_in_from_its_input_tables():
    """The whole cluster step: five 20-year-olds from one Henan county tied by the batch rules at BR1 on 2-4 April,
    registered at one Hangzhou authority on 31 March, and a sixth from that county registered there that day who
    opened at BR9 on 3 April, tied to one of them by a hometown pair only (half a link), come out as one cluster of
    six; 1,200 local companies register at twenty authorities (one a day at the batch's) and open at twenty branches
    over two months. Registered at
    another authority, or from another Henan county, the sixth stays out (on the code before this rule, always)."""
    assert _clustered_with("410102", "330106") == [1, 2, 3, 4, 5, 6]
    assert _clustered_with("410102", "330110") == [1, 2, 3, 4, 5]
    assert _clustered_with("410302", "330106") == [1, 2, 3, 4, 5]


def _clustered_with(straggler_county: str, straggler_authority: str) -> list[int]:
    from datetime import timedelta

    from cluster_step import batch_with_straggler
    from ruletables import d

    day = d("2026-03-01")
    batch_day = day + timedelta(days=30)
    batch = [{"company_id": i, "rep_region": "410102", "rep_age_at_reg": 20, "reg_capital": 5.0,
              "reg_adcode": "330106", "reg_date": batch_day} for i in range(1, 6)]
    straggler = [{"company_id": 6, "rep_region": straggler_county, "rep_age_at_reg": 20, "reg_capital": 3.0,
                  "reg_adcode": straggler_authority, "reg_date": batch_day}]
    local = [{"company_id": i, "rep_region": "330106", "rep_age_at_reg": 35, "reg_capital": 50.0,
              "reg_adcode": f"3301{10 + i // 60 % 20:02d}" if i // 60 % 20 else "330106",
              "reg_date": day + timedelta(days=i % 60)} for i in range(100, 1300)]
    companies = [dict(c, uscc_region=c["reg_adcode"]) for c in batch + straggler + local]
    accounts = ([{"company_id": i, "bank_branch": "BR1", "open_date": batch_day + timedelta(days=2 + i % 3)}
                 for i in range(1, 6)]
                + [{"company_id": 6, "bank_branch": "BR9", "open_date": batch_day + timedelta(days=3)}]
                + [{"company_id": i, "bank_branch": f"BR{2 + i % 20}", "open_date": day + timedelta(days=i % 60 + 2)}
                   for i in range(100, 1300)])
    registered = {c["company_id"]: c["reg_date"] for c in companies}
    accounts = [dict(a, days_since_registration=(a["open_date"] - registered[a["company_id"]]).days) for a in accounts]
    return batch_with_straggler(companies, accounts, "SAME_HOMETOWN", S)
