"""Smoke test of the third clean-room generator (bench/thirdgen/generate.py): valid identifiers, a truth row
for every company, every ring kind and sophistication level present, and the planted defects written."""
from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path

import polars as pl

_PATH = Path(__file__).resolve().parents[1] / "bench" / "thirdgen" / "generate.py"
_spec = importlib.util.spec_from_file_location("thirdgen_generate", _PATH)
gen = importlib.util.module_from_spec(_spec)
sys.modules["thirdgen_generate"] = gen
_spec.loader.exec_module(gen)


def test_thirdgen_extracts_truth_and_check_digits(tmp_path: Path) -> None:
    gen.generate(tmp_path, 4000, seed=3)
    text = (tmp_path / "registrations.csv").read_bytes().decode("gb18030")
    lines = text.splitlines()
    assert lines[0].startswith("广东省") and lines[1].startswith("社会信用代码") and lines[-1].startswith("合计")
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines[1:-1]))) if len(r) == len(gen.REG_HEADER)]
    reg = {r[0]: r for r in rows[1:] if r[0]}
    truth = pl.read_csv(tmp_path / "truth.csv", infer_schema=False)
    codes = truth["uscc"].to_list()
    assert len(codes) == len(set(codes))
    assert all(gen.uscc_valid(c) for c in codes)
    loaded = set(reg)
    missing = set(codes) - loaded
    assert len(missing) <= 2  # the two ragged rows only
    assert loaded <= set(codes)  # every well-formed registration row is a company of the truth file
    ids = [r[3].strip().lstrip("'").replace(" ", "").upper() for r in reg.values() if r[3]]
    assert ids and all(gen.id_valid(i) for i in ids)
    rings = truth.filter(pl.col("is_ring") == "true")
    assert set(rings["kind"]) == set(gen.KINDS)
    assert set(rings["sophistication"]) == set(gen.LEVELS)
    assert {(k, lv) for k, lv in rings.select("kind", "sophistication").unique().iter_rows()} == {
        (k, lv) for k in gen.KINDS for lv in gen.LEVELS}
    assert 0.02 < rings.height / truth.height < 0.06  # a few %; every kind x level forced in at this small size
    legit = set(truth.filter(pl.col("is_ring") == "false")["kind"])
    assert {"ordinary", "business_park", "incubator", "group_subsidiary", "bookkeeping_client", "serial_owner",
            "common_name"} <= legit
    acc = pl.read_parquet(tmp_path / "accounts.parquet")
    assert acc.schema["开户日期"] == pl.Date
    assert set(rings["uscc"]) <= set(acc["统一社会信用代码"])  # every ring member opened an account
    agents = [a for a in acc["经办人身份证号码"].to_list() if a]
    assert agents and all(gen.id_valid(a) for a in agents)
    assert (tmp_path / "planted_defects.csv").read_text().count("\n") >= 6


def test_thirdgen_check_digits_match_published_examples() -> None:
    assert gen.uscc_valid("91110000600037341L")
    body = "440305" + "19900101" + "123"  # a made-up body: the check digit must close it, and a changed digit break it
    assert gen.id_valid(body + gen.id_check(body))
    assert not gen.id_valid("440305" + "19900102" + "123" + gen.id_check(body))


def test_thirdgen_xlsx_accounts(tmp_path: Path) -> None:
    gen.generate(tmp_path, 1500, seed=5, accounts_format="xlsx")
    cities = ["深圳", "广州", "东莞", "佛山"]
    sheets = pl.read_excel(tmp_path / "accounts.xlsx", sheet_name=cities, read_options={"header_row": 1})
    assert sum(df.height for df in sheets.values()) > 1000
    assert all(df.columns[0] == "对公账号" for df in sheets.values())
