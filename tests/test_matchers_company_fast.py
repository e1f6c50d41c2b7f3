"""The batch fast path of the company-name parser against the per-row `_split`, its oracle.

`parse_company_names` sends the common shapes (region + trade name + industry + 有限公司, and the region in
brackets) through polars (matchers/company_fast.py) and the rest through `_split`; every row of its frame must
equal `_split`'s row for the same canonical text, computed here one name at a time.
"""

import csv
import random
from pathlib import Path

import polars as pl
import pytest

from shellring.flows.demo.generate import generate_demo
from shellring.matchers.company import (
    COLUMNS,
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    _industry_by_length,
    _region_names,
    _split,
    parse_company_names,
)
from shellring.matchers.company_fast import split_fast
from shellring.matchers.textnorm import canonical_batch

TESTS = Path(__file__).parent


def _oracle(values: list[str | None]) -> pl.DataFrame:
    rows = []
    for raw, text in zip(values, canonical_batch(values, upper=True, numerals=False), strict=True):
        rows.append((raw, text or None, *_split(text)) if text else (raw, None, None, None, None, None))
    return pl.DataFrame(rows, schema={c: pl.String for c in COLUMNS}, orient="row")


def _fast_share(values: list[str | None]) -> float:
    texts = canonical_batch(values, upper=True, numerals=False)
    return split_fast(pl.Series(texts, dtype=pl.String)).height / len(values)


def _assert_same(values: list[str | None]) -> None:
    got, want = parse_company_names(values), _oracle(values)
    assert got.columns == want.columns
    for column in COLUMNS:
        pairs = zip(values, got[column].to_list(), want[column].to_list(), strict=True)
        differ = [(v, a, b) for v, a, b in pairs if a != b]
        assert not differ, (column, differ[:5])


@pytest.mark.parametrize("hard", [False, True])
def test_demo_names_equal_the_per_row_parser(tmp_path, hard):
    generate_demo(tmp_path, n_companies=1500, seed=11, hard=hard)
    reg = pl.read_csv(tmp_path / "registrations.csv", encoding="gbk", infer_schema=False)
    acc = pl.read_csv(tmp_path / "accounts.csv", infer_schema=False)
    # headers vary between runs: the company name by position
    values = pl.concat([reg.select(pl.nth(1).alias("n")), acc.select(pl.nth(4).alias("n"))]).unique(
        maintain_order=True)["n"].to_list()
    _assert_same(values)
    # 99 % of the 1M demo's names take the fast path, so the equality above tests it
    assert _fast_share(values) >= 0.95


def test_hand_labelled_names_equal_the_per_row_parser():
    path = TESTS / "data" / "company_names" / "trade_names.tsv"
    _assert_same([r["name"] for r in csv.DictReader(open(path, encoding="utf-8"), delimiter="\t")])


def _random_names(count: int, seed: int) -> list[str]:
    """Names built to stress each condition: regions (full, short, townships, zones) at the start, in brackets
    and at the end; trade names of characters taken from region names and industry words, so that they extend
    or start one; one, two or no industry words; legal forms that stack or end in 有限公司; branches."""
    rng = random.Random(seed)
    full, short, _ = _region_names()
    full, short = sorted(full), sorted(short)
    industry = sorted({w for entries in _industry_by_length().values() for _, ws in entries for w in ws})
    zones = ["经济开发区", "高新区", "保税区", "滨江新区", "工业园"]
    chars = list("".join(rng.sample(full, 200)) + "".join(rng.sample(industry, 100)) + "融祥翔安金河和卓宇宙")

    def region() -> str:
        return rng.choice(full if rng.random() < 0.5 else short)

    names = []
    for _ in range(count):
        trade = "".join(rng.choice(chars) for _ in range(rng.choice([1, 2, 2, 3, 3, 4])))
        words = [rng.choice(INDUSTRY_WORDS if rng.random() < 0.5 else industry)
                 for _ in range(rng.choice([0, 1, 1, 1, 2]))]
        odd_forms = LEGAL_FORMS + ["合伙企业(有限合伙)", "有限公司有限公司"]
        legal = "有限公司" if rng.random() < 0.7 else rng.choice(odd_forms)
        head = rng.choice(["", region(), region(), region(), region(), region() + region(),
                           region() + rng.choice(zones), rng.choice(zones)])
        body = trade + "".join(words)
        if rng.random() < 0.3:
            body = trade + "(" + rng.choice([region(), region(), rng.choice(chars) * 2, trade]) + ")" + "".join(words)
        if rng.random() < 0.05:
            body += region()
        name = head + body + legal
        if rng.random() < 0.05:
            name += region() + rng.choice(["分公司", "营业部", "办事处"])
        if rng.random() < 0.05:
            name = rng.choice([" ", "（", "）", "A", "1", "·"]).join([name[:3], name[3:]])
        names.append(name)
    return names


def test_random_names_equal_the_per_row_parser():
    values = _random_names(6000, seed=3)
    _assert_same(values)
    # the equality covers both paths
    assert 0.15 <= _fast_share(values) <= 0.85


def test_edge_cases_and_repeats_keep_input_order():
    values = ["杭州昌嘉科技有限公司", "昌嘉（杭州）网络科技有限公司", "昌嘉(杭州)(上海)科技有限公司", "杭州有限公司",
              "杭州昌有限公司", "杭州市西湖区昌嘉科技有限公司", "杭州昌嘉科技股份有限公司", "杭州昌嘉科技集团有限公司",
              "杭州昌嘉网络科技有限公司", "浙江昌嘉人力资源有限公司", "杭州经济开发区昌嘉有限公司",
              "杭州昌嘉扬州有限公司", "常州途畅科技有限公司合肥分公司", "", None, "有限公司"] * 2
    _assert_same(values)
    frame = parse_company_names(values)
    assert frame["input"].to_list() == values
    half = len(values) // 2
    assert frame.head(half).equals(frame.tail(half))
    assert frame.row(0, named=True) == {"input": "杭州昌嘉科技有限公司", "normalized": "杭州昌嘉科技有限公司",
                                        "trade_name": "昌嘉", "region": "杭州", "legal_form": "有限公司",
                                        "industry": "科技"}
