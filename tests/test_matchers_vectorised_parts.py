"""The column-wise parts of the USCC and resident-ID parsers and the company-name suffix index give exactly what
the per-value definitions give (written here one value at a time, as the parsers did before)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shellring.matchers import company
from shellring.matchers.ids import _AUTHORITY, _ENTITY_TYPE_9, _PERMIT_REGIONS, _clean, parse_resident_ids, parse_usccs

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ x-"
ID_CHARS = "0123456789Xx -"


def _uscc_parts(text: str) -> tuple:
    if len(text) != 18 or not all(c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" for c in text):
        return None, None, None, None, None
    entity = _ENTITY_TYPE_9.get(text[1], "other") if text[0] == "9" else "other"
    region = text[2:8] if text[2:8].isdigit() else None
    return text, _AUTHORITY.get(text[0], "unknown"), entity, region, text[8:17]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(USCC_CHARS, min_size=16, max_size=19),
                          st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18)), max_size=40))
def test_uscc_parts_equal_the_per_value_definition(values):
    got = parse_usccs(values).select("normalized", "authority", "entity_type", "region_code", "org_code").rows()
    expected = [_uscc_parts(text) for text in _clean(values).to_list()]
    assert got == expected


_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _resident_parts(text: str) -> tuple:
    kind = "legacy15" if len(text) == 15 else "resident18"
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        text = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    elif not (len(text) == 18 and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
        return None, None, "invalid"
    return text, text[:6], "permit" if text[:6] in _PERMIT_REGIONS else kind


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(ID_CHARS, min_size=14, max_size=19),
                          st.sampled_from(["810000199001011234", "11010119900101123x", "110101900101123"])),
                max_size=40))
def test_resident_id_text_region_and_kind_equal_the_per_value_definition(values):
    frame = parse_resident_ids(values)
    assert frame.select("normalized", "region_code", "kind").rows() == [_resident_parts(t) for t in _clean(values)]


WORDS = sorted(company.INDUSTRY_WORDS + company.LEGAL_FORMS)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="".join(sorted(set("".join(WORDS)))) + "翠腾", max_size=14), st.integers(0, 3))
def test_the_suffix_index_finds_the_longest_word_ending_the_text(text, keep):
    longest = max((w for w in WORDS if text.endswith(w) and len(text) - len(w) >= keep), key=len, default=None)
    assert company._suffix(text, company._by_length(WORDS), keep) == longest
