"""Person names: simplified, separator-unified, compound surnames kept whole, toneless pinyin for recall."""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

from .textnorm import canonical_batch, to_text_list

COLUMNS = ["input", "normalized", "pinyin", "surname"]

COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
     "令狐", "钟离", "闾丘", "端木", "西门", "南宫", "独孤", "申屠", "太史", "万俟", "澹台", "公冶", "宗政", "濮阳",
     "淳于", "单于", "赫连", "呼延", "百里", "东郭", "第五", "拓跋", "完颜", "乐正", "司空", "漆雕", "公羊", "谷梁"]
)
_SEPARATORS = re.compile(r"[·•．.・‧∙⋅･]+")
_NON_NAME = re.compile(r"[^\w·]")


def _pinyin(text: str) -> str | None:
    from pypinyin import Style, lazy_pinyin

    syllables = [s.lower() for s in lazy_pinyin(text.replace("·", ""), style=Style.NORMAL, errors="ignore")]
    joined = " ".join(s for s in syllables if s.isascii() and s.isalpha())
    return joined or None


def _surname(name: str) -> str | None:
    if not name:
        return None
    if "·" in name:  # minority / transliterated names: no surname-first convention
        return None
    if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
        return name[:2]
    return name[0] if "\u4e00" <= name[0] <= "\u9fff" else None


def parse_person_names(values: Sequence[str | None] | pl.Series, *, pinyin: bool = True) -> pl.DataFrame:
    """One row per input, in input order; never raises on string input. See COLUMNS.

    pinyin=False leaves the pinyin column out: it is nine tenths of the cost and only analysts' lookups use it.
    """
    raw = to_text_list(values)
    texts = canonical_batch(raw, upper=False, numerals=False, phrases=False)
    normalized, pinyins, surnames = [], [], []
    cache: dict[str, tuple] = {}
    for text in texts:
        row = cache.get(text)
        if row is None:
            name = _NON_NAME.sub("", _SEPARATORS.sub("·", text)).strip("·")
            row = (name or None, _pinyin(name) if name and pinyin else None, _surname(name))
            cache[text] = row
        n, p, s = row
        normalized.append(n)
        pinyins.append(p)
        surnames.append(s)
    columns = {
        "input": pl.Series(raw, dtype=pl.String),
        "normalized": pl.Series(normalized, dtype=pl.String),
        "pinyin": pl.Series(pinyins, dtype=pl.String),
        "surname": pl.Series(surnames, dtype=pl.String),
    }
    if not pinyin:
        del columns["pinyin"]
    return pl.DataFrame(columns)


def parse_person_names_for_linking(values: Sequence[str | None] | pl.Series) -> pl.DataFrame:
    """What the job's linking needs (normalized name, surname): parse_person_names without pinyin."""
    return parse_person_names(values, pinyin=False)
