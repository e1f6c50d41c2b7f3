"""Resident ID (GB 11643-1999) and USCC (GB 32100-2015) parsing, vectorised over a uint8 matrix.

Check digits are exact; a failed check never drops the value: `normalized` stays filled and `valid=False`
carries a reason, because legitimate early pilot USCCs and abolished region codes exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from .masking import mask_id, mask_phone  # noqa: F401 - the display masks, kept importable from here
from .textnorm import ascii_digits

_RID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_RID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PERMIT_REGIONS = ("810000", "820000", "830000")
_PROVINCE_CODES = np.array(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62,
     63, 64, 65, 71, 81, 82, 83]
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

# Position 1 of a USCC: GB 32100-2015 table of registering-authority codes (1, 5, 9, Y per DOMAIN notes; the
# others from memory of the standard's appendix — a guess to re-check against the text).
_AUTHORITY = {
    "1": "机构编制", "5": "民政", "9": "工商/市场监管", "Y": "其他",
    "2": "外交", "3": "司法行政", "4": "文化", "6": "旅游", "7": "宗教", "8": "工会", "A": "中央军委改革和编制办公室",
    "N": "农业", "G": "其他",
}
_ENTITY_TYPE_9 = {"1": "enterprise", "2": "individual_business", "3": "farmer_cooperative"}


def _clean(values: Sequence[str | None] | pl.Series) -> pl.Series:
    """Text column with surrounding/embedded separators and quotes removed, upper-cased (the `x` check digit)."""
    series = pl.Series("input", list(values) if not isinstance(values, pl.Series) else values, dtype=pl.String)
    series = series.str.normalize("NFKC")
    other = series.str.contains(r"[^\x00-\x7f]").fill_null(False)
    if other.any():  # digits of other scripts (٣, ३) as ASCII, in Python for those rare rows only
        rows = other.arg_true().to_list()
        texts = series.to_list()
        series = series.scatter(rows, [ascii_digits(texts[i]) for i in rows])
    # quotes are never part of a code: '330102199001011234 is Excel's text marker (a bank export keeps the 18
    # digits as text so), "…" a hand-typed copy
    return (
        series
        .str.replace_all(r"[\s\-_.·'\"`‘’“”]", "")
        .str.to_uppercase()
        .fill_null("")
    )


def _ascii_matrix(texts: pl.Series, width: int) -> np.ndarray:
    """uint8 matrix (n, width) of texts that are all pure ASCII and exactly `width` long."""
    if not len(texts):
        return np.zeros((0, width), dtype=np.uint8)
    return np.frombuffer(texts.str.join("").item().encode("ascii"), dtype=np.uint8).reshape(len(texts), width)


def _rid_check_chars(body: np.ndarray) -> np.ndarray:
    """GB 11643 check character (as ASCII code) for an (n, 17) uint8 matrix of digit codes."""
    digits = body.astype(np.int64) - 48
    return _RID_CHECK[(digits @ _RID_WEIGHTS) % 11]


def parse_resident_ids(values: Sequence[str | None] | pl.Series) -> pl.DataFrame:
    """One row per input: `input, normalized, kind, valid, reason, birth_date, sex, region_code`."""
    raw = pl.Series("input", list(values) if not isinstance(values, pl.Series) else values, dtype=pl.String)
    clean = _clean(raw)
    n = len(clean)
    is18 = clean.str.contains(r"^[0-9]{17}[0-9X]$").fill_null(False).to_numpy()
    is15 = clean.str.contains(r"^[0-9]{15}$").fill_null(False).to_numpy()

    kind = np.full(n, "invalid", dtype=object)
    reason = np.full(n, None, dtype=object)
    valid = np.zeros(n, dtype=bool)

    idx18 = np.flatnonzero(is18)
    idx15 = np.flatnonzero(is15)
    mat = np.zeros((n, 18), dtype=np.uint8)
    if len(idx18):
        mat[idx18] = _ascii_matrix(clean.filter(is18), 18)
    if len(idx15):
        m15 = _ascii_matrix(clean.filter(is15), 15)
        up = np.empty((len(idx15), 18), dtype=np.uint8)
        up[:, :6] = m15[:, :6]
        up[:, 6] = ord("1")
        up[:, 7] = ord("9")
        up[:, 8:17] = m15[:, 6:15]
        up[:, 17] = _rid_check_chars(up[:, :17])
        mat[idx15] = up

    ok_shape = is18 | is15
    # each row of the matrix as its 18-character text (rows of other shapes are masked below)
    normalized = pl.Series(mat.view("S18").ravel()).cast(pl.String)
    check_ok = np.zeros(n, dtype=bool)
    if len(idx18):
        check_ok[idx18] = _rid_check_chars(mat[idx18, :17]) == mat[idx18, 17]
    check_ok[idx15] = True

    digit = mat.astype(np.int32) - 48
    year = digit[:, 6] * 1000 + digit[:, 7] * 100 + digit[:, 8] * 10 + digit[:, 9]
    month = digit[:, 10] * 10 + digit[:, 11]
    day = digit[:, 12] * 10 + digit[:, 13]
    date_ok = ok_shape & (year >= 1880) & (year <= 2100) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    # Exact calendar check (30th of February, 31st of April) through numpy datetimes on the plausible rows.
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    cand = np.flatnonzero(date_ok)
    if len(cand):
        ym = ((year[cand] - 1970) * 12 + (month[cand] - 1)).astype("datetime64[M]")
        first = ym.astype("datetime64[D]")
        next_month = (ym + 1).astype("datetime64[D]")
        days_in_month = (next_month - first).astype(np.int64)
        fits = day[cand] <= days_in_month
        date_ok[cand[~fits]] = False
        birth[cand[fits]] = first[fits] + (day[cand][fits] - 1).astype("timedelta64[D]")
    # Province part only: abolished county codes stay valid (hukou code at issue), an unknown province does not.
    province = digit[:, 0] * 10 + digit[:, 1]
    region_nonzero = ok_shape & np.isin(province, _PROVINCE_CODES)

    region = normalized.str.slice(0, 6)
    permit = ok_shape & region.is_in(_PERMIT_REGIONS).to_numpy()

    kind[is18] = "resident18"
    kind[is15] = "legacy15"
    kind[permit] = "permit"
    valid[:] = ok_shape & check_ok & date_ok & region_nonzero
    reason[~ok_shape] = "format: expected 18 digits (last may be X) or 15 digits"
    reason[ok_shape & ~region_nonzero] = "region: unknown province code"
    reason[ok_shape & ~date_ok] = "birth_date: not a calendar date"
    reason[ok_shape & ~check_ok] = "checksum: check digit mismatch"
    reason[ok_shape & (clean.str.len_chars().to_numpy() == 0)] = "empty"
    reason[(clean.str.len_chars().to_numpy() == 0)] = "empty"

    seq = digit[:, 16]
    sex = np.where(ok_shape, np.where(seq % 2 == 1, "M", "F"), None)
    birth_series = pl.Series("birth_date", birth, dtype=pl.Date)
    return pl.DataFrame(
        {
            "input": raw,
            "normalized": pl.Series(normalized).set(pl.Series(~ok_shape), None),
            "kind": pl.Series(kind.tolist(), dtype=pl.String),
            "valid": pl.Series(valid),
            "reason": pl.Series(reason.tolist(), dtype=pl.String),
            "birth_date": birth_series,
            "sex": pl.Series(sex.tolist(), dtype=pl.String),
            "region_code": region.set(pl.Series(~ok_shape), None),
        }
    )


def _uscc_values(mat: np.ndarray) -> np.ndarray:
    """Map an (n, 18) uint8 ASCII matrix to USCC alphabet values; -1 for characters outside the alphabet."""
    lut = np.full(256, -1, dtype=np.int64)
    for v, ch in enumerate(USCC_ALPHABET):
        lut[ord(ch)] = v
    return lut[mat]


def _org_code_check(body: np.ndarray) -> np.ndarray:
    """GB 11714 check character (ASCII code) for an (n, 8) matrix of `0-9A-Z` codes; 0 where body is not alnum."""
    lut = np.full(256, -1, dtype=np.int64)
    for v, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        lut[ord(ch)] = v
    vals = lut[body]
    bad = (vals < 0).any(axis=1)
    c = 11 - (np.where(vals < 0, 0, vals) @ _ORG_WEIGHTS) % 11
    out = np.where(c == 10, ord("X"), np.where(c == 11, ord("0"), 48 + c)).astype(np.uint8)
    out[bad] = 0
    return out


def parse_usccs(values: Sequence[str | None] | pl.Series) -> pl.DataFrame:
    """One row per input: `input, normalized, valid, reason, authority, entity_type, region_code, org_code,
    org_code_valid`."""
    raw = pl.Series("input", list(values) if not isinstance(values, pl.Series) else values, dtype=pl.String)
    clean = _clean(raw)
    n = len(clean)
    shaped = clean.str.contains(r"^[0-9A-Z]{18}$").fill_null(False)
    shape18 = shaped.to_numpy()
    rows = np.flatnonzero(shape18)
    mat = np.zeros((n, 18), dtype=np.uint8)
    if len(rows):
        mat[rows] = _ascii_matrix(clean.filter(shaped), 18)
    vals = _uscc_values(mat)
    in_alphabet = shape18 & (vals >= 0).all(axis=1)
    expected = (31 - (np.where(vals[:, :17] < 0, 0, vals[:, :17]) @ _USCC_WEIGHTS) % 31) % 31
    check_ok = in_alphabet & (expected == vals[:, 17])
    region_digits = shape18 & np.all((mat[:, 2:8] >= 48) & (mat[:, 2:8] <= 57), axis=1)
    org_check = _org_code_check(mat[:, 8:16])
    org_ok = shape18 & (org_check == mat[:, 16])

    lengths = clean.str.len_chars().to_numpy()
    reason = np.full(n, None, dtype=object)
    reason[~shape18] = "length: expected 18 characters"
    reason[~shape18 & (lengths == 18)] = "format: characters outside 0-9A-Z"
    reason[shape18 & ~in_alphabet] = "format: I, O, S, V or Z not allowed"
    reason[in_alphabet & ~check_ok] = "checksum: check character mismatch"
    reason[in_alphabet & check_ok & ~region_digits] = "region: positions 3-8 are not digits"
    reason[lengths == 0] = "empty"
    valid = check_ok & region_digits

    # the parts of the well-shaped codes, as column expressions (shape18: 18 ASCII characters)
    text, shaped = pl.col("text"), pl.col("shape18")
    parts = pl.DataFrame({"text": clean, "shape18": shape18, "region_digits": region_digits}).select(
        normalized=pl.when(shaped).then(text),
        authority=pl.when(shaped).then(
            text.str.slice(0, 1).replace_strict(_AUTHORITY, default="unknown", return_dtype=pl.String)),
        entity_type=pl.when(shaped).then(
            pl.when(text.str.slice(0, 1) == "9")
            .then(text.str.slice(1, 1).replace_strict(_ENTITY_TYPE_9, default="other", return_dtype=pl.String))
            .otherwise(pl.lit("other"))),
        region_code=pl.when(pl.col("region_digits")).then(text.str.slice(2, 6)),
        org_code=pl.when(shaped).then(text.str.slice(8, 9)),
    )
    return pl.DataFrame(
        {
            "input": raw,
            "normalized": parts["normalized"],
            "valid": pl.Series(valid),
            "reason": pl.Series(reason.tolist(), dtype=pl.String),
            "authority": parts["authority"],
            "entity_type": parts["entity_type"],
            "region_code": parts["region_code"],
            "org_code": parts["org_code"],
            "org_code_valid": pl.Series(np.where(shape18, org_ok, None).tolist(), dtype=pl.Boolean),
        }
    )
