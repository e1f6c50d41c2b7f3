"""Where the records sit in an extract as banks and registries export it.

An export is rarely a bare table: a merged title row and a "单位：户" line above the header, a header on
two rows with merged cells (`法定代表人` over `姓名` / `证件号码`), spacer rows, a subtotal per branch, a
total and a signature line under the data, and a cover sheet before it all. This module finds the header
row by its content (the row in the first HEADER_SCAN_ROWS that names the most known columns) and says which
of the other rows are not records, with the reason recorded in `rejected_rows` (action `skipped`).

The same markers classify the rows DuckDB loaded (only those lacking a required value are fetched) and the
CSV lines it could not even split (a `合计：8774户` line has fewer fields than the header). A row is only ever
classified as a non-record when it lacks a required value, so a company whose name happens to start with 合计
is still loaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

HEADER_SCAN_ROWS = 30  # a header further down than this is not looked for (the file is never read further)
MIN_HEADER_MATCHES = 2  # a row naming fewer known columns is not a header (a cover sheet's field list)

TITLE_ROW = "title_row"  # a non-empty row above the header: title, unit, date of the export
HEADER_ROW = "header_row"  # the header repeated under the data (a printed page, a block per branch)
BLANK_ROW = "blank_row"  # a spacer: every cell empty
TOTAL_ROW = "total_row"
SUBTOTAL_ROW = "subtotal_row"
SIGNATURE_ROW = "signature_row"  # 制表人：, 审核：, (盖章)
NOTE_ROW = "note_row"  # 注：, 说明：, 数据来源：, 第 1 页
PRECISION_LOST = "excel_precision_lost"
NON_RECORD_REASONS = (TITLE_ROW, HEADER_ROW, BLANK_ROW, TOTAL_ROW, SUBTOTAL_ROW, SIGNATURE_ROW, NOTE_ROW)

_AFTER_TOTAL = r"(户数|笔数|金额|数量|数)?\s*([:：(（0-9]|$)"
# (reason, pattern searched in each cleaned cell), tried in this order; the first that matches a cell wins
ROW_MARKERS: tuple[tuple[str, str], ...] = (
    (SUBTOTAL_ROW, r"^[^:：,，;；。]{0,20}小\s*计" + _AFTER_TOTAL + r"|^(?i:sub-?\s*total)"),
    (TOTAL_ROW, r"^[^:：,，;；。]{0,20}(合\s*计|总\s*计|共\s*计)" + _AFTER_TOTAL + r"|^(?i:(grand\s+)?total)\b"),
    (SIGNATURE_ROW, r"^[^:：]{0,8}(制\s*表|填\s*表|填\s*报|审\s*核|复\s*核|审\s*批|批\s*准|经\s*办|打\s*印"
                    r"|签\s*字|签\s*名|签\s*章|盖\s*章|负\s*责\s*人|主\s*管|日\s*期)[^:：]{0,4}[:：]"
                    r"|[(（]\s*(盖\s*章|签\s*字|签\s*名|签\s*章)\s*[)）]"),
    (NOTE_ROW, r"^(注|备\s*注|说\s*明|附\s*注|注\s*释|数据来源|资料来源|统计口径|数据截[至止])"
               r"\s*[0-9一二三四五六七八九十]*\s*[:：、.．]|^第\s*[0-9]+\s*页|^共\s*[0-9]+\s*页"),
)
_COMPILED_MARKERS = [(reason, re.compile(pattern)) for reason, pattern in ROW_MARKERS]

# Excel's scientific notation for a number it could not show (6.22202123456789E+18): the digits are gone.
# (Always with the "+": a negative exponent is a fraction, no identifier; the SQL looks for "E+" first.)
SCIENTIFIC = r"[+-]?[0-9]+(\.[0-9]*)?[eE]\+[0-9]+"


def clean_cell(value: object) -> str:
    """A scanned cell as text without edge spaces (None -> '')."""
    if value is None:
        return ""
    return str(value).strip(" \t\r\n\u3000\u00a0\ufeff")


def row_marker(cells: Sequence[object]) -> str | None:
    """The non-record reason of a row from its cells (blank, total, subtotal, signature, note), or None."""
    texts = [text for text in map(clean_cell, cells) if text]
    if not texts:
        return BLANK_ROW
    for reason, pattern in _COMPILED_MARKERS:
        if any(pattern.search(text) for text in texts):
            return reason
    return None


# ---------------------------------------------------------------- header rows


@dataclass(frozen=True)
class HeaderGuess:
    """The header found in the first rows of a sheet or CSV."""

    row: int  # index of the (first) header row among the scanned rows (0-based)
    n_rows: int  # 1, or 2 for a two-row header with merged cells
    headers: list[str]  # display name per column: `法定代表人/证件号码` for a joined header
    lookups: list[tuple[str, ...]]  # names tried, in order, to map each column
    matched: tuple[str, ...]  # canonical columns it maps (distinct)
    required: int  # how many of them are required

    @property
    def texts(self) -> list[set[str]]:
        """Per column, the header texts as they appear in the file (to recognise a repeated header)."""
        out = []
        for header in self.headers:
            parts = {header, *header.split("/")} if "/" in header else {header}
            out.append({p for p in parts if p})
        return out


def _strip_group(parent: str) -> str:
    return parent[: -len("信息")] if parent.endswith("信息") and len(parent) > 2 else parent


def join_header_rows(top: Sequence[str], sub: Sequence[str], known) -> tuple[list[str], list[tuple[str, ...]]]:
    """(display names, lookups) of a header on two rows.

    Merged cells keep their text in the first cell only: a parent (`法定代表人` over `姓名`, `证件号码`) is
    carried right over the empty top cells whose sub cell is filled; a column with an empty sub cell is a
    header merged down both rows. A joined name is tried as written (`法定代表人/证件号码`), run together
    (`法定代表人证件号码`, also without a trailing 信息), and as the sub name alone only when the parent is a
    group title that names neither a known column nor a person (`基本信息` over `账号`): under `经办人`,
    `证件号码` is the agent's ID, never the legal representative's."""
    width = max(len(top), len(sub))
    top = [*top, *[""] * (width - len(top))]
    sub = [*sub, *[""] * (width - len(sub))]
    headers: list[str] = []
    lookups: list[tuple[str, ...]] = []
    parent = ""
    for position in range(width):
        t, s = top[position], sub[position]
        if t:
            parent = t if s else ""
        elif not s:
            parent = ""
        if not s:
            headers.append(t)
            lookups.append((t,))
            continue
        p = t or parent
        if not p:
            headers.append(s)
            lookups.append((s,))
            continue
        group = _strip_group(p)
        names = [f"{p}/{s}", p + s, group + s]
        if known(group) is None and not group.endswith("人"):
            names.append(s)
        headers.append(f"{p}/{s}")
        lookups.append(tuple(dict.fromkeys(names)))
    return headers, lookups


def _score(lookups: list[tuple[str, ...]], known, required: Sequence[str]) -> tuple[tuple[str, ...], int]:
    matched: list[str] = []
    for names in lookups:
        for name in names:
            canonical = known(name)
            if canonical is not None:
                if canonical not in matched:
                    matched.append(canonical)
                break
    return tuple(matched), sum(1 for name in matched if name in required)


def find_header(rows: Sequence[Sequence[object]], known, required: Sequence[str]) -> HeaderGuess | None:
    """The most convincing header among `rows` (the first rows of a sheet), or None when no row names at
    least MIN_HEADER_MATCHES known columns. `known(name)` gives the canonical column a header maps to.

    Every row is tried alone and joined with the row under it; the winner names the most required
    columns, then the most columns, then is a single row, then comes first."""
    cells = [[clean_cell(v) for v in row] for row in rows[:HEADER_SCAN_ROWS]]
    best: tuple | None = None
    for index, row in enumerate(cells):
        if not any(row):
            continue
        candidates = [(1, list(row), [(h,) for h in row])]
        if index + 1 < len(cells) and any(cells[index + 1]):
            candidates.append((2, *join_header_rows(row, cells[index + 1], known)))
        for n_rows, headers, lookups in candidates:
            matched, n_required = _score(lookups, known, required)
            if len(matched) < MIN_HEADER_MATCHES:
                continue
            key = (n_required, len(matched), -n_rows, -index)
            if best is None or key > best[0]:
                best = (key, HeaderGuess(index, n_rows, headers, lookups, matched, n_required))
    return None if best is None else best[1]
