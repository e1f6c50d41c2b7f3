"""Masking of personal data (resident IDs, phones, account numbers) in text meant for logs and reject tables.

Display forms follow JR/T 0171-2020 practice: ID `110105********002X`, mobile `138****8000`,
landline `010-****5678`, account `6222****1234`. Over-masking (e.g. an all-digit USCC) is accepted.
"""

from __future__ import annotations

import re

RAW_ROW_LIMIT = 2000

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

_RESIDENT_ID = re.compile(
    _NOT_ALNUM_BEFORE + r"(\d{6})(\d{8})(\d{3}[\dXx])" + _NOT_ALNUM_AFTER
    + "|" + _NOT_ALNUM_BEFORE + r"(\d{6})(\d{5})(\d{4})" + _NOT_ALNUM_AFTER  # legacy 15-digit IDs
)
_MOBILE = re.compile(r"(?<!\d)((?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)([(（]?0\d{2,3}[)）]?)([- ]?)\d{3,4}[- ]?(\d{4})(?!\d)")
# +86 / 0086, then an area code without its 0 (bracketed or not): +86-571-87654321, +86 (571) 8765-4321
_INTL_LANDLINE = re.compile(r"(?<!\d)((?:\+|00)86[- ]?)([(（]?0?[1-9]\d{1,2}[)）]?)([- ]?)\d{3,4}[- ]?(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(_NOT_ALNUM_BEFORE + r"(\d{4})\d{2,}(\d{4})" + _NOT_ALNUM_AFTER)


def _mask_id(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"{match.group(1)}********{match.group(3)[-4:]}"
    return f"{match.group(4)}*****{match.group(6)}"


def _mask_landline(match: re.Match[str]) -> str:
    area, separator = match.group(1), match.group(2)
    if not separator and not area.endswith((")", "）")):
        separator = "-"
    return f"{area}{separator}****{match.group(3)}"


def mask_text(text: str | None, limit: int = RAW_ROW_LIMIT) -> str | None:
    """Mask every resident ID, phone number and long digit run in free text, then cut it to `limit` chars."""
    if text is None:
        return None
    head = text[: limit + 64]  # mask a little beyond the cut so no ID is left half-visible at the edge
    head = _RESIDENT_ID.sub(_mask_id, head)
    head = _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", head)
    head = _INTL_LANDLINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}****{m.group(4)}", head)
    head = _LANDLINE.sub(_mask_landline, head)
    head = _LONG_DIGITS.sub(lambda m: f"{m.group(1)}****{m.group(2)}", head)
    if len(text) > limit:
        return head[:limit] + f"…[{len(text) - limit} more chars]"
    return head
