"""Smoke test of the fourth outside generator (bench/fourthgen/generate.py): its files are what it promises.

Check digits are recomputed here independently of the generator (GB 32100 for the USCC, GB 11643 for resident
IDs), the truth file covers every company in both extracts, and every ring kind and sophistication level is
planted even in a small run.
"""

from __future__ import annotations

import csv
import importlib.util
import unicodedata
from pathlib import Path

import polars as pl
import pytest

GENERATOR = Path(__file__).resolve().parents[1] / "bench" / "fourthgen" / "generate.py"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RING_KINDS = {"address_farm", "nominee", "dealer_phone", "agent", "mixed", "student_batch"}
LOOKALIKES = {"business_park", "incubator", "group_subsidiary", "bookkeeping_agency", "serial_owner", "common_name"}


def _uscc_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in ALPHABET for c in code):
        return False
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return ALPHABET[(31 - total % 31) % 31] == code[17]


def _id_ok(pid: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return len(pid) == 18 and pid[:17].isdigit() and "10X98765432"[
        sum(int(c) * w for c, w in zip(pid[:17], weights)) % 11] == pid[17]


def _clean(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().lstrip("'").replace(" ", "").upper()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("fourthgen_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("fourthgen")
    module.write(module.build(3000, seed=5), out)
    return out


def _registrations(folder: Path) -> pl.DataFrame:
    frames = [pl.read_excel(folder / "registrations.xlsx", sheet_name=sheet,
                            read_options={"header_row": 2, "dtypes": "string"})
              for sheet in ("苏州市", "南京市", "无锡市", "常州市")]
    return pl.concat(frames).filter(pl.col("企业名称").is_not_null())


def test_check_digits_are_valid_except_the_planted_ones(generated: Path) -> None:
    regs = _registrations(generated)
    truth = pl.read_csv(generated / "truth.csv", infer_schema=False)
    planted = set(truth.filter(pl.col("tags") == "defect_check_digit")["uscc"])
    usccs = [_clean(u) for u in regs["统一社会信用代码"].to_list() if _clean(u)]
    assert len(planted) == 3
    assert all(_uscc_ok(u) for u in usccs if u not in planted)
    assert not any(_uscc_ok(u) for u in planted)
    ids = [_clean(i) for i in regs["法定代表人证件号码"].to_list() if _clean(i)]
    assert ids and all(_id_ok(i) for i in ids)


def test_truth_covers_every_company_and_every_kind_and_level(generated: Path) -> None:
    truth = pl.read_csv(generated / "truth.csv", infer_schema=False)
    assert truth.columns == ["uscc", "kind", "group_id", "is_ring", "sophistication", "tags"]
    assert truth["uscc"].n_unique() == truth.height
    known = set(truth["uscc"])
    regs = {_clean(u) for u in _registrations(generated)["统一社会信用代码"].to_list()} - {""}
    assert regs <= known
    with (generated / "accounts.csv").open(encoding="gbk", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[2]
    assert header[:3] == ["账户名称", "统一社会信用代码", "银行账号"]
    accounts = {_clean(r[1]) for r in rows[3:] if len(r) == len(header)}
    assert accounts <= known
    rings = truth.filter(pl.col("is_ring") == "true")
    assert set(rings["kind"]) == RING_KINDS
    assert set(rings["sophistication"]) == {"naive", "medium", "sophisticated"}
    pairs = set(zip(rings["kind"], rings["sophistication"]))
    assert len(pairs) == 18
    assert set(truth.filter(pl.col("is_ring") == "false")["kind"]) == LOOKALIKES | {"ordinary"}


def test_planted_defects_are_listed(generated: Path) -> None:
    defects = pl.read_csv(generated / "planted_defects.csv", infer_schema=False)
    kinds = set(defects["defect"])
    assert {"empty USCC", "unparseable 成立日期", "empty 银行账号", "impossible 开户日期",
            "exact duplicate account line", "unquoted comma in 账户名称 (ragged)"} <= kinds
