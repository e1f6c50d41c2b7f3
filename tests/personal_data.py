"""An independent scanner for resident IDs, phone numbers and account numbers in a DuckDB file (tests only).

It does not use the code under test: its patterns and the USCC check character are written out here."""

from __future__ import annotations

import re

_BEFORE, _AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"  # whole tokens: hex pseudonyms and cluster ids hold digits
_SEP = r"[\s\-]?"
PERSONAL_DATA = {
    "resident_id": re.compile(_BEFORE + r"[1-9]\d{16}[\dXx]" + _AFTER),
    "mobile": re.compile(_BEFORE + r"1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _AFTER),
    # +86 / 0086 then a mobile or an area code (bracketed or not) and a local number, any separators
    "phone_+86": re.compile(r"(?:\+|" + _BEFORE + r"00)86" + _SEP + r"(?:[(（]0?\d{2,3}[)）]|0?\d{2,3})" + _SEP
                            + r"\d{3,4}" + _SEP + r"\d{4}" + _AFTER),
    "landline": re.compile(r"(?:" + _BEFORE + r"0\d{2,3}[\s\-]|[(（]0\d{2,3}[)）]\s?)\d{3,4}" + _SEP + r"\d{4}"
                           + _AFTER),
    "long_digits": re.compile(_BEFORE + r"\d{12,19}" + _AFTER),  # accounts, unseparated landlines, 15-digit IDs
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _valid_uscc(code: str) -> bool:
    """GB 32100-2015 check character; an 18-character match that passes it is a company code, not an ID."""
    code = code.upper()
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def redacted(fragment: str) -> str:
    """A hit as a failure message may show it: never the digits themselves."""
    return fragment[:3] + re.sub(r"\d", "*", fragment[3:-2]) + fragment[-2:]


def personal_data_hits(con) -> list[tuple[str, str, str, str]]:
    """(table, column, kind, fragment) for every personal-data-shaped value in any column of any table or view,
    each cast to text (JSON, lists and structs included)."""
    columns = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main' order by all"
    ).fetchall()
    assert columns
    hits = []
    for table, column in columns:
        values = con.execute(f'select distinct cast("{column}" as varchar) from "{table}" '
                             f'where "{column}" is not null').fetchall()
        for (value,) in values:
            hits += [(table, column, kind, fragment) for kind, fragment in personal_data_in_text(value)]
    return hits


def personal_data_in_text(text: str) -> list[tuple[str, str]]:
    """(kind, fragment) for every personal-data-shaped token in a text (a page, a picture, a terminal's output)."""
    return [(kind, m.group()) for kind, pattern in PERSONAL_DATA.items() for m in pattern.finditer(text)
            if not (len(m.group()) == 18 and _valid_uscc(m.group()))]
