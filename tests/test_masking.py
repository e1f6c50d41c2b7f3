"""One masking: the DuckDB macros the published tables use and the Python functions come from one spec and agree."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shellring.flows.core.masking import create_masking_macros
from shellring.matchers import masking


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    create_masking_macros(connection)
    yield connection
    connection.close()


def _sql(con, macro: str, *args):
    placeholders = ", ".join("?" for _ in args)
    return con.execute(f"select {macro}({placeholders})", list(args)).fetchone()[0]


digits = st.text("0123456789", min_size=1, max_size=2)
resident_ids = st.one_of(
    st.from_regex(r"[1-8][0-9]{16}[0-9X]", fullmatch=True),
    st.from_regex(r"[1-8][0-9]{14}", fullmatch=True),  # legacy 15-digit
    st.text("0123456789Xx -", max_size=22),  # typos, short and long junk
)
mobiles = st.from_regex(r"(\+86)?1[3-9][0-9]{9}", fullmatch=True)
landlines = st.one_of(
    st.from_regex(r"(\+86|0)(10|2[0-9])[2-9][0-9]{7}", fullmatch=True),  # 3-digit area codes (010, 021…)
    st.from_regex(r"(\+86|0)[3-9][0-9]{2}[2-9][0-9]{6,7}", fullmatch=True),  # 4-digit area codes (0571…)
    st.from_regex(r"\+86(400|800)[0-9]{7}", fullmatch=True),  # service numbers
)
junk = st.text("0123456789+86-() ~\n张x", max_size=14)
# junk that starts like a mobile or an area code, so each shape's edge (length, non-digits, newlines) is probed
near_shapes = st.builds(lambda head, rest: head + rest, st.sampled_from(["1", "0", "01", "02", "+861", "+860"]), junk)
phones = st.one_of(mobiles, landlines, junk, near_shapes, st.text(max_size=14))
accounts = st.one_of(st.from_regex(r"[0-9]{8,25}", fullmatch=True), st.text("0123456789-", max_size=12))
names = st.one_of(st.text("王李张欧阳诸葛·\u0301ABé ", max_size=8), st.text(max_size=8))
some = st.one_of(st.none(), st.text(max_size=20))
agree = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


KINDS = {"mask_id": resident_ids, "mask_phone": phones, "national_phone": phones, "mask_account": accounts,
         "mask_name": names}


@pytest.mark.parametrize("macro", list(KINDS))
@agree
@given(data=st.data())
def test_python_agrees_with_sql(con, macro, data):
    value = data.draw(st.one_of(st.none(), KINDS[macro]), label="value")
    assert _sql(con, macro, value) == getattr(masking, macro)(value)


@agree
@given(kind=st.sampled_from([None, "person", "phone", "room", "building"]),
       value=st.one_of(some, resident_ids, phones, st.builds(lambda p, s: f"{p}~{s}", mobiles, digits)))
def test_display_value_agrees_with_sql(con, kind, value):
    assert _sql(con, "display_value", kind, value) == masking.display_value(kind, value)


def test_published_forms(con):
    """The forms analysts see in the published tables (these rules were the SQL macros before the spec)."""
    cases = [
        ("mask_id", "11010519491231002X", "110105********002X"),
        ("mask_id", "110105491231002", "110105*****1002"),
        ("mask_id", "11010519491", "110105*9491"),
        ("mask_id", "1101051949", "**********"),
        ("mask_phone", "+8613812348000", "138****8000"),
        ("mask_phone", "+8657187654321", "571****4321"),  # E.164 landline: the area code without its 0
        ("mask_phone", "+861087654321", "108****4321"),
        ("mask_phone", "01087654321", "010****4321"),  # national form: the area code with its 0
        ("mask_phone", "057187654321", "0571****4321"),
        ("mask_account", "6222021234567891234", "6222****1234"),
        ("mask_account", "12345678", "********"),
        ("mask_name", "欧阳娜娜", "欧***"),
        ("mask_name", "", ""),
    ]
    for macro, value, shown in cases:
        assert _sql(con, macro, value) == shown, (macro, value)
        assert getattr(masking, macro)(value) == shown, (macro, value)
    assert masking.display_value("person", "11010519491231002X") == "110105********002X"
    assert masking.display_value("phone", "+8613812348000~00") == "138****8000"
    assert masking.display_value("room", "330106|文三路|100|1|1203") == "330106|文三路|100|1|1203"


def test_free_text_uses_the_same_keep_rules():
    assert masking.mask_text("rep 11010519491231002X, tel 13800138000") == (
        f"rep {masking.mask_id('11010519491231002X')}, tel {masking.mask_phone('13800138000')}")
    assert masking.mask_text("acct 6222021234567891234") == f"acct {masking.mask_account('6222021234567891234')}"
