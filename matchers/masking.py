"""The one masking of personal data: resident IDs, phones, account numbers and person names.

Display forms follow JR/T 0171-2020 practice: ID `110105********002X`, mobile `138****8000`, account
`6222****1234`, name `张**`: enough to recognise a value, not to use it. The rules are the small spec below;
the Python functions here and the DuckDB macros the published tables are built with (`sql_macros()`, created
by the marts stage) are both rendered from it, so a value is masked the same way wherever it is shown
(published tables, exports, logs). `mask_text` finds IDs, phones and long digit runs in free text (reject
rows, notes) and masks them with the same keep-rules.

The published tables were built with these exact rules before they became a spec; changing one changes
published values. Over-masking (e.g. an all-digit USCC in free text) is accepted.

This module lives in `matchers` (the bottom layer, which imports nothing from `flows`) so that matchers can
use it; `shellring.flows.core.masking` re-exports it for the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RAW_ROW_LIMIT = 2000


@dataclass(frozen=True)
class Keep:
    """Show `head` leading and `tail` trailing characters with stars between them. A value of `hidden_up_to`
    characters or fewer is all stars (one per character). `stars`: a fixed run of stars, which also hides the
    length; None for one star per hidden character."""

    head: int
    tail: int
    hidden_up_to: int
    stars: int | None = None


@dataclass(frozen=True)
class PhoneShape:
    """A national phone number matching `pattern` (whole value; `.` matches any character) shows `head`
    leading characters: the mobile prefix or the area code."""

    name: str
    pattern: str
    head: int


@dataclass(frozen=True)
class PhoneRule:
    """Phones are stored as E.164. The country prefix is dropped, the first matching shape (else
    `other_head`) picks how many leading characters stay, then always `stars` stars and `tail` characters."""

    country_prefix: str
    shapes: tuple[PhoneShape, ...]
    other_head: int
    stars: int
    tail: int


ID = Keep(head=6, tail=4, hidden_up_to=10)  # region code and the last 4; the birth date is hidden
ACCOUNT = Keep(head=4, tail=4, hidden_up_to=8, stars=4)  # bank prefix and the last 4
NAME = Keep(head=1, tail=0, hidden_up_to=0)  # the surname
PHONE = PhoneRule(
    country_prefix="+86",
    shapes=(
        PhoneShape("mobile", r"1.{10}", head=3),  # 138****8000
        PhoneShape("two-digit area code", r"0[12][0-9]+", head=3),  # 010****5678 (national form)
        PhoneShape("area code", r"0.*", head=4),  # 0571****4321 (national form)
    ),
    # E.164 landlines lose their 0 with the country prefix and land here: +8657187654321 -> 571****4321
    other_head=3,
    stars=4,
    tail=4,
)
# How each kind of shared value (`company_attributes.attr_kind`) is shown to analysts: people and phones
# masked, addresses as keyed. A phone value may carry `~` and a suffix (weak evidence); only the part
# before it is a phone.
DISPLAY: dict[str, tuple[str, str | None]] = {"person": ("mask_id", None), "phone": ("mask_phone", "~")}


# ---- Python ------------------------------------------------------------------------------------------------

def _keep(rule: Keep, value: str | None) -> str | None:
    if value is None:
        return None
    n = len(value)
    if n <= rule.hidden_up_to:
        return "*" * n
    stars = rule.stars if rule.stars is not None else n - rule.head - rule.tail
    return value[: rule.head] + "*" * stars + value[n - rule.tail:]


def mask_id(value: str | None) -> str | None:
    """110105********002X: region code and last 4 kept; 10 characters or fewer are all stars."""
    return _keep(ID, value)


def mask_account(value: str | None) -> str | None:
    """6222****1234: first 4 and last 4 around a fixed 4 stars; 8 characters or fewer are all stars."""
    return _keep(ACCOUNT, value)


def mask_name(value: str | None) -> str | None:
    """张**: the first character, a star for each of the others."""
    return _keep(NAME, value)


_PHONE_SHAPES = [(re.compile(shape.pattern, re.DOTALL), shape.head) for shape in PHONE.shapes]


def national_phone(e164: str | None) -> str | None:
    if e164 is None:
        return None
    return e164[len(PHONE.country_prefix):] if e164.startswith(PHONE.country_prefix) else e164


def mask_phone(e164: str | None) -> str | None:
    """138****8000 for mobiles, 571****4321 for an E.164 landline; the value as stored, not cleaned."""
    national = national_phone(e164)
    if national is None:
        return None
    head = next((head for pattern, head in _PHONE_SHAPES if pattern.fullmatch(national)), PHONE.other_head)
    return national[:head] + "*" * PHONE.stars + national[max(len(national) - PHONE.tail, 0):]


def display_value(kind: str | None, value: str | None) -> str | None:
    """How a shared value of one kind is shown to analysts (`hubs.value_display`, link evidence)."""
    if kind not in DISPLAY or value is None:
        return value
    function, separator = DISPLAY[kind]
    return _MASKS[function](value.split(separator, 1)[0] if separator else value)


_MASKS = {"mask_id": mask_id, "mask_phone": mask_phone, "mask_account": mask_account, "mask_name": mask_name}


# ---- free text ---------------------------------------------------------------------------------------------

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_RESIDENT_ID = re.compile(
    _NOT_ALNUM_BEFORE + r"\d{17}[\dXx]" + _NOT_ALNUM_AFTER
    + "|" + _NOT_ALNUM_BEFORE + r"\d{15}" + _NOT_ALNUM_AFTER  # legacy 15-digit IDs
)
_MOBILE = re.compile(r"(?<!\d)((?:\+|00)?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)([(（]?0\d{2,3}[)）]?)([- ]?)\d{3,4}[- ]?(\d{4})(?!\d)")
# +86 / 0086, then an area code without its 0 (bracketed or not): +86-571-87654321, +86 (571) 8765-4321
_INTL_LANDLINE = re.compile(r"(?<!\d)((?:\+|00)86[- ]?)([(（]?0?[1-9]\d{1,2}[)）]?)([- ]?)\d{3,4}[- ]?(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(_NOT_ALNUM_BEFORE + r"\d{10,}" + _NOT_ALNUM_AFTER)


def _mask_mobile(match: re.Match[str]) -> str:
    return (match.group(1) or "") + mask_phone(re.sub(r"[- ]", "", match.group(2)))


def _mask_landline(match: re.Match[str]) -> str:
    """The area code as written (with its brackets or separator), then the phone rule's stars and tail."""
    area, separator = match.group(1), match.group(2)
    if not separator and not area.endswith((")", "）")):
        separator = "-"
    return f"{area}{separator}{_stars_and_tail(match.group(3))}"


def _mask_intl_landline(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{match.group(3)}{_stars_and_tail(match.group(4))}"


def _stars_and_tail(last_digits: str) -> str:
    return f"{'*' * PHONE.stars}{last_digits[len(last_digits) - PHONE.tail:]}"


def mask_text(text: str | None, limit: int = RAW_ROW_LIMIT) -> str | None:
    """Mask every resident ID, phone number and long digit run in free text, then cut it to `limit` chars."""
    if text is None:
        return None
    head = text[: limit + 64]  # mask a little beyond the cut so no ID is left half-visible at the edge
    head = _RESIDENT_ID.sub(lambda m: mask_id(m.group(0)), head)
    head = _MOBILE.sub(_mask_mobile, head)
    head = _INTL_LANDLINE.sub(_mask_intl_landline, head)
    head = _LANDLINE.sub(_mask_landline, head)
    head = _LONG_DIGITS.sub(lambda m: mask_account(m.group(0)), head)
    if len(text) > limit:
        return head[:limit] + f"…[{len(text) - limit} more chars]"
    return head


# ---- DuckDB ------------------------------------------------------------------------------------------------

def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _keep_sql(name: str, rule: Keep) -> str:
    stars = _sql_text("*" * rule.stars) if rule.stars is not None else (
        f"repeat('*', length(x) - {rule.head + rule.tail})")
    parts = [f"left(x, {rule.head})", stars] + ([f"right(x, {rule.tail})"] if rule.tail else [])
    return (
        f"create or replace macro {name}(x) as\n"
        f"    case when x is null then null\n"
        f"         when length(x) <= {rule.hidden_up_to} then repeat('*', length(x))\n"
        f"         else {' || '.join(parts)} end;"
    )


def _phone_sql() -> str:
    national = "national_phone(e164)"
    shown = f"{_sql_text('*' * PHONE.stars)} || right({national}, {PHONE.tail})"
    whens = "".join(
        f"\n         when regexp_full_match({national}, {_sql_text('(?s)' + shape.pattern)})"
        f"  -- {shape.name}\n            then left({national}, {shape.head}) || {shown}"
        for shape in PHONE.shapes
    )
    prefix = PHONE.country_prefix
    return (
        "create or replace macro national_phone(e164) as\n"
        f"    case when starts_with(e164, {_sql_text(prefix)}) then substr(e164, {len(prefix) + 1}) else e164 end;\n"
        "create or replace macro mask_phone(e164) as\n"
        f"    case when e164 is null then null{whens}\n"
        f"         else left({national}, {PHONE.other_head}) || {shown} end;"
    )


def _display_sql() -> str:
    whens = "".join(
        f"\n         when {_sql_text(kind)} then "
        + (f"{function}(split_part(value, {_sql_text(separator)}, 1))" if separator else f"{function}(value)")
        for kind, (function, separator) in DISPLAY.items()
    )
    return f"create or replace macro display_value(kind, value) as\n    case kind{whens}\n         else value end;"


def sql_macros() -> str:
    """DuckDB `create or replace macro` statements for mask_id, mask_account, mask_name, national_phone,
    mask_phone and display_value, rendered from the same spec as the Python functions."""
    return "\n".join([
        "-- Generated by shellring.matchers.masking.sql_macros(): display masks for personal data.",
        _keep_sql("mask_id", ID),
        _keep_sql("mask_account", ACCOUNT),
        _keep_sql("mask_name", NAME),
        _phone_sql(),
        _display_sql(),
    ]) + "\n"
