"""The normalization worker pool gives exactly the in-process result, in input order, and fails loudly."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

import shellring.flows.pipeline.normalize as normalize
from shellring.flows.pipeline.normalize import ParsePool
from shellring.matchers.address import parse_addresses
from shellring.matchers.company import parse_company_names

ADDRESSES = Path(__file__).parent / "data" / "addresses" / "company_addresses.csv"


@pytest.fixture(scope="module")
def addresses() -> list[str]:
    with ADDRESSES.open(encoding="utf-8") as handle:
        rows = [row[0] for row in csv.reader(handle)][1:]
    return rows[:3000]


@pytest.fixture()
def small_split(monkeypatch):
    monkeypatch.setattr(normalize, "PARALLEL_MIN_VALUES", 10)


def test_pool_matches_in_process_parsing_with_hints(addresses, small_split, tmp_path):
    hints = ["330106" if i % 3 else None for i in range(len(addresses))]
    with ParsePool(2, tmp_path) as pool:
        shared = pool.map(parse_addresses, addresses, hints)
        again = pool.map(parse_company_names, addresses[:500])  # the same workers serve a second matcher
    assert shared.equals(parse_addresses(addresses, hints))
    assert again.equals(parse_company_names(addresses[:500]))
    assert list(tmp_path.iterdir()) == []  # the exchange files are gone with the pool


def test_small_inputs_stay_in_process(addresses, tmp_path):
    with ParsePool(1, tmp_path) as pool:
        out = pool.map(parse_addresses, addresses[:50])
    assert out["input"].to_list() == addresses[:50]


def test_worker_failure_names_the_matcher(addresses, small_split, tmp_path):
    def not_importable(values):  # a local function: the worker cannot import it by name
        return parse_company_names(values)

    with ParsePool(1, tmp_path) as pool, pytest.raises(RuntimeError, match="not_importable"):
        pool.map(not_importable, addresses[:100])


def test_batches_come_back_in_order_while_the_next_one_is_already_with_the_worker(addresses, small_split, tmp_path):
    batches = [(addresses[i:i + 1000], None) for i in range(0, 3000, 1000)]
    with ParsePool(1, tmp_path) as pool:
        results = pool.imap(parse_company_names, batches)
        first = next(results)
        assert pool._calls == 3  # the next two batches' shares are with the worker when the first comes back
        rest = list(results)
    assert pl.concat([first, *rest]).equals(parse_company_names(addresses[:3000]))
