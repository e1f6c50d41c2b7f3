"""The clean-room generator (bench/cleanroom/generate.py) writes extracts the job can read: valid check digits,
a truth row for every company, every ring kind, level and look-alike kind present."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("cleanroom_generate", ROOT / "bench" / "cleanroom" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("cleanroom")
    module.generate(out, 6000, seed=3)
    return module, out


def _rows(path: Path, encoding: str, skip: int = 0, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as handle:
        for _ in range(skip):
            handle.readline()
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_check_digits_are_valid(generated):
    module, out = generated
    assert module.uscc_valid("91110000600037341L") and module.ric_valid("11010519491231002X")
    registrations = _rows(out / "registrations.csv", "gbk")
    assert all(module.uscc_valid(r["社会信用代码"]) for r in registrations)
    assert all(module.ric_valid(r["法人身份证号"]) for r in registrations)
    accounts = _rows(out / "accounts.csv", "utf-8-sig", skip=1, delimiter="\t")
    assert all(module.ric_valid(r["经办人身份证号码"]) for r in accounts)


def test_truth_covers_every_company_and_every_kind(generated):
    module, out = generated
    registrations = {r["社会信用代码"] for r in _rows(out / "registrations.csv", "gbk")}
    accounts = {r["信用代码"] for r in _rows(out / "accounts.csv", "utf-8-sig", skip=1, delimiter="\t")}
    truth = _rows(out / "truth.csv", "utf-8")
    assert {t["uscc"] for t in truth} == registrations == accounts
    assert len(truth) == len(registrations) == 6000
    rings = [t for t in truth if t["is_ring"] == "true"]
    assert {t["kind"] for t in rings} == set(module.RING_KINDS)
    assert {t["sophistication"] for t in rings} == set(module.LEVELS)
    assert {t["kind"] for t in truth if t["is_ring"] == "false"} == {
        "ordinary", "business_park", "incubator", "group_subsidiary", "bookkeeping_client", "serial_owner",
        "common_name"}
    assert 0.02 < len(rings) / len(truth) < 0.06
