"""Quality floors on the hard 20k demo (every generator knob on, seed 7), per ring kind and sophistication level.

The floors sit one ring below what was measured (bench/RESULTS-detection.md): a kind holding n
rings may lose one more ring before the test fails, so a real regression fails it and a single borderline ring
does not. Rates that should stay low (false alarms, contaminated clusters) get a ceiling just above what was
measured. Truth comes from the generator's truth.csv, an oracle the detector never reads.
"""

from __future__ import annotations

import pytest

from tests.quality_floors import assert_kind_holds, assert_level_holds, audited_demo, one_ring_below

pytestmark = pytest.mark.slow

COMPANIES, SEED = 20_000, 7

# what the detector measured on this data (see the module docstring), per kind and level
# (s8-quality-score: the shape terms rep_mass and own_template, concentration full at 5; measured again, unchanged,
# on s9-quality-soph: rep_over_40 offsetting the profile only moves seeds 11, 31 and 200k, not this one)
MEASURED_RING_RECALL = 0.9633
MEASURED_BY_KIND = {
    "address_farm": 1.0, "nominee_rep": 0.875, "dealer_phone": 1.0, "agent_opener": 0.963,
    "weak_links": 0.9655, "student_batch": 1.0,
}
MEASURED_BY_LEVEL = {"naive": 0.9444, "medium": 0.9836, "sophisticated": 0.9333}


@pytest.fixture(scope="module")
def hard_result(tmp_path_factory, key_env):
    return audited_demo(tmp_path_factory.mktemp("hard20k"), COMPANIES, SEED, "hard", hard=True)


def test_pairs_and_rings_hold_on_the_hard_demo(hard_result):
    r = hard_result
    assert r.pair_precision >= 0.98, r  # measured 0.988 (s13-purity: leftovers need evidence reaching the cluster)
    assert r.pair_recall >= 0.94, r  # 0.9501 (s8-quality-score: careful rings flagged on their shape)
    assert r.pair_f1 >= 0.96, r  # 0.969
    assert r.ring_recall >= one_ring_below(MEASURED_RING_RECALL, r.rings), r


@pytest.mark.parametrize("kind", sorted(MEASURED_BY_KIND))
def test_every_ring_kind_holds(hard_result, kind):
    assert_kind_holds(hard_result, kind, MEASURED_BY_KIND[kind], "hard")


@pytest.mark.parametrize("level", sorted(MEASURED_BY_LEVEL))
def test_every_sophistication_level_holds(hard_result, level):
    assert_level_holds(hard_result, level, MEASURED_BY_LEVEL[level], "hard")


def test_false_alarms_and_purity_stay_low(hard_result):
    r = hard_result
    assert r.lookalike_false_alarm_rate <= 0.001, r.false_alarm_by_kind  # measured 0
    assert r.legit_false_alarm_rate <= 0.0008, r  # 0.0005
    assert r.multi_ring_cluster_share <= 0.01, r  # 0 of 111 flagged clusters; one would be 0.009
    assert r.legit_cluster_share <= 0.06, r  # 5 of 111 (0.045); one more is 0.054, two more fail
    assert r.purity_mean >= 0.98, r  # 0.985
