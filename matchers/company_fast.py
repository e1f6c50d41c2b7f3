"""The common company-name shape split for a whole batch at once: region + trade name + [industry] + 有限公司.

A canonical name of Chinese characters only, whose `_split` walk (matchers/company.py) is one step of each kind —
one leading region, the legal form 有限公司, at most one industry word, nothing else — gets its fields from polars
expressions; every other name is left to `_split`. Each condition below mirrors one branch of `_split` and says
which; where the answer would take a longer search, the row is simply not fast. tests/test_matchers_company_fast.py
checks fast rows against `_split`.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from .company import _ZONE, LEGAL_FORMS, _industry_by_length, _region_names

LEGAL_FORM = "有限公司"
# Chinese characters only: no bracket (`_BRACKETED`, the `endswith(")")` passes), no ASCII.
_PLAIN = r"^[\u4e00-\u9fff]+$"
_BRACKETED_SHAPE = r"^(?<_before>[\u4e00-\u9fff]+)\((?<region>[\u4e00-\u9fff]+)\)(?<_after>[\u4e00-\u9fff]+)$"


def _by_size(words) -> dict[int, pl.Series]:
    """Words by length, longest first, each length as a list literal for `is_in`."""
    sizes: dict[int, list[str]] = {}
    for word in set(words):
        sizes.setdefault(len(word), []).append(word)
    return {size: pl.Series(sorted(sizes[size]), dtype=pl.String).implode() for size in sorted(sizes, reverse=True)}


@lru_cache(maxsize=1)
def _vocabularies() -> dict:
    full, short, _ = _region_names()
    industry = [w for entries in _industry_by_length().values() for _, words in entries for w in words]
    return {
        "regions": _by_size(full | short),
        "regions_all": pl.Series(sorted(full | short), dtype=pl.String).implode(),
        "full": _by_size(full),
        # the first two characters of every full name: a rest starting with none of them starts with no full name
        "full_heads": pl.Series(sorted({n[:2] for n in full}), dtype=pl.String).implode(),
        "legal_forms": _by_size(LEGAL_FORMS),
        # the legal forms longer than 有限公司 that end with it (股份有限公司, 集团有限公司...)
        "longer_forms": tuple(f for f in LEGAL_FORMS if f.endswith(LEGAL_FORM) and f != LEGAL_FORM),
        "industry": _by_size(industry),
    }


def _longest(text: pl.Expr, length: pl.Expr, sizes: dict[int, pl.Series], *, at_end: bool) -> pl.Expr:
    """Length of the longest word that starts (or ends) text and leaves at least two characters; 0 for none."""
    found = pl.lit(0, dtype=pl.UInt32)
    for size, words in reversed(sizes.items()):  # the longest last: it takes precedence
        part = text.str.slice(-size, size) if at_end else text.str.slice(0, size)
        found = pl.when((length >= size + 2) & part.is_in(words)).then(pl.lit(size, dtype=pl.UInt32)).otherwise(found)
    return found


def _no_full_name_first(frame: pl.DataFrame, words: dict) -> pl.DataFrame:
    """The rows whose rest `_r` starts with no full region name leaving two characters. A rest whose first two
    characters start no full name is quickly done with; the few others are looked up size by size."""
    r, m = pl.col("_r"), pl.col("_r").str.len_chars()
    headed = r.str.slice(0, 2).is_in(words["full_heads"])
    checked = frame.filter(headed)
    checked = checked.filter(_longest(r, m, words["full"], at_end=False) == 0)
    return pl.concat([frame.filter(~headed), checked])


def _tail(frame: pl.DataFrame, words: dict) -> pl.DataFrame:
    """`_split` after the region pass, on `_r` (the name less its region): the legal form 有限公司, then the
    industry loop."""
    r, m = pl.col("_r"), pl.col("_r").str.len_chars()
    # the legal form leaves two characters, and no second form is stacked before it
    frame = frame.with_columns(_r=r.str.slice(0, m - len(LEGAL_FORM))).filter(m >= 2)
    frame = frame.filter(_longest(r, m, words["legal_forms"], at_end=True) == 0)
    # the industry loop's first pass reads no place at the end (李尔汽车系统扬州)
    regions = words["regions"]
    frame = frame.filter(~pl.any_horizontal((m >= size + 2) & r.str.slice(-size, size).is_in(regions[size])
                                            for size in (3, 2)))
    # at most one industry word: after it, no other ends what is left
    frame = frame.with_columns(_i=_longest(r, m, words["industry"], at_end=True))
    frame = frame.with_columns(industry=pl.when(pl.col("_i") > 0).then(r.str.slice(m - pl.col("_i"))),
                               trade_name=r.str.slice(0, m - pl.col("_i")))
    trade = pl.col("trade_name")
    frame = frame.filter((pl.col("_i") == 0) | (_longest(trade, trade.str.len_chars(), words["industry"],
                                                         at_end=True) == 0))
    return frame.select("_row", "trade_name", "region", pl.lit(LEGAL_FORM).alias("legal_form"), "industry")


def split_fast(texts: pl.Series) -> pl.DataFrame:
    """The fast rows of canonical names `texts`: `_row` (position in texts), trade_name, region, legal_form,
    industry. Rows not returned need `_split`."""
    words = _vocabularies()
    t, n = pl.col("t"), pl.col("t").str.len_chars()
    # `_BRANCH` needs a name ending in 分公司, 营业部...: a name ending in 有限公司 never does. `_suffix` on the legal
    # forms gives 有限公司 unless a longer form ends the name.
    frame = pl.DataFrame({"t": texts}).with_row_index("_row").filter(
        t.str.ends_with(LEGAL_FORM) & ~pl.any_horizontal(t.str.ends_with(f) for f in words["longer_forms"])
    ).with_columns(_p=_longest(t, n, words["regions"], at_end=False))
    # Region first (杭州…有限公司): `_strip_region`'s first step takes the longest region name (full or short)
    # starting the name with two characters left; its next step finds nothing: no full name starts the rest, and
    # no zone. Chinese characters only: no bracket (`_BRACKETED`, the `endswith(")")` passes), no ASCII.
    leading = frame.filter(t.str.contains(_PLAIN) & (pl.col("_p") > 0)).with_columns(
        region=t.str.slice(0, pl.col("_p")), _r=t.str.slice(pl.col("_p")))
    leading = _no_full_name_first(leading, words).filter(~pl.col("_r").str.contains(_ZONE.pattern))
    # Region in brackets (迅翠(杭州)科技有限公司): no region and no zone starts the name, one bracket pair holds a
    # region name (full or short, `_BRACKETED`'s 2-12 characters) and `_strip_region` takes it out.
    bracketed = frame.filter((pl.col("_p") == 0) & ~t.str.contains(_ZONE.pattern)).with_columns(
        t.str.extract_groups(_BRACKETED_SHAPE)).unnest("t").filter(
        pl.col("region").str.len_chars().is_between(2, 12)
        & pl.col("region").is_in(words["regions_all"])).with_columns(_r=pl.col("_before") + pl.col("_after"))
    return pl.concat([_tail(leading, words), _tail(bracketed, words)]).sort("_row")
