"""Chinese phone numbers: E.164, type, extension, MVNO flag; clean mobiles and common landline forms take vectorised
polars paths, the rest phonenumbers via _parse_one.

The adcode -> area-code table is derived at first use from phonenumbers' bundled (offline) Chinese geocoding
descriptions matched against the division gazetteer, so it needs no extra data file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata, PhoneNumberType

from .divisions import gazetteer
from .textnorm import ascii_digits, to_text_list

# also: the E.164 of a second number listed in the same field (0571-88123456/13812345678), else null
COLUMNS = ["input", "e164", "national", "type", "extension", "valid", "is_virtual", "reason", "also"]

_MOBILE_STRICT = re.compile(r"^1(3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9[0-35-9])\d{8}$")
_VIRTUAL_PREFIXES = ("162", "165", "167", "170", "171")
# 86-0571-87654321: the country code written before the national form with its trunk 0 (0 + area + 7-8 digits);
# no national number starts 860, and none is 12-14 digits long
_COUNTRY_AND_TRUNK = re.compile(r"^860[1-9]\d{8,10}$")
_CLEAN_MOBILE = r"^(?:\+?86|0086)?[\s\-]?0?(1[3-9][0-9]{9})$"  # ASCII only: other digits go to _parse_one
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|extension|x|#|－|-)\s*(\d{1,6})$", re.IGNORECASE)
# the worded extension may stand in brackets: 0571-88123456（转801） (NFKC has made them ASCII)
# the word may be 分机号 and have a colon after it: 分机号801, Ext:801
_EXT_WORD = re.compile(r"\(?\s*(?:转|分机号?|ext\.?|extension|x|#)\s*:?\s*(\d{1,6})\s*\)?$", re.IGNORECASE)
# between numbers listed in one field; not a space, which also groups one number's digits (0571 8765 4321)
_LIST_SEPARATOR = re.compile(r"[/;,、|]|或")
_TWO_DIGIT_AREAS = frozenset({"10", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"})
_PN_TYPES = {
    PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.TOLL_FREE: "toll_free", PhoneNumberType.VOIP: "fixed_line",
}
# The descs phonenumbers' _number_type_helper tries after general_desc, in its order.
_TYPE_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL),
    ("fixed_line", PhoneNumberType.FIXED_LINE), ("mobile", PhoneNumberType.MOBILE),
)
# ASCII digits and punctuation with at most a 转 extension: the forms _landlines can normalize exactly.
_LANDLINE_SHAPE = r"^[0-9+ ()\-]*(?:转[0-9]{1,6})?$"


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


@lru_cache(maxsize=1)
def known_area_codes() -> frozenset[str]:
    """Every area code (with its trunk 0) the adcode table names."""
    return frozenset(area_code_table().values())


# A number on a known area code whose local part has the other length (8 digits where the area dials 7, or 7 where
# it dials 8) fails the numbering plan, yet the same digits written in two filings are still one line: a form copied
# by one hand, a number from an old directory. It is kept as a landline, not valid, so it links as written.
_ODD_LENGTH = "landline: local number length unusual for its area code"


def _odd_length_landline(national: str) -> bool:
    area_len = 3 if national[1:3] in _TWO_DIGIT_AREAS else 4
    local = national[area_len:]
    return national[:area_len] in known_area_codes() and len(local) in (7, 8) and local[0] not in "01"


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
        if not ok and kind == "unknown" and _odd_length_landline(national):
            return "fixed_line", False, _ODD_LENGTH
        return kind, ok, None if ok else "landline: invalid area code or length"
    return "unknown", False, "format: not a Chinese number"


def _parse_one(raw: str, hint: str | None) -> tuple:
    """The COLUMNS after input, for one value."""
    # NFKC first (（010）６５５２９９８８), then any other script's digits: only ASCII digits reach e164/national
    text = ascii_digits(unicodedata.normalize("NFKC", raw)).strip()
    if _LIST_SEPARATOR.search(text):
        # 0571-88123456/13812345678: a field listing numbers is read as its first, and the second goes to `also`,
        # not as one long number (each part must be a number on its own: 0571/88123456 is one, area code apart)
        parts = [p.strip() for p in _LIST_SEPARATOR.split(text) if p.strip()]
        if len(parts) >= 2 and all(len(re.sub(r"\D", "", p)) >= 7 for p in parts):
            return (*_parse_number(parts[0], hint), _parse_number(parts[1], hint)[0])
    return (*_parse_number(text, hint), None)


def _parse_number(text: str, hint: str | None) -> tuple:
    extension = None
    m = _EXT_WORD.search(text)
    if m:
        extension, text = m.group(1), text[: m.start()]
    digits_plus = re.sub(r"[^\d+]", "", text)
    international = digits_plus.startswith(("+86", "0086"))
    digits = re.sub(r"\D", "", digits_plus)
    if digits_plus.startswith("+") and not international:
        return None, None, "unknown", extension, False, False, "format: foreign country code"
    if extension is None and digits.startswith("860") and not _COUNTRY_AND_TRUNK.match(digits):
        dm = _EXTENSION.search(text)  # 86-0571-87654321-801: the dash group is an extension
        if dm and _COUNTRY_AND_TRUNK.match(digits[: len(digits) - len(dm.group(1))]):
            extension, digits = dm.group(1), digits[: len(digits) - len(dm.group(1))]
    if digits.startswith("0086"):
        digits = digits[4:]
    elif (digits_plus.startswith("+86")
          or (digits.startswith("86") and len(digits) in (13, 12, 11) and not digits.startswith("8610"))
          or digits.startswith("8610") and len(digits) in (12, 13)
          or _COUNTRY_AND_TRUNK.match(digits)):
        digits = digits[2:]
        international = True  # a country code written without its + (86-571-...) is still one
    if international and not digits.startswith(("1", "400", "800")) and not digits.startswith("0"):
        digits = "0" + digits
    if (extension is None and 12 <= len(digits) <= 17 and digits[0] in "23456789"
            and not digits.startswith(("400", "800"))):
        # an area code without its trunk 0 and a dash extension (571-87654321-12): too long for a number
        dm = _EXTENSION.search(text)
        if dm and len(digits) - len(dm.group(1)) in (10, 11):
            extension, digits = dm.group(1), digits[: len(digits) - len(dm.group(1))]
    if len(digits) in (10, 11) and digits[0] in "23456789" and not digits.startswith(("400", "800")):
        digits = "0" + digits  # an area code written without its trunk 0 (571-8765 4321): no other number starts so
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


def _cn_kind(nsn: pl.Expr) -> pl.Expr:
    """_PN_TYPES of phonenumbers.number_type for a +86 national significant number; null where it is UNKNOWN
    (for a single-region code, is_valid_number is exactly `number_type != UNKNOWN`)."""
    meta = PhoneMetadata.metadata_for_region("CN")

    def matches(desc) -> pl.Expr:
        hit = nsn.str.contains(f"^(?:{desc.national_number_pattern})$")
        return hit & nsn.str.len_chars().is_in(list(desc.possible_length)) if desc.possible_length else hit

    kind = pl.when(~matches(meta.general_desc)).then(pl.lit(None, dtype=pl.String))
    for name, pn_type in _TYPE_ORDER:
        desc = getattr(meta, name)
        same_as_fixed = name == "mobile" and meta.same_mobile_and_fixed_line_pattern
        if desc is None or not desc.national_number_pattern or same_as_fixed:
            continue
        kind = kind.when(matches(desc)).then(pl.lit(_PN_TYPES.get(pn_type, "unknown")))
    return kind.otherwise(None)


def _landlines(frame: pl.DataFrame) -> pl.DataFrame:
    """_parse_one as polars expressions, for the rows it is certain about (`_row` + COLUMNS): ASCII inputs that
    normalize to a national number with a trunk 0, or to a 7/8-digit local number. Others go to _parse_one."""
    d, n = pl.col("_d"), pl.col("_d").str.len_chars()
    df = frame.filter(pl.col("input").str.contains(_LANDLINE_SHAPE)).with_columns(
        pl.col("input").str.extract(r"转([0-9]{1,6})$", 1).alias("extension"),
        pl.col("input").str.replace(r"转[0-9]{1,6}$", "").str.replace_all(r"[^0-9+]", "").alias("_plus"),
    )
    plus = pl.col("_plus")
    international = plus.str.starts_with("+86") | plus.str.starts_with("0086")
    df = df.with_columns(plus.str.replace_all("+", "", literal=True).alias("_d"), international.alias("_intl"))
    # _parse_one's digit steps, in its order; its 8610 step is left out: it never yields a number this path takes
    bare_86 = ((d.str.starts_with("86") & n.is_in([11, 12, 13]) & ~d.str.starts_with("8610"))
               | d.str.contains(_COUNTRY_AND_TRUNK.pattern))
    df = df.with_columns(
        pl.when(d.str.starts_with("0086")).then(d.str.slice(4))
        .when(plus.str.starts_with("+86") | bare_86).then(d.str.slice(2))
        .otherwise(d).alias("_d")
    ).with_columns(
        pl.when(pl.col("_intl") & ~d.str.contains("^(?:1|400|800|0)")).then("0" + d).otherwise(d).alias("_d")
    ).with_columns(
        pl.when((n == 12) & d.str.contains("^01[3-9]")).then(d.str.slice(1)).otherwise(d).alias("_d")
    )
    area_len = pl.when(d.str.slice(1, 2).is_in(sorted(_TWO_DIGIT_AREAS))).then(3).otherwise(4)
    df = df.with_columns(
        (n.is_in([7, 8]) & ~d.str.contains("^[01]")).alias("_local"),
        # _parse_one may read a trailing dash group as an extension here
        (pl.col("extension").is_null() & d.str.starts_with("0") & ~d.str.starts_with("011") & (n > area_len + 8))
        .alias("_dash_ext"),
    )
    local = pl.col("_local")
    area = pl.lit(None, dtype=pl.String)
    if df["_local"].any():  # area_code_table() costs ~0.3 s at first use
        table = area_code_table()
        hint = pl.col("hint").str.replace_all(r"[^0-9]", "")
        area = hint.str.slice(0, 6).replace_strict(table, default=None, return_dtype=pl.String).fill_null(
            hint.str.slice(0, 4).replace_strict(table, default=None, return_dtype=pl.String)
        )
    meta = PhoneMetadata.metadata_for_region("CN")
    df = df.with_columns(pl.when(local).then(area + d).otherwise(d).alias("_national")).with_columns(
        pl.col("_national").str.slice(1).alias("_nsn")
    )
    national, nsn = pl.col("_national"), pl.col("_nsn")
    missing_area = local & national.is_null()
    # phonenumbers.parse("+86" + nsn) keeps nsn as the national significant number only when it has no leading
    # zero and no CN national prefix / carrier code it would strip, and its length is within parse's limits
    plain_nsn = (
        national.str.starts_with("0") & nsn.str.len_chars().is_between(2, 12)
        & ~nsn.str.starts_with("0") & ~nsn.str.contains(f"^(?:{meta.national_prefix_for_parsing})")
    )
    # str.isdigit() accepts non-ASCII digits, so only ASCII hints are looked up here
    hint_ascii = pl.col("hint").is_null() | pl.col("hint").str.contains(r"^[\x00-\x7f]*$")
    df = df.filter(
        ~plus.str.starts_with("+") | pl.col("_intl"),  # foreign country codes
        ~pl.col("_dash_ext"),
        ~local | hint_ascii,
        missing_area | plain_nsn,
    ).with_columns(_cn_kind(nsn).alias("_kind"))
    kind = pl.col("_kind")
    valid = ~missing_area & kind.is_not_null()
    # _odd_length_landline, vectorised: a known area code and a 7- or 8-digit local number not starting 0 or 1
    national_area_len = pl.when(national.str.slice(1, 2).is_in(sorted(_TWO_DIGIT_AREAS))).then(3).otherwise(4)
    local_part = national.str.slice(national_area_len)
    odd_length = (~missing_area & kind.is_null()
                  & national.str.slice(0, national_area_len).is_in(sorted(known_area_codes()))
                  & local_part.str.len_chars().is_in([7, 8]) & ~local_part.str.contains("^[01]"))
    kind_out = (pl.when(missing_area | odd_length).then(pl.lit("fixed_line"))
                .otherwise(kind.fill_null("unknown")))
    return df.select(
        "_row", "input",
        pl.when(~missing_area & (valid | (kind_out != "unknown"))).then("+86" + nsn).alias("e164"),
        pl.when(missing_area).then(d).otherwise(national).alias("national"),
        kind_out.alias("type"),
        "extension",
        valid.alias("valid"),
        pl.lit(False).alias("is_virtual"),  # only mobiles starting 16x/17x are virtual; these nationals start with 0
        pl.when(missing_area).then(pl.lit("landline: area code missing"))
        .when(odd_length).then(pl.lit(_ODD_LENGTH))
        .when(~valid).then(pl.lit("landline: invalid area code or length")).alias("reason"),
        pl.lit(None, dtype=pl.String).alias("also"),
    )


def parse_phones(
    values: Sequence[str | None] | pl.Series, area_hints: Sequence[str | None] | None = None
) -> pl.DataFrame:
    """One row per input value in input order; never raises on string input. See COLUMNS."""
    raw = to_text_list(values)
    hints = to_text_list(area_hints) if area_hints is not None else [None] * len(raw)
    frame = pl.DataFrame({"input": pl.Series(raw, dtype=pl.String), "hint": pl.Series(hints, dtype=pl.String)})
    clean = pl.col("input").str.normalize("NFKC").str.replace_all(r"[\s()\-]", "")
    mobile = clean.str.extract(_CLEAN_MOBILE, 1)
    frame = frame.with_row_index("_row").with_columns(mobile.alias("_mobile"))
    fast = frame.filter(pl.col("_mobile").is_not_null()).select(
        "_row", "input",
        ("+86" + pl.col("_mobile")).alias("e164"),
        pl.col("_mobile").alias("national"),
        pl.lit("mobile").alias("type"),
        pl.lit(None, dtype=pl.String).alias("extension"),
        pl.col("_mobile").str.contains(_MOBILE_STRICT.pattern).alias("valid"),
        pl.col("_mobile").str.contains(r"^(?:162|165|167|170|171)").alias("is_virtual"),
    ).with_columns(
        pl.when(pl.col("valid")).then(None).otherwise(pl.lit("mobile: unassigned prefix")).alias("reason"),
        pl.lit(None, dtype=pl.String).alias("also"),
    )
    rest = frame.filter(pl.col("_mobile").is_null())
    landline = _landlines(rest)
    slow_rows = rest.join(landline.select("_row"), on="_row", how="anti")
    parsed = [
        _parse_one(v, h) if v is not None else (None, None, "unknown", None, False, False, "empty", None)
        for v, h in zip(slow_rows["input"].to_list(), slow_rows["hint"].to_list(), strict=True)
    ]
    cols = list(zip(*parsed, strict=True)) if parsed else [[]] * 8
    schema = {"e164": pl.String, "national": pl.String, "type": pl.String, "extension": pl.String,
              "valid": pl.Boolean, "is_virtual": pl.Boolean, "reason": pl.String, "also": pl.String}
    slow = slow_rows.select("_row", "input").with_columns(
        [pl.Series(name, list(col), dtype=dtype) for (name, dtype), col in zip(schema.items(), cols, strict=True)]
    )
    out = pl.concat([part.select(["_row", *COLUMNS]) for part in (fast, landline, slow)]).sort("_row")
    return out.drop("_row")
