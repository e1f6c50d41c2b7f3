import csv
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shellring.matchers.compare import id_near_match
from shellring.matchers.ids import mask_id, mask_phone, parse_resident_ids, parse_usccs

DATA = Path(__file__).parent / "data" / "ids"


def test_all_valid_usccs_pass_with_valid_org_codes():
    codes = (DATA / "uscc_valid.txt").read_text().split()
    out = parse_usccs(codes)
    assert len(codes) == 201
    assert out["valid"].all()
    assert out["org_code_valid"].all()
    assert out["input"].to_list() == codes


def test_invalid_usccs_fail_with_the_recorded_reason_family():
    rows = list(csv.DictReader(open(DATA / "uscc_invalid.csv", encoding="utf-8")))
    out = parse_usccs([r["code"] for r in rows])
    assert not out["valid"].any()
    for row, reason in zip(rows, out["reason"], strict=True):
        if row["failure"] in ("length", "checksum"):
            assert reason.startswith(row["failure"])
        else:  # upstream's "format" covers both a bad alphabet and, in stdnum, letters in positions 1-8
            assert reason.startswith(("format", "checksum"))


def test_pilot_uscc_fails_checksum_but_is_kept():
    out = parse_usccs(["91350100M0001TGQXM"]).row(0, named=True)
    assert out["valid"] is False and out["reason"].startswith("checksum")
    assert out["normalized"] == "91350100M0001TGQXM" and out["region_code"] == "350100"
    assert out["entity_type"] == "enterprise"


def test_resident_id_cases():
    rows = list(csv.DictReader(open(DATA / "ric_cases.csv", encoding="utf-8")))
    out = parse_resident_ids([r["id"] for r in rows])
    for row, got in zip(rows, out.iter_rows(named=True), strict=True):
        if row["valid"] == "true":
            assert got["valid"], row["id"]
            assert got["normalized"] == row["id"].upper()
        elif row["valid"] == "false":
            assert not got["valid"], row["id"]
        if row["birth_date"]:
            assert got["birth_date"] == date.fromisoformat(row["birth_date"])
    # abolished / not-yet-registered region codes are only a warning: still valid
    assert out.filter(pl.col("input") == "120110198012010073")["valid"].item()


def test_legacy_15_digit_upgrade_and_sex():
    out = parse_resident_ids(["110105491231002", " 11010519491231002x "]).rows(named=True)
    assert out[0]["kind"] == "legacy15" and out[0]["normalized"] == "11010519491231002X"
    assert out[1]["normalized"] == "11010519491231002X" and out[1]["sex"] == "F"
    assert out[0]["birth_date"] == date(1949, 12, 31)


def test_bad_checksum_keeps_normalized():
    got = parse_resident_ids(["36042619910102009X"]).row(0, named=True)
    assert got["valid"] is False and got["reason"].startswith("checksum")
    assert got["normalized"] == "36042619910102009X"


def test_permit_kind():
    body = "81000019900101001"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    got = parse_resident_ids([body + check]).row(0, named=True)
    assert got["kind"] == "permit" and got["valid"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=20))
def test_id_parsers_never_raise(values):
    assert parse_resident_ids(values).height == len(values)
    assert parse_usccs(values).height == len(values)


def test_masking():
    """ids' masks are the published ones (shellring.matchers.masking): they mask the stored value as it is."""
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13812348000") == "138****8000"
    assert mask_phone("0571-87654321") == "0571****4321"
    assert mask_phone("01087654321") == "010****4321"
    assert mask_phone("+8613812348000") == "138****8000"


def test_id_near_match_substitution_and_transposition():
    base = "11010519491231002X"
    swapped = base[:10] + base[11] + base[10] + base[12:]
    substituted = base[:5] + "9" + base[6:]
    two_subs = "21010519491231002Y"
    got = id_near_match([base, base, base, base, None], [swapped, substituted, base, two_subs, base])
    assert got.tolist() == [swapped != base, True, False, False, False]
    rng = np.random.default_rng(0)
    a = ["".join(rng.choice(list("0123456789"), 18)) for _ in range(500)]
    b = [s[:7] + ("0" if s[7] != "0" else "1") + s[8:] for s in a]
    assert id_near_match(a, b).all()


# What bank and registry exports put around a code: Excel's text marker (a leading '), quotes, a lower-case x,
# full-width digits. Each is the same ID or USCC, so each must normalise as the plain code does.
QUOTED_IDS = ["'11010519491231002X", "'11010519491231002x", "\"11010519491231002X\"", "‘11010519491231002X’",
              "'１１０１０５１９４９１２３１００２Ｘ", "`11010519491231002X"]
QUOTED_USCCS = ["'91110000600037341L", "'91110000600037341l", "\"91110000600037341L\"", "“91110000600037341L”",
                "'91 110000 600037341 L"]


def test_quoted_codes_read_as_the_plain_code():
    ids = parse_resident_ids(QUOTED_IDS)
    assert ids["normalized"].to_list() == ["11010519491231002X"] * len(QUOTED_IDS)
    assert ids["valid"].all()
    usccs = parse_usccs(QUOTED_USCCS)
    assert usccs["normalized"].to_list() == ["91110000600037341L"] * len(QUOTED_USCCS)
    assert usccs["valid"].all()
