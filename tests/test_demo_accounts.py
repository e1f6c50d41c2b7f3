"""The demo's `accounts` knob: exact counts, rings untouched, and the default demo unchanged byte for byte."""
from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import pytest

from shellring.flows.demo.generate import generate_demo
from tests.test_demo_data import parse_date

N, SEED = 1500, 3
# sha256 of the default extracts for N, SEED as written before the knob existed: the knob unset must not move
# a byte. Update these only for a deliberate change to the classic demo (and say so in the commit).
DEFAULT_SHA256 = {
    "registrations": "b73f29e82f26382c650434544aa168b7b133c86bb06e00cf9649522e9b9a3ab9",
    "accounts": "ded630dfa3a4dffd8fee205dd63803084de064d7c432d4add5dc3dfd3bb6b177",
    "truth": "2fb907600dae04ee89722d00d254c9be23954eeeea6850533ffa2e55ce72e6fb",
}


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("default"), n_companies=N, seed=SEED)


def _accounts(files) -> pl.DataFrame:
    return pl.read_csv(files.accounts, infer_schema_length=0)


def _ring_usccs(files) -> pl.Series:
    truth = pl.read_csv(files.truth, infer_schema_length=0)
    return truth.filter(pl.col("is_ring") == "true")["uscc"]


def test_default_demo_is_byte_for_byte_what_it_was(default):
    for name, expected in DEFAULT_SHA256.items():
        assert hashlib.sha256(getattr(default, name).read_bytes()).hexdigest() == expected, name


@pytest.mark.parametrize("per_company", [1.0, 0.5])
def test_asked_count_exact_rings_untouched_registrations_unchanged(default, tmp_path, per_company):
    files = generate_demo(tmp_path, n_companies=N, seed=SEED, accounts=int(N * per_company))
    acc, before = _accounts(files), _accounts(default)
    assert before.height != acc.height == int(N * per_company)
    assert acc["账号"].is_unique().all()
    for name in ("registrations", "truth"):
        assert getattr(files, name).read_bytes() == getattr(default, name).read_bytes(), name
    rings = _ring_usccs(default)
    ring_rows = [frame.filter(pl.col("统一社会信用代码").is_in(rings.implode())).sort(pl.all())
                 for frame in (before, acc)]
    assert ring_rows[0].height > 0 and ring_rows[0].equals(ring_rows[1])
    opened = acc["开户日期"].map_elements(parse_date, return_dtype=pl.Date)
    assert opened.is_sorted()  # still in opening order


def test_further_accounts_are_legitimate_companies_opening_later_at_another_bank(default, tmp_path):
    files = generate_demo(tmp_path, n_companies=N, seed=SEED, accounts=N)
    before, after = _accounts(default), _accounts(files)
    added = after.join(before, on="账号", how="anti")
    assert added.height == N - before.height
    assert not added["统一社会信用代码"].is_in(_ring_usccs(default).implode()).any()
    first = before.with_columns(day=pl.col("开户日期").map_elements(parse_date, return_dtype=pl.Date)) \
        .group_by("统一社会信用代码").agg(pl.col("day").min(), pl.col("开户网点").sort_by("day").first())
    added = added.with_columns(day=pl.col("开户日期").map_elements(parse_date, return_dtype=pl.Date)) \
        .join(first, on="统一社会信用代码", suffix="_first")
    assert added.height == N - before.height  # every further account's company had a first one
    gaps = (added["day"] - added["day_first"]).dt.total_days()
    assert gaps.min() >= 30 and added["day"].max() <= date(2026, 10, 31)
    assert (added["开户网点"] != added["开户网点_first"]).mean() > 0.8


def test_fewer_than_the_rings_need_is_refused(tmp_path):
    with pytest.raises(ValueError, match="planted rings need"):
        generate_demo(tmp_path, n_companies=N, seed=SEED, accounts=10)


def test_asking_for_the_default_count_writes_the_default_files(default, tmp_path):
    files = generate_demo(tmp_path, n_companies=N, seed=SEED, accounts=_accounts(default).height)
    for name in ("registrations", "accounts", "truth"):
        assert getattr(files, name).read_bytes() == getattr(default, name).read_bytes(), name
