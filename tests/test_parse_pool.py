"""The normalization worker pool gives exactly the in-process result, in input order, and fails loudly."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
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


def test_stream_of_several_matchers_on_workers_only_matches_in_process_parsing(addresses, small_split, tmp_path):
    hints = ["330106" if i % 3 else None for i in range(len(addresses))]
    jobs = [(parse_addresses, addresses[:1200], hints[:1200], "a1"), (parse_company_names, addresses[:700], None, "c"),
            (parse_addresses, addresses[1200:1205], hints[1200:1205], "a2"),  # below the split: one worker
            (parse_addresses, addresses[1205:2500], hints[1205:2500], "a3")]
    with ParsePool(2, tmp_path, share_here=False) as pool:
        results = list(pool.stream(jobs))
    assert [tag for tag, _ in results] == ["a1", "c", "a2", "a3"]
    for (parse, values, job_hints, _), (_, frame) in zip(jobs, results, strict=True):
        assert frame.equals(parse(values, job_hints) if job_hints is not None else parse(values))


def _extracts(addresses: list[str]) -> duckdb.DuckDBPyConnection:
    """src_registrations and src_accounts with the columns the DISTINCT queries read, values shared and odd."""
    n = len(addresses)
    regions = ["330106", "330108", "310101", "440305"]
    regs = pl.DataFrame({
        "uscc": [f"91{regions[i % 4]}MA{i:07d}{'XY'[i % 2]}" if i % 17 else None for i in range(n)],
        "company_name": [f"杭州{a[2:6]}科技有限公司" for a in addresses],
        "legal_rep_name": [["张三", "欧阳 娜娜", "李·四", None][i % 4] if i % 5 else f"王{i % 300}" for i in range(n)],
        "legal_rep_id": [f"{regions[i % 4]}19{i % 90 + 10:02d}0{i % 9 + 1}1{i % 9}{i % 1000:03d}X" for i in range(n)],
        "reg_address": addresses,
        "phone": [[f"138{i:08d}", f"0571-8{i % 9999999:07d}", f"8{i % 9999999:07d}", "+86 139 0000 1111"][i % 4]
                  for i in range(n)],
    })
    accounts = regs.head(n // 2).select(
        "uscc", "company_name", "legal_rep_name", "legal_rep_id",
        pl.col("legal_rep_name").alias("agent_name"), pl.col("legal_rep_id").alias("agent_id"),
        pl.col("reg_address").reverse().alias("contact_address"), pl.col("phone").alias("contact_phone"),
        pl.col("phone").reverse().alias("agent_phone"))
    con = duckdb.connect()
    for table, frame in (("src_registrations", regs), ("src_accounts", accounts)):
        con.register("_frame", frame)
        con.execute(f"create table {table} as select * from _frame")
        con.unregister("_frame")
    return con


def test_normalize_all_on_the_workers_builds_the_same_lookups_as_in_process(addresses, small_split, monkeypatch,
                                                                            tmp_path):
    monkeypatch.setattr(normalize, "SLICE_VALUES", 700)  # several slices per table, streamed across tables
    monkeypatch.setattr(normalize, "POOL_MIN_ROWS", 0)
    tables = {}
    for workers in (0, 2):
        monkeypatch.setattr(normalize, "_workers", lambda workers=workers: workers)
        con = _extracts(addresses)
        stats = normalize.normalize_all(con, tmp_path)
        tables[workers] = {t: con.sql(f"select * from {t}").pl() for t in stats}
        assert [t for t in stats] == ["norm_uscc", *[step[0] for step in normalize.STEPS]]
    assert tables[2]["norm_address"].height > 2 * 700
    for table, frame in tables[0].items():
        other = tables[2][table]
        key = ["input", "hint"] if "hint" in frame.columns else ["input"]  # each table's key
        assert other.columns == frame.columns
        assert other.sort(key, nulls_last=True).equals(frame.sort(key, nulls_last=True)), table
