import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from matchers.phone import COLUMNS, area_code_table, parse_phones

CASES = [
    ("13812345678", "+8613812345678", "mobile", None),
    ("+86 138 1234 5678", "+8613812345678", "mobile", None),
    ("0086-13812345678", "+8613812345678", "mobile", None),
    ("8613812345678", "+8613812345678", "mobile", None),
    ("013812345678", "+8613812345678", "mobile", None),
    ("(0571)87654321", "+8657187654321", "fixed_line", None),
    ("0571-87654321转801", "+8657187654321", "fixed_line", "801"),
    ("0571-87654321-801", "+8657187654321", "fixed_line", "801"),
    ("010 8765 4321 分机 22", "+861087654321", "fixed_line", "22"),
    ("0571 8765 4321 ext 801", "+8657187654321", "fixed_line", "801"),
    ("+86 571 8765 4321", "+8657187654321", "fixed_line", None),
    ("400-123-4567", "+864001234567", "shared_cost", None),
    ("800 820 8820", "+868008208820", "toll_free", None),
]


def test_formats():
    df = parse_phones([c[0] for c in CASES])
    assert df.columns == COLUMNS
    for (raw, e164, kind, ext), row in zip(CASES, df.iter_rows(named=True), strict=True):
        assert (row["e164"], row["type"], row["extension"], row["valid"]) == (e164, kind, ext, True), raw
    assert df["national"][5] == "057187654321"


def test_virtual_and_invalid():
    df = parse_phones(["17012345678", "16512345678", "13912345678", "12345", "+1 415 555 1234", None, ""])
    assert df["is_virtual"].to_list()[:3] == [True, True, False]
    assert df["valid"].to_list()[3:] == [False] * 4


def test_missing_area_code_resolved_from_hint():
    df = parse_phones(["87654321", "87654321", "87654321"], area_hints=["330106", "1101", None])
    assert df["e164"].to_list() == ["+8657187654321", "+861087654321", None]
    assert df["reason"][2].startswith("landline")


def test_area_code_table_covers_most_cities():
    table = area_code_table()
    assert table["3301"] == "0571" and table["4403"] == "0755" and table["1101"] == "010"
    assert len(table) >= 300


def test_order_preserved_when_fast_and_slow_paths_mix():
    values = ["0571-87654321", "13812345678", None, "400-123-4567", "13912345678"]
    assert parse_phones(values)["input"].to_list() == values


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30), st.from_regex(r"\+?[0-9 ()\-]{5,20}(转\d{1,4})?")), max_size=10))
def test_never_raises(values):
    assert parse_phones(values).height == len(values)
