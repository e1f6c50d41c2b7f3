"""Batch text canonicalisation shared by the address, name and company parsers.

Whole batches are processed as one joined string (NFKC, OpenCC t2s, regex passes run once per batch, not per
row), which is what keeps the per-row Python cost of the parsers small.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import polars as pl

MAX_CHARS = 512  # parsing looks at this many characters; `input` keeps the full original
_SEP = "\n"

_BRACKET_MAP = {"【": "(", "〔": "(", "[": "(", "{": "(", "《": "(", "〈": "(", "「": "(",
                "】": ")", "〕": ")", "]": ")", "}": ")", "》": ")", "〉": ")", "」": ")"}
# A regex finds the rare brackets faster than str.translate walks every character of the batch.
_BRACKETS = re.compile("[" + re.escape("".join(_BRACKET_MAP)) + "]")
# Characters NFKC leaves alone (ASCII, CJK unified ideographs, 、。·): rows made only of them skip NFKC, which
# is the costliest step of the batch. tests/test_matchers_names.py checks the class exhaustively.
NFKC_STABLE = "\x00-\x7f\u4e00-\u9fff\u3001\u3002\u00b7"
_NFKC_UNSTABLE = re.compile(f"[^{NFKC_STABLE}]")
_DASHES = re.compile(r"[‐‑‒–—―−⁃﹣~～_]")
# Every character `\s` matches but the row separator (str.isspace(), Unicode 14), and the zero-width ones, as one
# class: a third of the time of `[^\S\n]+|[zero-width]` over a batch. tests/test_matchers_names.py checks it
# against `\s` for every code point.
WHITESPACE = "\t\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
ZERO_WIDTH = "\u200b-\u200f\u2060\ufeff\u00ad"
_SPACE = re.compile(f"[{WHITESPACE}{ZERO_WIDTH}]+")
_NUMERAL_BEFORE_UNIT = re.compile(
    r"[零〇一二两三四五六七八九十百千]+(?=号楼|号馆|号房|号|栋|幢|座|楼|层|单元|室|弄|巷|期|段|区|排|组)"
)


_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # str patterns: \d is every Unicode decimal digit


def ascii_digits(text: str) -> str:
    """`text` with every non-ASCII decimal digit as its ASCII digit: NFKC folds the full-width ３ but leaves
    Arabic-Indic ٣ or Devanagari ३ alone (call after NFKC)."""
    if text.isascii():
        return text
    # Every non-ASCII digit is outside NFKC_STABLE: the few such characters of a batch are found faster than
    # `\d` is tried at every position (str.isdecimal is what `\d` matches).
    if not any(ch.isdecimal() for ch in set(_NFKC_UNSTABLE.findall(text))):
        return text
    return _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_text_list(values: Sequence[str | None] | pl.Series | Iterable[str | None]) -> list[str | None]:
    """Inputs as a list of str-or-None (non-string scalars become their str())."""
    if isinstance(values, pl.Series):
        return values.cast(pl.String, strict=False).to_list()
    return [v if (v is None or isinstance(v, str)) else str(v) for v in values]


@lru_cache(maxsize=4096)
def cn_numeral_to_int(text: str) -> int | None:
    """一百三十八 -> 138, 二零一 -> 201 (digit-by-digit form), 十二 -> 12; None when not a numeral. Cached: an
    address batch holds only a few hundred distinct numerals before units."""
    import cn2an

    try:
        value = cn2an.cn2an(text, "normal")  # "normal" also reads 两 and the digit-by-digit 二零一
    except (ValueError, KeyError):  # not a numeral (百百, 零十一); cn2an raises KeyError on some of them
        return None
    return int(value)


def _numeral_repl(m: re.Match[str]) -> str:
    value = cn_numeral_to_int(m.group(0))
    return m.group(0) if value is None else str(value)


def _nfkc(joined: str) -> str:
    """NFKC of the separator-joined batch, normalizing only the rows that contain a character NFKC may change."""
    if not _NFKC_UNSTABLE.search(joined):
        return joined
    unstable = _NFKC_UNSTABLE.search
    return _SEP.join(
        unicodedata.normalize("NFKC", row) if unstable(row) else row for row in joined.split(_SEP)
    )


def _t2s_by_character(joined: str) -> str:
    """t2s of the separator-joined batch, each character on its own: OpenCC's phrase table reads a person's
    surname and the first character of the given name as one word (沈思怡 -> 沉思怡, as the phrase 沈思 = 沉思),
    so the same name written 沈 思怡 gave another key. Only the rows t2s changes are redone, a character apart."""
    converted = _t2s().convert(joined)
    if converted == joined:
        return joined
    rows, out = joined.split(_SEP), converted.split(_SEP)
    if len(rows) != len(out):
        return converted
    changed = [i for i, (row, new) in enumerate(zip(rows, out, strict=True)) if row != new]
    chars = "".join(rows[i] for i in changed)
    singles = _t2s().convert(_SEP.join(chars)).split(_SEP)
    if len(singles) != len(chars):  # a character became or swallowed a separator: keep the phrase reading
        return converted
    start = 0
    for i in changed:
        out[i] = "".join(singles[start:start + len(rows[i])])
        start += len(rows[i])
    return _SEP.join(out)


def canonical_batch(values: list[str | None], *, upper: bool = True, numerals: bool = True,
                    phrases: bool = True) -> list[str]:
    """NFKC, t2s, whitespace removed, brackets/dashes unified, Chinese numerals before units -> digits.

    `phrases=False` converts traditional characters one by one, not as words: for person names, which are no
    words."""
    cleaned = [("" if v is None else v[:MAX_CHARS]).replace("\r", "").replace(_SEP, "") for v in values]
    if not cleaned:
        return []
    joined = _nfkc(_SEP.join(cleaned))
    joined = _t2s().convert(joined) if phrases else _t2s_by_character(joined)
    joined = _BRACKETS.sub(lambda m: _BRACKET_MAP[m.group()], _SPACE.sub("", joined))
    joined = _DASHES.sub("-", joined)
    if numerals:
        joined = _NUMERAL_BEFORE_UNIT.sub(_numeral_repl, joined)
    if upper:
        joined = joined.upper()
    joined = _nfkc(joined)  # removing spaces can leave combining marks to recompose
    joined = ascii_digits(joined)  # no key may carry a digit that differs from its ASCII twin
    out = joined.split(_SEP)
    if len(out) != len(cleaned):  # a character normalized into a separator: fall back to per-value work
        if len(cleaned) == 1:
            return ["".join(out)]
        return [canonical_batch([c], upper=upper, numerals=numerals, phrases=phrases)[0] for c in cleaned]
    return out
