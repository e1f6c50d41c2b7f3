"""Splink's input as a Splink user would prepare it from the two extracts, without shellring.

One row per company (its registration and its first account opening), cleaned by a straightforward
Python normaliser: one plain function per field applied row by row (`map_elements`), the code a competent
user writes in an afternoon from looking at the files. It deliberately uses nothing of shellring (no
matchers, no ingest; OpenCC for traditional characters, as any user of Chinese text would). This is what
issue 15 measured as "a straightforward Python normaliser for its input, as a Splink user would write",
and what bench/compare_splink.py times as the input prep of "Splink (user prep)".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import opencc
import polars as pl

REGISTRATION_COLUMNS = {"统一社会信用代码": "uscc", "法定代表人": "rep_name", "法定代表人证件号码": "rep_id",
                        "住所": "reg_address", "联系电话": "phone", "成立日期": "reg_date"}
ACCOUNT_COLUMNS = {"统一社会信用代码": "uscc", "账号": "account_no", "开户网点": "bank_branch",
                   "开户日期": "open_date", "经办人证件号码": "agent_id", "经办人电话": "agent_phone",
                   "联系电话": "contact_phone"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S", "%Y.%m.%d %H:%M:%S")
CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
TO_SIMPLIFIED = opencc.OpenCC("t2s")  # the usual library for traditional characters in Chinese text


def plain(text: str) -> str:
    """Full-width to half-width, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def person_name(text: str) -> str | None:
    name = plain(text).replace("·", "").replace("•", "")
    return name or None


def resident_id(text: str) -> str | None:
    value = plain(text).upper()
    return value if re.fullmatch(r"\d{17}[\dX]", value) else None


def phone(text: str) -> str | None:
    """11-digit mobiles; landlines as area code + number (0571…); a bare local number as it is."""
    value = re.split(r"转|分机|ext|EXT|#", plain(text))[0]
    digits = re.sub(r"\D", "", value)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) in (12, 13):
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return digits
    if len(digits) in (10, 11):  # +86-571-88123456 lost its trunk zero
        return "0" + digits
    return digits if 7 <= len(digits) <= 8 else None


def chinese_number(text: str) -> int:
    if all(ch in CN_DIGITS for ch in text):  # 二零一 read digit by digit
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
    return total + current


def address(text: str) -> str | None:
    """Simplified, half-width, Arabic numerals, one spelling of building and room, no province/city head,
    no bracketed notes."""
    value = TO_SIMPLIFIED.convert(plain(text))
    value = re.sub(r"[（(][^）)]*[）)]", "", value)
    value = re.sub(r"[零〇一二两三四五六七八九十百千]+(?=号|幢|栋|楼|层|室)",
                   lambda m: str(chinese_number(m.group())), value)
    value = re.sub(r"^浙江省?", "", value)
    value = re.sub(r"^[^市区县]{2,4}市(?=.{2,}[区县市])", "", value)
    value = re.sub(r"(\d+)(号楼|栋)", r"\1幢", value)
    value = re.sub(r"(\d+)[室房]$", r"\1", value)
    value = re.sub(r"-?[A-Z]?\d+工位$", "", value)
    return value or None


def building_key(addr: str) -> str | None:
    """The address up to its building (…5号…3幢 or …B座), else up to the street number."""
    found = re.match(r"^(.*?\d+号.*?(?:\d+幢|[A-Z]座))", addr) or re.match(r"^(.*?\d+号)", addr)
    return found.group(1) if found else None


def room_key(addr: str) -> str | None:
    """The address with its room number, when it ends in one (…1704)."""
    return addr if re.search(r"号.*\d{3,4}$", addr) else None


def to_date(text: str) -> date | None:
    value = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _apply(column: str, fn, dtype=pl.String) -> pl.Expr:
    return pl.col(column).map_elements(fn, return_dtype=dtype)


def read_extracts(registrations: Path, accounts: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    reg = pl.read_csv(registrations, encoding="gbk", infer_schema_length=0, columns=list(REGISTRATION_COLUMNS))
    acc = pl.read_csv(accounts, infer_schema_length=0, columns=list(ACCOUNT_COLUMNS))
    return reg.rename(REGISTRATION_COLUMNS), acc.rename(ACCOUNT_COLUMNS)


def normalise(reg: pl.DataFrame, acc: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    reg = reg.with_columns(
        _apply("uscc", lambda s: plain(s).upper()),
        _apply("rep_name", person_name),
        _apply("rep_id", resident_id),
        _apply("phone", phone),
        _apply("reg_address", address).alias("reg_address_norm"),
        _apply("reg_date", to_date, pl.Date),
    ).with_columns(
        _apply("reg_address_norm", building_key).alias("reg_building_key"),
        _apply("reg_address_norm", room_key).alias("reg_room_key"),
        pl.col("rep_id").str.slice(0, 6).alias("rep_id_region"),
    ).drop("reg_address")
    acc = acc.with_columns(
        _apply("uscc", lambda s: plain(s).upper()),
        _apply("agent_id", resident_id),
        _apply("agent_phone", phone),
        _apply("contact_phone", phone),
        _apply("bank_branch", plain),
        _apply("open_date", to_date, pl.Date),
    )
    return reg, acc


def one_row_per_company(reg: pl.DataFrame, acc: pl.DataFrame) -> pl.DataFrame:
    first = acc.sort("open_date", "account_no", nulls_last=True).unique("uscc", keep="first", maintain_order=True)
    return reg.join(first.drop("account_no"), on="uscc", how="left").with_row_index("unique_id")


def prepare(registrations: Path, accounts: Path, timings: dict[str, float] | None = None) -> pl.DataFrame:
    """Splink's input table; `timings` (if given) receives seconds for read, normalise and first_account."""
    import time

    timings = {} if timings is None else timings
    started = time.perf_counter()
    reg, acc = read_extracts(registrations, accounts)
    timings["prep_read"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    reg, acc = normalise(reg, acc)
    timings["prep_normalise"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    table = one_row_per_company(reg, acc)
    timings["prep_first_account"] = round(time.perf_counter() - started, 3)
    return table
