"""The demo's `grow_branches` knob: a region larger than the anchor's gets proportionally more bank branches.

How many companies one branch serves is a fact about banking, not about the size of the extract; without the knob
the 1M region keeps the 200k region's 142 branches and each is five times as busy. Given/expect:
- at or below the anchor (200k companies) the knob changes nothing, byte for byte;
- above it, branches per company equal the anchor region's (each base branch's flow shared by its sub-branches);
- nothing else moves: registrations and truth are byte for byte the same, and in the accounts only the branch
  differs, always a sub-branch (same bank, same district) of the branch the fixed network gave that opening.
"""
from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from shellring.flows.demo import pools
from shellring.flows.demo import population as pop
from shellring.flows.demo.generate import generate_demo

BRANCH = "开户网点"


def _parent(branches: pop.Branches) -> np.ndarray:
    """Base branch of every branch (itself for a base branch)."""
    members, offsets, sizes = branches.family
    return np.repeat(np.arange(branches.base), sizes)[np.argsort(members)]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("n", [20_000, 200_000])
def test_at_or_below_the_anchor_the_network_is_the_fixed_one(n):
    dist = pools.region_districts()
    grown, fixed = pop._branches(dist, n, grow=True), pop._branches(dist, n, grow=False)
    assert grown.name == fixed.name and not grown.family and grown.base == len(fixed.name) == 142
    assert (grown.bank == fixed.bank).all() and (grown.district == fixed.district).all()


def test_a_region_five_times_larger_has_five_times_the_branches_each_a_sub_branch_of_one():
    dist = pools.region_districts()
    fixed, grown = pop._branches(dist, 200_000), pop._branches(dist, 1_000_000, grow=True)
    anchor_per_company = len(fixed.name) / 200_000
    assert len(grown.name) / 1_000_000 == pytest.approx(anchor_per_company, rel=0.01)
    assert len(set(grown.name)) == len(grown.name)  # a branch's name is all the extract says of it
    assert grown.name[:grown.base] == fixed.name  # the anchor's branches stay, first
    parent = _parent(grown)
    assert (grown.bank == grown.bank[parent]).all() and (grown.district == grown.district[parent]).all()
    sizes = grown.family[2]
    assert sizes.min() >= 4 and sizes.max() <= 6  # every base branch shares its flow with about four more
    for d, near in fixed.near.items():  # every draw of the world stream sees the same candidates
        assert (grown.near[d] == near).all()


def test_the_knob_moves_only_the_branch_column_and_each_opening_stays_in_its_branch_family(tmp_path, monkeypatch):
    monkeypatch.setattr(pop, "BRANCH_ANCHOR_COMPANIES", 500)  # 1,500 companies: a region three times the anchor
    for variety in (False, True):
        kw = {"n_companies": 1500, "seed": 3, "hard": True, "variety": variety, "accounts": 1800}
        fixed = generate_demo(tmp_path / f"fixed{variety}", **kw)
        grown = generate_demo(tmp_path / f"grown{variety}", **kw, grow_branches=True)
        assert _sha(fixed.registrations) == _sha(grown.registrations)
        assert _sha(fixed.truth) == _sha(grown.truth)
        a, b = (pl.read_csv(f.accounts, infer_schema_length=0) for f in (fixed, grown))
        assert a.drop(BRANCH).equals(b.drop(BRANCH))
        branches = pop._branches(pools.region_districts(), 1500, grow=True)
        index = {name: i for i, name in enumerate(branches.name)}
        parent_name = np.array(branches.name)[_parent(branches)[[index[x] for x in b[BRANCH]]]]
        assert (parent_name == a[BRANCH].to_numpy()).all()  # the fixed network's branch, or a sub-branch of it
        load_fixed = len(a) / a[BRANCH].n_unique()
        load_grown = len(b) / b[BRANCH].n_unique()
        assert load_grown < 0.5 * load_fixed  # the same openings spread over about three times the branches


def test_below_the_anchor_the_knob_leaves_the_extracts_byte_for_byte(tmp_path):
    kw = {"n_companies": 1500, "seed": 3, "hard": True}
    fixed = generate_demo(tmp_path / "fixed", **kw)
    grown = generate_demo(tmp_path / "grown", **kw, grow_branches=True)
    for name in ("registrations", "accounts", "truth"):
        assert _sha(getattr(fixed, name)) == _sha(getattr(grown, name)), name


def _ring_mix(specs) -> dict[str, float]:
    rings = [s for s in specs if s.kind in pop.RING_MIX]
    return {k: sum(s.size for s in rings if s.kind == k) / sum(s.size for s in rings) for k in pop.RING_MIX}


def _size_range(specs) -> dict[str, tuple[int, int]]:
    return {k: (min(s.size for s in specs if s.kind == k), max(s.size for s in specs if s.kind == k))
            for k in pop.RING_MIX}


def test_plan_by_seed_plants_one_mix_whatever_the_world_stream_drew_before():
    """Two sizes of one seed reach plan_specs with the world stream in two states (its draws per company came
    first); with plan_by_seed the run's proportions and size ranges come from the seed alone."""
    from shellring.flows.demo.knobs import resolve

    knobs = resolve(7, True, None, None, None, None, None, plan_by_seed=True)
    small = pop.plan_specs(np.random.default_rng(1), 200_000, 0.07, knobs, np.random.default_rng([7, 18]))
    big = pop.plan_specs(np.random.default_rng(2), 1_000_000, 0.07, knobs, np.random.default_rng([7, 18]))
    for kind, share in _ring_mix(small).items():
        assert _ring_mix(big)[kind] == pytest.approx(share, abs=0.01), kind
    wide = _size_range(big)
    for kind, (lo, hi) in _size_range(small).items():  # the same range, the big run's extremes at least as far
        assert wide[kind][0] <= lo and wide[kind][1] >= hi and wide[kind][1] - hi <= 1, kind
    # the world stream's state alone decides the mix without it: the old behaviour, two runs per seed
    apart = pop.plan_specs(np.random.default_rng(2), 1_000_000, 0.07, knobs)
    assert max(abs(_ring_mix(apart)[k] - s) for k, s in _ring_mix(small).items()) > 0.02
