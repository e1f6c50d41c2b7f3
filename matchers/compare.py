"""Vectorised comparators over aligned candidate pairs (rapidfuzz `cpdist`), scores in 0..1 as float32."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from rapidfuzz import distance, fuzz, process

KINDS = ("address", "name", "company", "text")

# Why these scorers: Chinese text is unsegmented, so token scorers see one token. Addresses and company names
# differ by inserted/omitted segments (floor, 有限公司), which the normalized Indel ratio handles; person names are
# short and typo-prone at the end, where Jaro-Winkler's prefix weighting suits.
_SCORERS = {
    "address": fuzz.ratio,
    "company": fuzz.ratio,
    "text": fuzz.ratio,
    "name": distance.JaroWinkler.normalized_similarity,
}
_SCALE = {"address": 100.0, "company": 100.0, "text": 100.0, "name": 1.0}


def _as_list(values: Sequence[str | None] | pl.Series) -> list[str]:
    if isinstance(values, pl.Series):
        values = values.cast(pl.String, strict=False).to_list()
    return ["" if v is None else str(v) for v in values]


def similarity(
    kind: str, a: Sequence[str | None] | pl.Series, b: Sequence[str | None] | pl.Series, workers: int = -1
) -> np.ndarray:
    """Pairwise similarity of a[i] and b[i]; null or empty on either side gives 0."""
    if kind not in _SCORERS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    left, right = _as_list(a), _as_list(b)
    if len(left) != len(right):
        raise ValueError("a and b must have the same length")
    if not left:
        return np.zeros(0, dtype=np.float32)
    scores = process.cpdist(left, right, scorer=_SCORERS[kind], workers=workers, dtype=np.float32)
    scores = np.asarray(scores, dtype=np.float32) / np.float32(_SCALE[kind])
    empty = np.fromiter((not x or not y for x, y in zip(left, right, strict=True)), dtype=bool, count=len(left))
    scores[empty] = 0.0
    return np.clip(scores, 0.0, 1.0)


def _fixed_matrix(values: Sequence[str | None] | pl.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, width) uint8 matrix of upper-cased ASCII values and a mask of rows that fit that shape."""
    texts = _as_list(values)
    ok = np.fromiter((len(t) == width and t.isascii() for t in texts), dtype=bool, count=len(texts))
    mat = np.zeros((len(texts), width), dtype=np.uint8)
    rows = np.flatnonzero(ok)
    if len(rows):
        joined = "".join(texts[i] for i in rows).upper().encode("ascii")
        mat[rows] = np.frombuffer(joined, dtype=np.uint8).reshape(len(rows), width)
    return mat, ok


def id_near_match(
    a: Sequence[str | None] | pl.Series, b: Sequence[str | None] | pl.Series, width: int = 18
) -> np.ndarray:
    """True where two `width`-char IDs differ by exactly one substitution or one adjacent transposition."""
    ma, oka = _fixed_matrix(a, width)
    mb, okb = _fixed_matrix(b, width)
    if len(ma) != len(mb):
        raise ValueError("a and b must have the same length")
    diff = ma != mb
    n_diff = diff.sum(axis=1)
    substitution = n_diff == 1
    # Transposition: exactly two differing positions, adjacent, with the characters swapped.
    first = np.argmax(diff, axis=1)
    second = np.minimum(first + 1, width - 1)
    rows = np.arange(len(ma))
    swapped = (
        (n_diff == 2)
        & (second == first + 1)
        & diff[rows, second]
        & (ma[rows, first] == mb[rows, second])
        & (ma[rows, second] == mb[rows, first])
    )
    return (substitution | swapped) & oka & okb
