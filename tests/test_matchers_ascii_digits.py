"""Issue 13: no full-width or other non-ASCII digit reaches an E.164, ID or key field (NFKC first, then the
digits NFKC leaves alone, such as Arabic-Indic ٣ or Devanagari ३)."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from shellring.matchers.address import parse_addresses
from shellring.matchers.ids import parse_resident_ids, parse_usccs
from shellring.matchers.phone import parse_phones

_ANY_DIGIT = st.characters(categories=["Nd"])
_DIGITS = st.lists(_ANY_DIGIT, min_size=1, max_size=14).map("".join)


def _no_foreign_digit(value) -> bool:
    return value is None or not any(ch.isdigit() and not ("0" <= ch <= "9") for ch in str(value))


def test_full_width_landline_in_brackets():
    df = parse_phones(["（010）６５５２９９８８", "(010)65529988"])
    assert df["e164"].to_list() == ["+861065529988", "+861065529988"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["", "(", "（", "+86 ", "0086-"]), _DIGITS, st.sampled_from(["", ")", "）", "-", " "]), _DIGITS)
@example("（", "０１０", "）", "６５５２９９８８")
@example("", "١٣٨٠٠١٣٨", "", "٠٠٠")
def test_phones_give_ascii_digits_only(prefix, area, sep, local):
    row = parse_phones([prefix + area + sep + local]).row(0, named=True)
    for field in ("e164", "national", "extension"):
        assert _no_foreign_digit(row[field]), (field, row)
    if row["e164"] is not None:
        assert row["e164"].isascii()


@settings(max_examples=300, deadline=None)
@given(_DIGITS, st.sampled_from(["", "X", "x", "Ｘ", "L"]))
@example("١١٠١٠٥١٩٤٩١٢٣١٠٠٢", "X")
def test_ids_give_ascii_digits_only(digits, tail):
    value = digits + tail
    rid = parse_resident_ids([value]).row(0, named=True)
    uscc = parse_usccs([value]).row(0, named=True)
    for field in ("normalized", "region_code"):
        assert _no_foreign_digit(rid[field]) and _no_foreign_digit(uscc[field]), (field, rid, uscc)


@settings(max_examples=200, deadline=None)
@given(_DIGITS, _DIGITS, _DIGITS, st.sampled_from(["号", "號", "-"]))
@example("١٣٨", "٣", "١٢٠٣", "号")
def test_address_fields_and_keys_give_ascii_digits_only(number, building, room, word):
    row = parse_addresses([f"浙江省杭州市西湖区文三路{number}{word}{building}幢{room}室"]).row(0, named=True)
    for field in ("number", "building", "unit", "floor", "room", "site_key", "building_key", "room_key", "adcode"):
        assert _no_foreign_digit(row[field]), (field, row)
