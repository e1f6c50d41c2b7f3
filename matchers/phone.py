"""Chinese phone numbers: E.164, type, extension, MVNO flag; clean mobiles take a vectorised polars path.

The adcode -> area-code table is derived at first use from phonenumbers' bundled (offline) Chinese geocoding
descriptions matched against the division gazetteer, so it needs no extra data file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneNumberType

from .divisions import gazetteer
from .textnorm import to_text_list

COLUMNS = ["input", "e164", "national", "type", "extension", "valid", "is_virtual", "reason"]

_MOBILE_STRICT = re.compile(r"^1(3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9[0-35-9])\d{8}$")
_VIRTUAL_PREFIXES = ("162", "165", "167", "170", "171")
_CLEAN_MOBILE = r"^(?:\+?86|0086)?[\s\-]?0?(1[3-9]\d{9})$"
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|extension|x|#|－|-)\s*(\d{1,6})$", re.IGNORECASE)
_EXT_WORD = re.compile(r"(?:转|分机|ext\.?|extension|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_TWO_DIGIT_AREAS = frozenset({"10", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"})
_PN_TYPES = {
    PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.TOLL_FREE: "toll_free", PhoneNumberType.VOIP: "fixed_line",
}


@lru_cache(maxsize=1)
def area_code_table() -> dict[str, str]:
    """adcode prefix (4-digit city, or 6-digit county for province-administered counties) -> area code."""
    from phonenumbers.geocoder import description_for_number

    g = gazetteer()
    provinces = {d.name: d for d in g.by_code.values() if d.level == 1}
    provinces.update({n: ds[0] for n, ds in g.short.items() if ds[0].level == 1})
    under: dict[tuple[str, str], str] = {}
    for d in g.by_code.values():
        if d.level == 2:
            under[(d.province, d.name)] = d.code[:4]
        elif d.level == 3 and (d.city is None or d.province in ("11", "12", "31", "50")):
            under[(d.province, d.name)] = d.code
    for name, ds in g.short.items():
        for d in ds:
            if d.level == 2:
                under.setdefault((d.province, name), d.code[:4])
                under.setdefault((d.province, name + "州"), d.code[:4])  # 黔南州, 红河州
                under.setdefault((d.province, name + "地区"), d.code[:4])  # 毕节地区 before it became a city

    def keys_for(description: str) -> list[str]:
        # e.g. 浙江省杭州市 / 北京市 / 辽宁省沈阳市、铁岭市、抚顺市 / 内蒙古呼和浩特市
        for size in range(min(8, len(description)), 1, -1):
            prov = provinces.get(description[:size])
            if prov is None:
                continue
            rest = description[size:]
            if not rest:
                return [prov.province + "01"] if prov.province in ("11", "12", "31", "50") else []
            return [k for k in (under.get((prov.province, name)) for name in rest.split("、")) if k]
        return []

    table: dict[str, str] = {}
    candidates = sorted(_TWO_DIGIT_AREAS) + [f"{i}" for i in range(300, 1000)]
    for area in candidates:
        for local in ("87654321", "8765432"):
            try:
                number = phonenumbers.parse(f"+86{area}{local}")
            except phonenumbers.NumberParseException:
                continue
            keys = keys_for(description_for_number(number, "zh"))
            for key in keys:
                table.setdefault(key, "0" + area)
            if keys:
                break
    return table


def _area_for_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    digits = "".join(ch for ch in str(hint) if ch.isdigit())
    table = area_code_table()
    return table.get(digits[:6]) or table.get(digits[:4])


def _classify_national(national: str) -> tuple[str, bool, str | None]:
    """(type, valid, reason) for a national significant number with a leading 0 for landlines."""
    if national.startswith("1"):
        if len(national) == 11:
            ok = bool(_MOBILE_STRICT.match(national))
            return "mobile", ok, None if ok else "mobile: unassigned prefix"
        if len(national) == 13 and national.startswith(("14", "10")):
            return "iot", True, None
        return "unknown", False, "length: mobile must have 11 digits"
    if national.startswith(("400", "800")) and len(national) == 10:
        return ("shared_cost" if national[0] == "4" else "toll_free"), True, None
    if national.startswith("0"):
        try:
            parsed = phonenumbers.parse("+86" + national[1:])
        except phonenumbers.NumberParseException:
            return "unknown", False, "format: not a Chinese number"
        kind = _PN_TYPES.get(phonenumbers.number_type(parsed), "unknown")
        ok = phonenumbers.is_valid_number(parsed)
        return kind, ok, None if ok else "landline: invalid area code or length"
    return "unknown", False, "format: not a Chinese number"


def _parse_one(raw: str, hint: str | None) -> tuple:
    text = raw.strip()
    extension = None
    m = _EXT_WORD.search(text)
    if m:
        extension, text = m.group(1), text[: m.start()]
    digits_plus = re.sub(r"[^\d+]", "", text)
    international = digits_plus.startswith(("+86", "0086"))
    digits = re.sub(r"\D", "", digits_plus)
    if digits_plus.startswith("+") and not international:
        return None, None, "unknown", extension, False, False, "format: foreign country code"
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits_plus.startswith("+86") or (digits.startswith("86") and len(digits) in (13, 12, 11) and not digits.startswith("8610")):
        digits = digits[2:]
    elif digits.startswith("8610") and len(digits) in (12, 13):
        digits = digits[2:]
    if international and not digits.startswith(("1", "400", "800")) and not digits.startswith("0"):
        digits = "0" + digits
    if len(digits) == 12 and digits.startswith("01") and digits[2] in "3456789":
        digits = digits[1:]  # mobile written with a trunk 0
    if extension is None and digits.startswith("0") and not digits.startswith("01" + "1"):
        area_len = 3 if digits[1:3] in _TWO_DIGIT_AREAS else 4
        dm = _EXTENSION.search(text)
        if dm and len(digits) - len(dm.group(1)) >= area_len + 7 and len(digits) > area_len + 8:
            extension, digits = dm.group(1), digits[: len(digits) - len(dm.group(1))]
    if not digits:
        return None, None, "unknown", extension, False, False, "empty"
    if len(digits) in (7, 8) and digits[0] not in "01":
        area = _area_for_hint(hint)
        if area is None:
            return None, digits, "fixed_line", extension, False, False, "landline: area code missing"
        digits = area + digits
    kind, ok, reason = _classify_national(digits)
    e164 = "+86" + (digits[1:] if digits.startswith("0") else digits) if ok or kind != "unknown" else None
    virtual = kind == "mobile" and digits.startswith(_VIRTUAL_PREFIXES)
    return e164, digits, kind, extension, ok, virtual, reason


def parse_phones(values: Sequence[str | None] | pl.Series, area_hints: Sequence[str | None] | None = None) -> pl.DataFrame:
    """One row per input value in input order; never raises on string input. See COLUMNS."""
    raw = to_text_list(values)
    hints = to_text_list(area_hints) if area_hints is not None else [None] * len(raw)
    frame = pl.DataFrame({"input": pl.Series(raw, dtype=pl.String), "hint": pl.Series(hints, dtype=pl.String)})
    clean = pl.col("input").str.normalize("NFKC").str.replace_all(r"[\s()\-]", "")
    mobile = clean.str.extract(_CLEAN_MOBILE, 1)
    frame = frame.with_columns(mobile.alias("_mobile"))
    fast = frame.filter(pl.col("_mobile").is_not_null()).with_columns(
        ("+86" + pl.col("_mobile")).alias("e164"),
        pl.col("_mobile").alias("national"),
        pl.lit("mobile").alias("type"),
        pl.lit(None, dtype=pl.String).alias("extension"),
        pl.col("_mobile").str.contains(_MOBILE_STRICT.pattern).alias("valid"),
        pl.col("_mobile").str.contains(r"^(?:162|165|167|170|171)").alias("is_virtual"),
    ).with_columns(
        pl.when(pl.col("valid")).then(None).otherwise(pl.lit("mobile: unassigned prefix")).alias("reason")
    )
    frame = frame.with_row_index("_row")
    slow_rows = frame.filter(pl.col("_mobile").is_null())
    parsed = [
        _parse_one(v, h) if v is not None else (None, None, "unknown", None, False, False, "empty")
        for v, h in zip(slow_rows["input"].to_list(), slow_rows["hint"].to_list(), strict=True)
    ]
    cols = list(zip(*parsed, strict=True)) if parsed else [[]] * 7
    schema = {"e164": pl.String, "national": pl.String, "type": pl.String, "extension": pl.String,
              "valid": pl.Boolean, "is_virtual": pl.Boolean, "reason": pl.String}
    slow = slow_rows.select("_row", "input").with_columns(
        [pl.Series(name, list(col), dtype=dtype) for (name, dtype), col in zip(schema.items(), cols, strict=True)]
    )
    fast = frame.filter(pl.col("_mobile").is_not_null()).select("_row").hstack(fast.select(COLUMNS))
    out = pl.concat([fast.select(["_row", *COLUMNS]), slow.select(["_row", *COLUMNS])]).sort("_row")
    return out.drop("_row")
