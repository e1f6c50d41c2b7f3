"""Load registration / account-opening extracts (CSV in UTF-8/GBK/GB18030, Parquet, XLSX) into DuckDB.

Each file (each sheet of a workbook) is read as all-text columns `c0..cN` and cleaned, typed and checked in
one SQL pass (a CSV straight from DuckDB's reader, a sheet or Parquet file from a staged table), keeping the
raw cells only of rows that fail a check. The header is found by content in the first rows (layout.py), so
title rows, cover sheets and two-row merged headers need no editing. Rows that cannot be loaded, values that
had to be set to NULL (an identifier Excel stored as a number and cut to 15 digits among them), and rows that
are not records (titles, totals, subtotals, signatures, spacers: action `skipped`) are written to
`rejected_rows` with the file, sheet, line and column, so nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from shellring.flows.core.masking import mask_text
from shellring.flows.pipeline.columns import (
    CANONICAL,
    CODE_COLUMNS,
    REQUIRED,
    ExtractError,
    HeaderMap,
    Kind,
    header_lookup,
    load_mapping,
    resolve_headers,
)
from shellring.flows.pipeline.layout import (
    HEADER_ROW,
    HEADER_SCAN_ROWS,
    MIN_HEADER_MATCHES,
    PRECISION_LOST,
    SCIENTIFIC,
    TITLE_ROW,
    HeaderGuess,
    clean_cell,
    find_header,
    row_marker,
)
from shellring.flows.pipeline.transcode import CHUNK_BYTES, SAMPLE_CHARS, decode_stream, private_sink

__all__ = ["ExtractError", "LoadReport", "load_extracts"]

log = logging.getLogger(__name__)

PARALLEL_TRANSCODE_BYTES = 64 * 1024 * 1024  # a GB18030 file this large is decoded in two halves at once
MAX_LINE_BYTES = 64 * 1024 * 1024
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}

# Seconds-free formats first: most extracts carry plain dates.
DATE_FORMATS = [
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M:%S",
    "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
]
# A day written year first with anything a system or a clerk adds after it (a time zone, 上午10:23, 星期二, 00时00分):
# the day is what the job reads of a registration or an opening. Tried when no format above reads the whole text.
DAY_FIRST_PATTERN = (r"^([0-9]{4})(?:\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})(?:\s*[日号].*|[T\s].*)?"
                     r"|([0-9]{2})([0-9]{2})(?:[T\s].*)?)$")
# An amount in CNY: 100, 100万元, 人民币100万元, RMB100万, ¥100万, 1.5亿元, 100万元整 (整: "exactly", as forms write
# it); brackets around the unit (100（万元）) are dropped before. Other currencies (万美元) stay unread.
CAPITAL_PATTERN = (r"^(?:人民币|RMB|CNY|¥|￥)?([0-9]+(?:\.[0-9]*)?)"
                   r"(亿元人民币|亿人民币|亿元|亿|万元人民币|万人民币|万元|万|元人民币|元|人民币)?整?$")
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
EDGE_SPACE = " \t\r\n\u3000\u00a0\ufeff"
NOT_A_CODE = "a number that is not an exact code (precision lost or not whole)"


class ExtractMissingError(ExtractError, FileNotFoundError):
    """The extract is not there (yet): it may still be copying in, so the flow retries this one."""

    transient = True


@dataclass
class LoadReport:
    kind: str
    files: list[str]
    encodings: dict[str, str]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    values_nulled: int
    missing_optional: list[str]
    extra_columns: list[str]
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    rows_skipped: int = 0  # rows that are not records: titles, repeated headers, totals, signatures, spacers
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    layout: list[dict] = field(default_factory=list)  # per file / sheet: where the header was, or why skipped
    precision_lost: dict[str, int] = field(default_factory=dict)  # column -> identifiers Excel had broken
    notes: list[str] = field(default_factory=list)  # the layout, as sentences for the run summary
    advice: str | None = None  # what to do about lost digits, when there were any


# ---------------------------------------------------------------- encoding


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _looks_like_mojibake(sample: str, encoding: str) -> str | None:
    """Why a decoded sample is not believable text, or None."""
    if sample.count("\x00") > max(3, len(sample) // 1000):
        return "it contains NUL characters (UTF-16 without a byte-order mark, or a binary file?)"
    controls = len(_CONTROL.findall(sample))
    if controls > max(3, len(sample) // 200):
        return f"{controls} control characters in the first {len(sample)} characters"
    if encoding == "gb18030":
        # Mainland GBK text is overwhelmingly GB2312 characters; Big5 or UTF-8 bytes read as GB18030
        # land in symbol rows, private-use areas and rare characters instead.
        wide = "".join(_NON_ASCII.findall(sample))
        if len(wide) >= 20:
            common = len(wide.encode("gb2312", "ignore")) // 2  # every GB2312 character is two bytes
            if common / len(wide) < 0.8:
                return f"only {common}/{len(wide)} non-ASCII characters are common GB2312 characters"
    return None


def _second_half(path: Path) -> int | None:
    """Where a GB18030 file's second half may start: after the first line break past its middle (byte 0x0A
    is never part of a GB18030 character). None when there is none."""
    size = path.stat().st_size
    with path.open("rb") as source:
        source.seek(size // 2)
        block = source.read(MAX_LINE_BYTES)
    newline = block.find(b"\n")
    return None if newline < 0 or size // 2 + newline + 1 >= size else size // 2 + newline + 1


def _transcode(path: Path, encoding: str, sink: io.BufferedWriter, target: Path) -> str:
    """decode_stream(path, encoding, sink), a large GB18030 file in two halves at once: this process
    decodes the first while a worker process (flows/pipeline/transcode.py) decodes the second into
    a file of its own, appended after. The Python codec runs on one core at a time; the file's other bytes
    wait for it otherwise (a tenth of the ingest stage's time at a million companies)."""
    cut = _second_half(path) if encoding == "gb18030" and path.stat().st_size >= PARALLEL_TRANSCODE_BYTES else None
    if cut is None:
        return decode_stream(path, encoding, sink)
    part = target.with_name(target.name + ".part2")
    part.unlink(missing_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "shellring.flows.pipeline.transcode", str(path), encoding, str(cut),
         str(part)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sample = decode_stream(path, encoding, sink, 0, cut)
        answer, errors = worker.communicate()
        answer = json.loads(answer) if worker.returncode == 0 else None
        if answer is None:  # the worker could not run: decode the second half here
            log.warning("decoding the second half of %s in this process: %s", path, errors[-2000:])
            decode_stream(path, encoding, sink, cut)
        elif answer.get("reason"):
            raise UnicodeDecodeError(encoding, b"", 0, 0, answer["reason"])
        else:
            with part.open("rb") as second:
                shutil.copyfileobj(second, sink, CHUNK_BYTES)
        return sample
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        part.unlink(missing_ok=True)


def _work_copy(path: Path, workdir: Path, kind: str) -> Path:
    """Where in workdir a rewritten copy of `path` goes (`kind`: what the rewrite did), nothing there yet."""
    workdir.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:10]
    target = workdir / f"{path.stem}.{tag}.{kind}.csv"
    target.unlink(missing_ok=True)
    return target


def _readable_csv(path: Path, workdir: Path) -> tuple[str, Path]:
    """(encoding, path DuckDB can read): the file itself if UTF-8, else its UTF-8 transcode in workdir.

    Recognises utf-8-sig / utf-16 (BOM), utf-8 or gb18030; ExtractError when none decodes believably.
    A file that is not UTF-8 is checked while it is transcoded, so it is decoded only once."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", path
    utf8_reason = None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            sample = decode_stream(path, "utf-8", None)
        except UnicodeDecodeError as exc:
            encoding, utf8_reason = "gb18030", exc.reason
        else:
            problem = _looks_like_mojibake(sample, "utf-8")
            if problem:
                raise ExtractError(f"cannot detect the encoding of {path}: read as UTF-8, {problem}")
            return "utf-8", path
    target = _work_copy(path, workdir, "utf8")
    try:
        with private_sink(target) as sink:
            sample = _transcode(path, encoding, sink, target)
        problem = _looks_like_mojibake(sample, encoding)
    except UnicodeDecodeError as exc:
        target.unlink()
        if utf8_reason:
            raise ExtractError(f"cannot detect the encoding of {path}: not UTF-8 ({utf8_reason}) "
                               f"and not GBK/GB18030 ({exc.reason})") from None
        raise ExtractError(f"cannot detect the encoding of {path}: {encoding} {exc.reason}") from None
    if problem:
        target.unlink()
        if utf8_reason:
            raise ExtractError(f"cannot detect the encoding of {path}: not UTF-8 ({utf8_reason}); "
                               f"read as GB18030 it looks like mojibake: {problem}")
        raise ExtractError(f"cannot detect the encoding of {path}: read as {encoding}, {problem}")
    return encoding, target


def _line_ends_mixed(path: Path) -> bool:
    """Whether some lines of a file end in CRLF and others in a bare LF. Only a file with a CR in its first
    chunk is counted through: an LF file needs no look, and one CRLF line in it costs DuckDB nothing."""
    crlf = lf = 0
    with path.open("rb", buffering=0) as source:
        first = source.read(CHUNK_BYTES)
        if b"\r" not in first:
            return False
        chunk, ends_in_cr = first, False
        while chunk:
            crlf += chunk.count(b"\r\n") + (ends_in_cr and chunk.startswith(b"\n"))
            lf += chunk.count(b"\n")
            ends_in_cr = chunk.endswith(b"\r")
            chunk = source.read(CHUNK_BYTES)
    return 0 < crlf < lf


def _uniform_line_ends(path: Path, workdir: Path) -> Path:
    """The file DuckDB reads line by line: `path` itself when its lines all end alike, else a copy in workdir
    whose lines all end in LF (line numbers unchanged). A title line ending in LF above records ending in CRLF
    (a report tool's title, then its export) made DuckDB's skip past the title read no record at all, silently;
    a stray LF line among CRLF ones stopped the read of the whole file."""
    if not _line_ends_mixed(path):
        return path
    target = _work_copy(path, workdir, "lf")
    with path.open("rb") as source, private_sink(target) as sink:
        carry = b""
        while chunk := source.read(CHUNK_BYTES):
            block = carry + chunk
            carry = b"\r" if block.endswith(b"\r") else b""
            sink.write(block[: len(block) - len(carry)].replace(b"\r\n", b"\n"))
        sink.write(carry)
    log.info("%s: lines end in both CRLF and LF; read through a copy whose lines all end in LF", path)
    return target


# ---------------------------------------------------------------- staging: one sheet -> _stage(c0.., src_row)


@dataclass(frozen=True)
class CsvSource:
    """Where a CSV's records are: read by DuckDB straight into the typed rows (one pass, no raw copy)."""

    path: Path  # the extract, as the user named it
    readable: Path  # the file DuckDB reads: the extract itself, or its UTF-8 transcode
    delimiter: str
    first_data_line: int
    sampled_records: int = 0  # lines with a value under the header in the first lines read to find it


@dataclass
class Staged:
    """One table of records: a CSV file (read when it is validated), or a Parquet file or one sheet of a
    workbook staged in `_stage` (text columns c0.., src_row)."""

    header_map: HeaderMap
    encoding: str
    raw_separator: str
    sheet: str | None = None
    header_texts: list[set[str]] = field(default_factory=list)  # per column: header as written (repeats)
    layout: dict = field(default_factory=dict)  # what the run summary says about where the records were
    csv: CsvSource | None = None


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a temp table or view of that name, whichever it is."""
    kinds = con.execute("SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? AND temporary "
                        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ? AND temporary",
                        [name, name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind} IF EXISTS {name}")


def _skipped(line: int, reason: str, raw: str) -> dict:
    return {"line": line, "column_name": None, "reason": reason, "action": "skipped", "raw_row": raw}


def _rows_label(first: int, n_rows: int) -> str:
    return f"{first}" if n_rows == 1 else f"{first}-{first + n_rows - 1}"


CSV_DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def _csv_records(text: str, delimiter: str, complete: bool) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of the first records of a CSV sample (lines are 1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, int, list[str]]] = []
    last = 0
    try:
        for fields in reader:
            records.append((last + 1, reader.line_num, fields))
            last = reader.line_num
            if len(records) > HEADER_SCAN_ROWS:
                return records
    except csv.Error:  # a cell over the csv module's limit, a NUL: the sample ends there
        return records
    return records if complete else records[:-1]  # the last record of a cut sample may be cut too


def _find_csv_header(path: Path, known, kind: Kind) -> tuple[str, list[tuple[int, int, list[str]]], HeaderGuess | None]:
    """(delimiter, records scanned, header) of a CSV: the delimiter whose split gives the best header in the
    first lines. None as header when no line names two known columns (the caller then reports line 1)."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        text = handle.read(SAMPLE_CHARS)
        complete = not handle.read(1)
    best = None
    for order, delimiter in enumerate(CSV_DELIMITERS):
        records = _csv_records(text, delimiter, complete)
        guess = find_header([fields for _, _, fields in records], known, REQUIRED[kind])
        if guess is None:
            continue
        key = (guess.required, len(guess.matched), -guess.n_rows, -guess.row, len(guess.headers), -order)
        if best is None or key > best[0]:
            best = (key, delimiter, records, guess)
    if best is not None:
        return best[1], best[2], best[3]
    # No recognisable header: the first line, split where it gives the most fields, is reported as found.
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ExtractError(f"{path}: empty file or empty header line")
    delimiter = max(CSV_DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d))))
    fields = [f.strip("\r\n") for f in next(csv.reader([first], delimiter=delimiter))]
    return delimiter, [(1, 1, fields)], None


@contextmanager
def _in_file_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Rows inserted in the order they are read, within the block. _typed's rowid becomes the line
    number (src_row); the run's connections turn preserve_insertion_order off, and under that a parallel
    read_csv may store rows out of order (on a busy machine every line number of a 1M-row extract was wrong)."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def _stage_csv(path: Path, kind: Kind, mapping: dict[str, str], workdir: Path, rejects: list[dict]) -> Staged:
    """A CSV's encoding, header and title lines; its records are read later, straight into the typed rows."""
    encoding, readable = _readable_csv(path, workdir)
    readable = _uniform_line_ends(readable, workdir)
    known = header_lookup(kind, mapping)
    delimiter, records, guess = _find_csv_header(readable, known, kind)
    if guess is None:
        headers, lookups, header_index, n_header = records[0][2], None, 0, 1
    else:
        headers, lookups, header_index, n_header = guess.headers, guess.lookups, guess.row, guess.n_rows
    header_line = records[header_index][0]
    label = str(path) if header_line == 1 else f"{path} (header on line {_rows_label(header_line, n_header)})"
    header_map = resolve_headers(headers, kind, label, mapping, lookups)
    first_data_line = records[header_index + n_header - 1][1] + 1
    titles = 0
    for first, _, fields in records[:header_index]:
        if any(clean_cell(f) for f in fields):
            rejects.append(_skipped(first, TITLE_ROW, delimiter.join(fields)))
            titles += 1
    layout = {"file": str(path), "sheet": None, "status": "read", "header": _rows_label(header_line, n_header),
              "title_rows": titles, "separator": DELIMITER_NAMES[delimiter]}
    texts = guess.texts if guess is not None else [{h} for h in headers]
    return Staged(header_map, encoding, delimiter, None, texts, layout,
                  CsvSource(path, readable, delimiter, first_data_line,
                            sum(1 for _, _, fields in records[header_index + n_header:]
                                if any(clean_cell(f) for f in fields))))


# A test sets this small (with several threads) to show that src_row stays the line number however DuckDB
# splits the file (lines may then be half as long); None: DuckDB's own buffer size.
CSV_BUFFER_BYTES: int | None = None


def _read_csv_sql(source: CsvSource, n_columns: int) -> str:
    """The read_csv call of a CSV's records: every column text, malformed lines into _csv_rejects."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_columns)) + "}"
    line_bytes, buffer = MAX_LINE_BYTES, ""
    if CSV_BUFFER_BYTES:
        line_bytes, buffer = CSV_BUFFER_BYTES // 2, f", buffer_size = {CSV_BUFFER_BYTES}"
    return (f"read_csv({_sql_text(str(source.readable))}, header = false, skip = {source.first_data_line - 1}, "
            f"auto_detect = false, columns = {columns}, delim = {_sql_text(source.delimiter)}, quote = '\"', "
            f"escape = '\"', strict_mode = true, encoding = 'utf-8', store_rejects = true, "
            f"rejects_table = '_csv_rejects', rejects_scan = '_csv_scans', max_line_size = {line_bytes}, "
            f"parallel = true{buffer})")


def _field_count(record: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader(io.StringIO(record, newline=""), delimiter=delimiter), []))
    except csv.Error:
        return 0


def _surplus_empty_fields(con: duckdb.DuckDBPyConnection, source: CsvSource, n_fields: int,
                          records: int) -> list[tuple[int, str]]:
    """(line, record) of the records with more fields than the header whose surplus fields are all empty.

    DuckDB drops any empty fields at the end of a line, so `a,b,X,c,` under a header of four loads as a, b, X, c:
    every value from the stray X on in the wrong column, silently. Some tools end every line with the delimiter
    (n + 1 fields, the last one empty, on most lines): then that one trailing field is the line's end, not a
    value. Read as physical lines (no quoting) to find the lines ending with the delimiter; the fields of the few
    records holding a quote are counted by the csv module. Line numbers are DuckDB's: records, blank lines
    included, a record spanning lines counted once."""
    d = source.delimiter
    lines = (f"read_csv({_sql_text(str(source.readable))}, header = false, skip = {source.first_data_line - 1}, "
             f"auto_detect = false, columns = {{'l': 'VARCHAR'}}, delim = '\\0', quote = '', escape = '', "
             f"strict_mode = false, null_padding = true, encoding = 'utf-8', max_line_size = {MAX_LINE_BYTES})")
    # One narrow column, NULL but on the lines ending with the delimiter or holding a quote: a quoted record's
    # lines without a quote lie inside its quotes, so its field count does not need them.
    with _in_file_order(con):
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _line_ends AS
                SELECT CASE WHEN suffix(l, {_sql_text(d)}) OR suffix(l, {_sql_text(d + chr(13))})
                            OR contains(l, '"') THEN rtrim(l, chr(13)) END AS l FROM {lines}""")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _line_ends AS
            SELECT rowid AS physical, l, suffix(l, {_sql_text(d)}) AS open_end, contains(l, '"') AS quoted,
                   (strlen(l) - strlen(replace(l, '"', ''))) % 2 = 1 AS odd_quotes
            FROM _line_ends WHERE l IS NOT NULL""")
    if not con.execute("SELECT bool_or(odd_quotes) FROM _line_ends").fetchone()[0]:
        # every record on one line: DuckDB's line numbers are the file's
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _line_ends AS
                        SELECT physical + {source.first_data_line} AS line, quoted, l AS record
                        FROM _line_ends WHERE open_end""")
    else:  # a line inside a record's quotes is no record of its own
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _line_ends AS
                WITH states AS (
                    SELECT *, coalesce(sum(odd_quotes::INTEGER) OVER (ORDER BY physical ROWS BETWEEN UNBOUNDED
                                                                      PRECEDING AND 1 PRECEDING), 0) % 2 = 1 AS inside
                    FROM _line_ends),
                spans AS (  -- a closing quote's line: the lines since the opening one continued a record
                    SELECT *, CASE WHEN inside AND odd_quotes
                                   THEN physical - lag(physical) OVER (PARTITION BY odd_quotes ORDER BY physical)
                                   ELSE 0 END AS continued
                    FROM states),
                opened AS (
                    SELECT *, CASE WHEN NOT inside THEN physical + {source.first_data_line}
                                   - sum(continued) OVER (ORDER BY physical) END AS own_line
                    FROM spans),
                numbered AS (SELECT *, max(own_line) OVER (ORDER BY physical) AS line FROM opened),
                ends AS (SELECT line FROM numbered WHERE open_end AND inside = odd_quotes)
                SELECT line, bool_or(quoted) AS quoted, string_agg(l, chr(10) ORDER BY physical) AS record
                FROM numbered WHERE line IN (SELECT line FROM ends) GROUP BY line""")
    plain = f"strlen(record) - strlen(replace(record, {_sql_text(d)}, '')) + 1"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _line_ends AS
                    SELECT line, record, CASE WHEN NOT quoted THEN {plain} END AS fields FROM _line_ends""")
    quoted = con.sql("SELECT line, record FROM _line_ends WHERE fields IS NULL").pl()
    if quoted.height:
        counted = quoted.select("line", pl.col("record").map_elements(lambda r: _field_count(r, d),
                                                                      return_dtype=pl.Int64).alias("fields"))
        con.register("_quoted_fields", counted.to_arrow())
        con.execute("UPDATE _line_ends SET fields = q.fields FROM _quoted_fields q WHERE _line_ends.line = q.line")
        con.unregister("_quoted_fields")
    terminated = con.execute(f"SELECT count(*) FILTER (fields = {n_fields + 1}) FROM _line_ends").fetchone()[0]
    allowed = n_fields + 1 if terminated * 2 > records else n_fields
    found = con.execute(f"""SELECT line, record FROM _line_ends
                            WHERE fields > {allowed} AND line NOT IN (SELECT line FROM _csv_rejects)
                            ORDER BY line""").fetchall()
    _drop(con, "_line_ends")
    return found


def _read_csv_rows(con: duckdb.DuckDBPyConnection, staged: Staged, select: str, rejects: list[dict]) -> None:
    """_typed from the CSV in one pass (`select`, reading the CSV), then _rows: _typed with src_row, the line
    number. Lines DuckDB could not split go to `rejects` (as rows that are not records when they are)."""
    source = staged.csv
    headers = staged.header_map.headers
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")
    try:
        with _in_file_order(con):
            con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS {select}")
    except duckdb.Error as exc:
        raise ExtractError(f"{source.path}: cannot parse as CSV: {exc}") from exc
    first_data_line, delimiter = source.first_data_line, source.delimiter
    if source.sampled_records and not con.execute(
            "SELECT (SELECT count(*) FROM _typed) + (SELECT count(*) FROM _csv_rejects)").fetchone()[0]:
        # never a silent empty extract: lines that read as records a moment ago must load or be rejected
        raise ExtractError(f"{source.path}: lines under the header (from line {first_data_line}) look like records, "
                           "but the CSV reader read none of them; please report this file's layout")
    # DuckDB numbers lines from the top of the file by records (+ blank lines); loaded rows get the same
    # numbering by counting the rejected records that precede them.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _csv_bad AS
           SELECT line, min(error_type::VARCHAR) AS error_type, min(error_message) AS error_message,
                  min(column_name) AS column_name, min(csv_line) AS csv_line
           FROM _csv_rejects GROUP BY line"""
    )
    loaded, bad = con.execute("SELECT (SELECT count(*) FROM _typed), (SELECT count(*) FROM _csv_bad)").fetchone()
    surplus = _surplus_empty_fields(con, source, len(headers), loaded + bad)
    _drop(con, "_rows")
    if bad == 0:  # a table only when rows with surplus fields must leave it
        con.execute(f"CREATE TEMP {'TABLE' if surplus else 'VIEW'} _rows AS "
                    f"SELECT rowid + {first_data_line} AS src_row, * FROM _typed")
    else:
        con.execute(
            f"""CREATE TEMP TABLE _rows AS
               WITH bad AS (
                   SELECT (line - {first_data_line}) - row_number() OVER (ORDER BY line) + 1 AS loaded_before,
                          row_number() OVER (ORDER BY line) AS bad_before
                   FROM _csv_bad),
               gaps AS (SELECT loaded_before, max(bad_before) AS bad_before FROM bad GROUP BY loaded_before),
               ordered AS (SELECT rowid + 1 AS ordinal, * FROM _typed)
               SELECT ordered.ordinal + coalesce(gaps.bad_before, 0) + {first_data_line - 1} AS src_row,
                      ordered.* EXCLUDE (ordinal)
               FROM ordered ASOF LEFT JOIN gaps ON ordered.ordinal > gaps.loaded_before"""
        )
    for line, error_type, _message, _column_name, csv_line in con.execute(
        "SELECT line, error_type, error_message, column_name, csv_line FROM _csv_bad ORDER BY line"
    ).fetchall():
        raw = (csv_line or "").strip("\r\n")
        try:
            marker = row_marker(next(csv.reader([raw], delimiter=delimiter), []))
        except csv.Error:
            marker = None
        if marker is not None:  # a total or signature line with fewer fields than the header
            rejects.append(_skipped(line, marker, raw))
            continue
        reason = {
            "MISSING COLUMNS": f"ragged row: fewer than {len(headers)} fields",
            "TOO MANY COLUMNS": f"ragged row: more than {len(headers)} fields",
            "UNQUOTED VALUE": "malformed quoting",
            "LINE SIZE OVER MAXIMUM": f"line longer than {MAX_LINE_BYTES} bytes",
        }.get(error_type, f"unreadable row: {error_type.lower()}")
        rejects.append({"line": line, "column_name": None, "reason": reason, "action": "rejected", "raw_row": raw})
    if surplus:
        con.execute("DELETE FROM _rows WHERE src_row IN (SELECT unnest(?::BIGINT[]))", [[line for line, _ in surplus]])
        rejects.extend({"line": line, "column_name": None, "reason": f"ragged row: more than {len(headers)} fields",
                        "action": "rejected", "raw_row": record} for line, record in surplus)


def _text_expression(name: str, dtype: pl.DataType, is_code: bool) -> tuple[pl.Expr, pl.Expr | None]:
    """(text value, reason it could not be kept) for one typed Parquet column."""
    column = pl.col(name)
    if dtype == pl.String:
        return column, None
    if dtype.is_integer():
        return column.cast(pl.String), None
    if dtype.is_float():
        integral = column.is_finite() & (column == column.floor())
        exact = integral & (column.abs() < 2.0**53)
        as_integer = pl.when(exact).then(column.cast(pl.Int64, strict=False).cast(pl.String))
        if is_code:
            problem = (pl.when(column.is_not_null() & ~exact)
                       .then(pl.lit(NOT_A_CODE)))
            return as_integer, problem
        return as_integer.otherwise(column.cast(pl.String)), None
    if dtype == pl.Date:
        text = column.dt.strftime("%Y-%m-%d")
    elif isinstance(dtype, pl.Datetime):
        text = column.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif dtype in (pl.Boolean, pl.Time) or isinstance(dtype, (pl.Duration, pl.Decimal)):
        text = column.cast(pl.String)
    elif dtype == pl.Binary:
        text = column.cast(pl.String, strict=False)
        problem = pl.when(column.is_not_null() & text.is_null()).then(pl.lit("binary value that is not UTF-8"))
        return text, problem
    elif dtype == pl.Null:
        return pl.lit(None, pl.String), None
    else:
        return (pl.lit(None, pl.String),
                pl.when(column.is_not_null()).then(pl.lit(f"unsupported cell type {dtype}")))
    if is_code and dtype != pl.Decimal:
        return (pl.lit(None, pl.String),
                pl.when(column.is_not_null()).then(pl.lit(f"a {dtype} value where a code was expected")))
    return text, None


def _register_stage(con: duckdb.DuckDBPyConnection, staged: pl.DataFrame) -> None:
    con.register("_stage_frame", staged.to_arrow())
    _drop(con, "_stage")
    con.execute("CREATE TEMP TABLE _stage AS SELECT * FROM _stage_frame")
    con.unregister("_stage_frame")


def _stage_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, headers: list[str], header_map: HeaderMap,
                 first_row: int, rejects: list[dict]) -> int:
    """Typed frame -> _stage of text columns; cells of a wrong type become NULL plus a cell issue."""
    canonical_of = {position: name for name, position in header_map.canonical_index.items()}
    texts, problems = [], []
    for position, name in enumerate(frame.columns):
        canonical = canonical_of.get(position)
        text, problem = _text_expression(name, frame.schema[name], canonical in CODE_COLUMNS)
        texts.append(text.alias(f"c{position}"))
        if problem is not None:
            problems.append((position, problem.alias(f"p{position}")))
    frame = frame.with_row_index("src_row", offset=first_row)
    staged = frame.select(*texts, pl.col("src_row").cast(pl.Int64))
    raw = frame.select(pl.concat_str([pl.col(c).cast(pl.String, strict=False).fill_null("") for c in frame.columns],
                                     separator=",").alias("raw"), "src_row")
    for position, problem in problems:
        flagged = frame.select(problem, "src_row").with_columns(raw["raw"]).filter(pl.col(f"p{position}").is_not_null())
        for reason, src_row, raw_row in flagged.iter_rows():
            rejects.append({"line": src_row, "column_name": canonical_of.get(position, headers[position]),
                            "reason": reason, "action": "cell", "raw_row": raw_row})
    _register_stage(con, staged)
    return staged.height


def _stage_parquet(con, path: Path, kind: Kind, mapping, rejects: list[dict]) -> Staged:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for corrupt files
        raise ExtractError(f"{path}: cannot read as Parquet: {exc}") from exc
    headers = frame.columns
    header_map = resolve_headers(headers, kind, str(path), mapping)
    frame = frame.rename({name: f"x{i}" for i, name in enumerate(headers)})
    _stage_frame(con, frame, headers, header_map, 1, rejects)
    return Staged(header_map, "parquet", ",", None, [{h} for h in headers],
                  {"file": str(path), "sheet": None, "status": "read", "header": "columns"})


_EXACT_CODE = r"^[0-9]{1,15}$"  # a whole number Excel stores exactly (15 significant digits)
_LOST_CODE = r"^[0-9]{16,}$"  # 16 digits or more: Excel kept 15 of them, the rest are zeros or noise


def _numeric_code_cells(data: pl.DataFrame, numeric: pl.DataFrame, code_columns: dict[str, str],
                        sheet_rows: pl.Series, rejects: list[dict]) -> pl.DataFrame:
    """Identifier cells that Excel stored as numbers. `numeric` holds the same columns read with fastexcel's
    boolean type: a number (or boolean) cell is not NULL there, a text cell is, whatever digits it holds.

    A whole number of up to 15 digits is exact: it stays, as its digits. One of 16 digits or more has lost
    digits in Excel (it keeps 15 significant digits): it is staged as Excel shows it, 6.22202123456789E+18,
    which the SQL checks null as `excel_precision_lost` like the same text in a CSV. A fraction or a negative
    number is no code: NULL plus a cell issue."""
    raw = None
    for column, canonical in code_columns.items():
        probe = pl.DataFrame({"text": data.get_column(column), "number": numeric.get_column(column).is_not_null()})
        kind = probe.select(
            pl.when(~pl.col("number") | pl.col("text").is_in(["true", "false"]) | pl.col("text").is_null())
            .then(pl.lit(None, pl.String))
            .when(pl.col("text").str.contains(_EXACT_CODE)).then(None)
            .when(pl.col("text").str.contains(_LOST_CODE)).then(pl.lit("lost"))
            .otherwise(pl.lit("not a code"))).to_series()
        lost = kind == "lost"
        if lost.any():
            shown = probe.get_column("text").filter(lost).map_elements(lambda v: format(float(v), ".15G"),
                                                                       return_dtype=pl.String)
            data = data.with_columns(data.get_column(column).scatter(lost.arg_true(), shown))
        bad = kind == "not a code"
        if not bad.any():
            continue
        if raw is None:
            raw = data.select(pl.concat_str([pl.col(c).fill_null("") for c in data.columns], separator=","))
            raw = raw.to_series()
        for line, raw_row in zip(sheet_rows.filter(bad), raw.filter(bad)):
            rejects.append({"line": line, "column_name": canonical, "reason": NOT_A_CODE, "action": "cell",
                            "raw_row": raw_row})
        data = data.with_columns(pl.when(bad).then(None).otherwise(pl.col(column)).alias(column))
    return data


def _stage_sheet(con, reader, index: int, name: str, frame: pl.DataFrame, guess: HeaderGuess, path: Path,
                 kind: Kind, mapping, rejects: list[dict]) -> Staged:
    """One sheet whose header was found -> _stage, with title rows above it and numeric identifiers noted."""
    header_row = guess.row + 1  # sheet rows are 1-based, frame row 0 is sheet row 1
    start = guess.row + guess.n_rows
    nonblank = frame.select(pl.any_horizontal(pl.all().is_not_null()).alias("x")).to_series()
    filled = nonblank.arg_true()
    end = int(filled[-1]) + 1 if len(filled) and int(filled[-1]) >= start else start  # trailing blank rows go
    data = frame.slice(start, end - start)
    headers = [*guess.headers, *[""] * (frame.width - len(guess.headers))]
    lookups = [*guess.lookups, *[(h,) for h in headers[len(guess.lookups):]]]
    texts = [*guess.texts, *[set() for _ in headers[len(guess.texts):]]]
    # columns with neither a header nor a value under it (formatting, a title's merged area) are not columns
    used = data.select(pl.all().is_not_null().any()).row(0) if data.height else (False,) * frame.width
    keep = [j for j in range(frame.width) if headers[j] or used[j]]
    label = f"{path} sheet {name!r} (header on row {_rows_label(header_row, guess.n_rows)})"
    header_map = resolve_headers([headers[j] for j in keep], kind, label, mapping, [lookups[j] for j in keep])
    titles = 0
    for row in range(guess.row):
        cells = [clean_cell(v) for v in frame.row(row)]
        if any(cells):
            rejects.append(_skipped(row + 1, TITLE_ROW, ",".join(cells).rstrip(",")))
            titles += 1
    columns = [frame.columns[j] for j in keep]
    data = data.select(columns)
    sheet_rows = pl.Series("src_row", range(start + 1, end + 1), dtype=pl.Int64)
    code_columns = {columns[position]: canonical for canonical, position in header_map.canonical_index.items()
                    if canonical in CODE_COLUMNS}
    if code_columns and data.height:
        wanted = sorted(frame.columns.index(c) for c in code_columns)
        try:
            numeric = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="boolean",
                                        use_columns=wanted).to_polars()
        except Exception as exc:  # fastexcel raises its own error hierarchy
            raise ExtractError(f"{path}: cannot read sheet {name!r}: {exc}") from exc
        if numeric.height != frame.height or numeric.width != len(wanted):
            raise ExtractError(f"{path}: sheet {name!r} reads differently as numbers and as text")
        numeric = numeric.slice(start, end - start).rename(dict(zip(numeric.columns,
                                                                    (frame.columns[j] for j in wanted))))
        data = _numeric_code_cells(data, numeric, code_columns, sheet_rows, rejects)
    staged = data.rename({c: f"c{k}" for k, c in enumerate(columns)}).with_columns(sheet_rows)
    _register_stage(con, staged)
    layout = {"file": str(path), "sheet": name, "status": "read", "header": _rows_label(header_row, guess.n_rows),
              "title_rows": titles}
    return Staged(header_map, "xlsx", ",", name, [texts[j] for j in keep], layout)


def _stage_excel(con, path: Path, kind: Kind, mapping, rejects: list[dict],
                 layouts: list[dict]) -> Iterator[Staged]:
    """Each sheet of a workbook with a header (found by content) is staged in turn; the others are
    recorded in `layouts` as skipped, with why. No sheet with the required columns is an ExtractError."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
    except Exception as exc:  # fastexcel raises its own error hierarchy
        raise ExtractError(f"{path}: cannot read as XLSX: {exc}") from exc
    known = header_lookup(kind, mapping)
    read = 0
    partial = None  # the best header lacking a required column, for the error when no sheet qualifies
    first_row = None  # else the first non-empty row of the workbook
    hidden: list[str] = []  # hidden sheets with the required columns
    for index, name in enumerate(names):
        try:
            sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
        except Exception as exc:  # fastexcel raises its own error hierarchy
            raise ExtractError(f"{path}: cannot read sheet {name!r} as XLSX: {exc}") from exc
        skip = {"file": str(path), "sheet": name, "status": "skipped"}
        scan = frame.head(HEADER_SCAN_ROWS).rows()
        if not any(clean_cell(v) for row in scan for v in row):
            layouts.append({**skip, "why": "empty" if frame.height == 0 else
                            f"nothing in its first {HEADER_SCAN_ROWS} rows"})
            continue
        guess = find_header(scan, known, REQUIRED[kind])
        if first_row is None:
            row = next(i for i, cells in enumerate(scan) if any(clean_cell(v) for v in cells))
            first_row = (f"{path} sheet {name!r} (row {row + 1})", [clean_cell(v) for v in scan[row]])
        if guess is None:
            layouts.append({**skip, "why": f"no header: none of its first {HEADER_SCAN_ROWS} rows names "
                                           f"{MIN_HEADER_MATCHES} or more known columns"})
            continue
        if guess.required < len(REQUIRED[kind]):
            missing = [c for c in REQUIRED[kind] if c not in guess.matched]
            layouts.append({**skip, "why": f"its header (row {guess.row + 1}) lacks required column(s) {missing}"})
            if partial is None or (guess.required, len(guess.matched)) > (partial[0].required,
                                                                            len(partial[0].matched)):
                partial = (guess, f"{path} sheet {name!r} (header on row {_rows_label(guess.row + 1, guess.n_rows)})")
            continue
        if sheet.visible != "visible":
            layouts.append({**skip, "why": f"{sheet.visible} sheet (unhide it in Excel to load it)"})
            hidden.append(name)
            continue
        read += 1
        yield _stage_sheet(con, reader, index, name, frame, guess, path, kind, mapping, rejects)
    if read == 0:
        if hidden:
            raise ExtractError(f"{path}: the only sheet(s) with the required columns are hidden: {hidden}; "
                               f"unhide them in Excel")
        if partial is not None:
            resolve_headers(partial[0].headers, kind, partial[1], mapping, partial[0].lookups)
        if first_row is not None:
            resolve_headers(first_row[1], kind, first_row[0], mapping)
        raise ExtractError(f"{path}: every sheet is empty")


# ---------------------------------------------------------------- cleaning, typing, validation in SQL


def _clean_sql(column: str) -> str:
    edge = EDGE_SPACE.replace("'", "")
    # Only values holding a control character (tab, CR and LF included) or starting or ending with an edge
    # space can change. One regexp finds them; the rest skip regexp_replace and trim (4x a plain copy).
    edge_class = "[" + "".join(f"\\x{{{ord(char):X}}}" for char in edge) + "]"
    needs_cleaning = f"[\\x00-\\x1F\\x7F-\\x9F]|^{edge_class}|{edge_class}$"
    return (f"CASE WHEN regexp_matches({column}, '{needs_cleaning}') THEN nullif(trim("
            f"regexp_replace(regexp_replace({column}, '[\\t\\r\\n]+', ' ', 'g'), '{CONTROL_CHARS}', '', 'g'), "
            f"'{edge}'), '') ELSE nullif({column}, '') END")


# A date or an amount typed with a Chinese input method in full-width mode (２０２４－０３－０５, １００万元) is the
# same value: its digits and punctuation are read as their ASCII twins (NFKC's mapping of these characters).
FULL_WIDTH = "０１２３４５６７８９－／．：，　"
HALF_WIDTH = "0123456789-/.:, "


def _half_width_sql(text: str) -> str:
    return f"translate({text}, '{FULL_WIDTH}', '{HALF_WIDTH}')"


# _date_sql and _capital_sql repeat a subexpression instead of naming it in a scalar subquery: DuckDB
# evaluates a repeated expression once, but turns every correlated subquery into a join over the table.
def _date_sql(text: str) -> str:
    text = _half_width_sql(text)
    formats = "[" + ", ".join(f"'{fmt}'" for fmt in DATE_FORMATS) + "]"
    parsed = (f"CASE WHEN regexp_full_match({text}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
              f"THEN DATE '1899-12-30' + CAST(floor(CAST({text} AS DOUBLE)) AS INTEGER) "
              f"ELSE coalesce(CAST(try_strptime({text}, {formats}) AS DATE), "
              f"CAST(try_strptime(regexp_replace({text}, '{DAY_FIRST_PATTERN}', '\\1-\\2\\4-\\3\\5'), "
              f"'%Y-%m-%d') AS DATE)) END")
    return f"CASE WHEN year({parsed}) BETWEEN 1900 AND 2100 THEN {parsed} END"


def _capital_sql(text: str) -> str:
    text = _half_width_sql(text)
    squeezed = f"regexp_replace({text}, '[,，\\s()（）]', '', 'g')"
    parts = f"regexp_extract({squeezed}, '{CAPITAL_PATTERN}', ['amount', 'unit'])"
    amount = f"TRY_CAST({parts}.amount AS DOUBLE)"
    return (f"CASE WHEN regexp_matches({text}, '[{CN_NUMERALS}]') THEN {_cn_capital_sql(squeezed)} "
            f"WHEN {parts}.amount = '' THEN NULL "
            f"WHEN starts_with({parts}.unit, '元') THEN {amount} / 10000 "
            f"WHEN starts_with({parts}.unit, '亿') THEN {amount} * 10000 ELSE {amount} END")


# An amount written in Chinese numerals: the capital numerals (大写: 壹佰万元整, 人民币伍拾万元) that licences, bank
# forms and cheques use so that no digit can be altered, and the common ones (一百万元). 大写 is read as the common
# numerals first (壹 一, 拾 十, 佰 百, 仟 千, 圆 元, 两 二). A whole numeral is sections of up to four digits
# (千, 百, 十 and a last digit, 零 where a place is skipped) before 亿 and 万; what is not one stays unread.
CN_NUMERALS = "零〇一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟"
_CN_DIGIT = "[一二三四五六七八九]"
_CN_SECTION = f"(?:{_CN_DIGIT}千)?零?(?:{_CN_DIGIT}百)?零?(?:{_CN_DIGIT}?十)?零?{_CN_DIGIT}?"
_CN_AMOUNT = (f"^(?:人民币|RMB|CNY|¥|￥)?((?:{_CN_SECTION}亿)?零?(?:{_CN_SECTION}万)?零?{_CN_SECTION})"
              f"(万元|亿元|元)?(?:人民币)?整?$")


def _cn_capital_sql(text: str) -> str:
    """An amount in Chinese numerals, in 10k CNY: the numeral is yuan when 元 follows it or it holds 万 or 亿
    (壹佰万元, 壹佰万), else it is in the registry's unit like a bare number (注册资本(万元): 壹佰)."""
    common = f"translate({text}, '壹贰叁肆伍陆柒捌玖拾佰仟〇两圆', '一二三四五六七八九十百千零二元')"
    parts = f"regexp_extract({common}, '{_CN_AMOUNT}', ['numeral', 'unit'])"
    numeral = f"{parts}.numeral"

    def digit(section: str, place: str) -> str:
        found = f"regexp_extract({section}, '({_CN_DIGIT}){place}', 1)"
        return f"coalesce(list_position(['一', '二', '三', '四', '五', '六', '七', '八', '九'], {found}), 0)"

    def section(section: str) -> str:
        tens = f"CASE WHEN contains({section}, '十') THEN 10 * greatest({digit(section, '十')}, 1) ELSE 0 END"
        return f"(1000 * {digit(section, '千')} + 100 * {digit(section, '百')} + {tens} + {digit(section, '$')})"

    high = f"regexp_extract({numeral}, '^(.*)亿', 1)"
    middle = f"regexp_extract({numeral}, '([^亿]*)万', 1)"
    low = f"regexp_extract({numeral}, '([^亿万]*)$', 1)"
    value = f"({section(high)} * 100000000.0 + {section(middle)} * 10000.0 + {section(low)})"
    yuan = f"({parts}.unit <> '' OR regexp_matches({numeral}, '[万亿]'))"
    return (f"CASE WHEN {numeral} = '' THEN NULL WHEN {parts}.unit = '万元' THEN {value} "
            f"WHEN {parts}.unit = '亿元' THEN {value} * 10000 WHEN {yuan} THEN {value} / 10000 ELSE {value} END")


def _column_sql(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


REJECTED_ROWS_DDL = """CREATE TABLE IF NOT EXISTS rejected_rows (
    run_id VARCHAR, file VARCHAR, line BIGINT, column_name VARCHAR, reason VARCHAR, action VARCHAR, raw_row VARCHAR,
    sheet VARCHAR)"""


def _target_ddl(kind: Kind) -> str:
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in CANONICAL[kind].items())
    return (f"CREATE OR REPLACE TABLE src_{kind} ({columns}, src_file VARCHAR, src_row BIGINT, extra JSON, "
            f"src_sheet VARCHAR)")


@dataclass(frozen=True)
class _Check:
    """One check of a cell: its bit in `_checks`, what it is logged as, and its condition in SQL over the clean
    text (the canonical name) and the typed value (t_<name>)."""

    bit: int
    column_name: str
    reason: str
    action: str
    condition: str


# Not a problem in itself: a row that may not be a record (a required value empty, or a header's text),
# which _classify_rows looks at.
CANDIDATE_BIT = 1


def _typed_select(staged: Staged, kind: Kind, source: str, *, keyed: bool, cell_rows: bool) -> tuple[str, list[_Check]]:
    """One SELECT over the staged text columns c0.. of `source`: each cell cleaned once, typed, checked.

    It yields the canonical columns typed, `extra` (JSON), `_checks` (a bit per failed check, CANDIDATE_BIT for a
    row that may not be a record) and `_raw`, the cells as read, kept only for rows with a bit set (or a cell
    issue found while staging): the raw text of a rejected row without a second copy of every row. `keyed`: the
    source has src_row (a CSV's rows are numbered from their rowid afterwards)."""
    hm = staged.header_map
    present = hm.canonical_index
    extras = list(hm.extra_index.items())
    raw = [f"c{i}" for i in range(len(hm.headers))]
    key = ["src_row"] if keyed else []
    cleaned = [f"{_clean_sql(f'c{position}')} AS {name}" for name, position in present.items()]
    cleaned += [f"{_clean_sql(f'c{position}')} AS e{k}" for k, (_, position) in enumerate(extras)]
    bits = (1 << k for k in range(1, 63))
    typed, final, checks = [], [], []
    for name, sql_type in CANONICAL[kind].items():
        if name not in present:
            final.append(f"CAST(NULL AS {sql_type}) AS {name}")
            continue
        required = name in REQUIRED[kind]
        action = "rejected" if required else "nulled"
        if sql_type == "DATE":
            typed.append(f"{_date_sql(name)} AS t_{name}")
            checks.append(_Check(next(bits), name, "unparseable date", action,
                                 f"{name} IS NOT NULL AND t_{name} IS NULL"))
        elif sql_type == "DOUBLE":
            typed.append(f"{_capital_sql(name)} AS t_{name}")
            checks.append(_Check(next(bits), name,
                                 "unparseable amount (expected e.g. 100, 1,000.5, 100万元, 1000000元)",
                                 action, f"{name} IS NOT NULL AND t_{name} IS NULL"))
        elif name in CODE_COLUMNS:
            # 6.22202123456789E+18: what Excel shows (and exports) of a number whose digits it has lost
            lost = f"((contains({name}, 'E+') OR contains({name}, 'e+')) AND regexp_full_match({name}, '{SCIENTIFIC}'))"
            typed.append(f"CASE WHEN {lost} THEN NULL ELSE {name} END AS t_{name}")
            checks.append(_Check(next(bits), name, PRECISION_LOST, action, lost))
        else:
            typed.append(f"{name} AS t_{name}")
        final.append(f"t_{name} AS {name}")
        if required:
            checks.append(_Check(next(bits), name, "empty required value", "rejected", f"{name} IS NULL"))

    def is_header_text(name: str) -> str:
        texts = staged.header_texts[present[name]] if present[name] < len(staged.header_texts) else set()
        return f"{name} IN ({', '.join(map(_sql_text, sorted(texts)))})" if texts else "false"

    required_present = [name for name in REQUIRED[kind] if name in present]
    candidate = " OR ".join(f"{name} IS NULL OR {is_header_text(name)}" for name in required_present) or "true"
    mask = " + ".join([f"(CASE WHEN {candidate} THEN {CANDIDATE_BIT} ELSE 0 END)",
                       *(f"(CASE WHEN {check.condition} THEN {check.bit} ELSE 0 END)" for check in checks)])
    extra = "json_object(" + ", ".join(f"{_sql_text(header)}, e{k}" for k, (header, _) in enumerate(extras)) + ")"
    keep_raw = "_checks <> 0" + (" OR src_row IN (SELECT src_row FROM _cell_rows)" if cell_rows else "")
    select = (
        f"SELECT {', '.join([*key, *final])}, {extra} AS extra, _checks, "
        f"CASE WHEN {keep_raw} THEN [{', '.join(raw)}] END AS _raw FROM ("
        f" SELECT *, CAST({mask} AS BIGINT) AS _checks FROM ("
        f"  SELECT *{''.join(', ' + t for t in typed)} FROM ("
        f"   SELECT {', '.join([*key, *raw, *cleaned])} FROM {source})))")
    return select, checks


def _classify_rows(con: duckdb.DuckDBPyConnection, staged: Staged, kind: Kind) -> None:
    """_layout(src_row, reason): the rows of _rows that are not records (see layout.py).

    Only rows lacking a required value (or holding its header text: CANDIDATE_BIT) are looked at, in Python with
    the same markers as the CSV lines DuckDB could not split: a row with every required value is a record,
    whatever its other cells say, and a clean extract has no such row to look at."""
    hm = staged.header_map
    positions = [*hm.canonical_index.values(), *(position for _, position in hm.extra_index.items())]
    header_sets = [staged.header_texts[p] if p < len(staged.header_texts) else set() for p in positions]
    cells = ", ".join(_clean_sql(f"_raw[{position + 1}]") for position in positions)
    con.execute("CREATE OR REPLACE TEMP TABLE _layout (src_row BIGINT, reason VARCHAR)")
    candidates = con.execute(f"SELECT src_row, {cells} FROM _rows WHERE (_checks & {CANDIDATE_BIT}) <> 0").fetchall()
    enough = min(2, max(sum(1 for t in header_sets if t), 1))  # a repeated header: 2 cells equal to theirs
    found = []
    for src_row, *values in candidates:
        if sum(1 for cell, header in zip(values, header_sets) if cell is not None and cell in header) >= enough:
            reason = HEADER_ROW
        else:
            reason = row_marker(values)
        if reason is not None:
            found.append((src_row, reason))
    if found:
        con.executemany("INSERT INTO _layout VALUES (?, ?)", found)


def _validate_and_insert(con: duckdb.DuckDBPyConnection, staged: Staged, kind: Kind, run_id: str, file: str,
                         issues: list[dict]) -> tuple[int, int, int, int]:
    """Clean, type and check the staged rows in one pass into _typed (a CSV is read straight into it); insert
    good rows into src_<kind>; log problems and rows that are not records. -> (loaded, rejected, nulled, skipped)."""
    hm = staged.header_map
    cell_issues = [i for i in issues if i["action"] == "cell"]
    if cell_issues:
        con.execute("CREATE OR REPLACE TEMP TABLE _cell_rows AS SELECT DISTINCT unnest(?::BIGINT[]) AS src_row",
                    [[i["line"] for i in cell_issues]])
    if staged.csv is not None:
        select, checks = _typed_select(staged, kind, _read_csv_sql(staged.csv, len(hm.headers)), keyed=False,
                                       cell_rows=False)
        _read_csv_rows(con, staged, select, issues)
    else:
        select, checks = _typed_select(staged, kind, "_stage", keyed=True, cell_rows=bool(cell_issues))
        con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS {select}")
        _drop(con, "_rows")
        con.execute("CREATE TEMP VIEW _rows AS SELECT * FROM _typed")
    _classify_rows(con, staged, kind)

    con.execute("CREATE OR REPLACE TEMP TABLE _issues (src_row BIGINT, column_name VARCHAR, reason VARCHAR, "
                "action VARCHAR, priority INTEGER)")
    if cell_issues:
        con.executemany("INSERT INTO _issues VALUES (?, ?, ?, ?, 0)", [
            (i["line"], i["column_name"], i["reason"],
             "rejected" if i["column_name"] in REQUIRED[kind] else "nulled") for i in cell_issues])
    if checks:  # one row per failed check, from the few rows with a check bit set
        failed = ", ".join(f"({c.bit}, {_sql_text(c.column_name)}, {_sql_text(c.reason)}, {_sql_text(c.action)})"
                           for c in checks)
        con.execute(f"""INSERT INTO _issues
                        SELECT r.src_row, d.column_name, d.reason, d.action, 1
                        FROM (SELECT src_row, _checks FROM _rows WHERE _checks > {CANDIDATE_BIT}) r,
                             (VALUES {failed}) d(bit, column_name, reason, action)
                        WHERE (r._checks & d.bit) <> 0""")
    # A row that is not a record is reported as such, and only as such.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _issues AS
           WITH one_per_cell AS (
               SELECT DISTINCT ON (src_row, column_name) * FROM _issues
               WHERE src_row NOT IN (SELECT src_row FROM _layout)
               ORDER BY src_row, column_name, priority),
           rejected AS (SELECT DISTINCT src_row FROM one_per_cell WHERE action = 'rejected')
           SELECT * FROM one_per_cell
           WHERE action = 'rejected' OR src_row NOT IN (SELECT src_row FROM rejected)
           UNION ALL
           SELECT src_row, NULL, reason, 'skipped', -1 FROM _layout"""
    )
    staged_rows = con.execute("SELECT count(*) FROM _rows").fetchone()[0]
    rejected, nulled, skipped = con.execute(
        "SELECT count(DISTINCT src_row) FILTER (action = 'rejected'), count(*) FILTER (action = 'nulled'), "
        "count(*) FILTER (action = 'skipped') FROM _issues"
    ).fetchone()
    kept = "" if rejected + skipped == 0 else \
        "WHERE src_row NOT IN (SELECT src_row FROM _issues WHERE action IN ('rejected', 'skipped'))"
    con.execute(f"INSERT INTO src_{kind} BY NAME SELECT {', '.join(CANONICAL[kind])}, ? AS src_file, src_row, "
                f"extra, ? AS src_sheet FROM _rows {kept}", [file, staged.sheet])

    rows = []
    if rejected + nulled + skipped:
        separator = staged.raw_separator.replace("'", "''")
        raw_columns = ", ".join(f"coalesce(r._raw[{i + 1}], '')" for i in range(len(hm.headers)))
        rows = con.execute(
            f"""SELECT i.src_row, i.column_name, i.reason, i.action, left(concat_ws('{separator}', {raw_columns}), 4096)
                FROM _issues i JOIN _rows r USING (src_row) ORDER BY i.src_row, i.column_name"""
        ).fetchall()
    outside = [i for i in issues if i["action"] != "cell"]  # rows that never reached the typed rows
    rows += [(i["line"], i["column_name"], i["reason"], i["action"], i["raw_row"]) for i in outside]
    _log_rejects(con, run_id, file, staged.sheet, rows)
    for table in ("_rows", "_typed", "_stage", "_cell_rows"):  # free the memory before the next file
        _drop(con, table)
    outside_rejected = len({i["line"] for i in outside if i["action"] == "rejected"})
    outside_skipped = len({i["line"] for i in outside if i["action"] == "skipped"})
    return (staged_rows - rejected - skipped, rejected + outside_rejected, nulled, skipped + outside_skipped)


_SCIENTIFIC_DIGITS = re.compile(r"([0-9]\.[0-9]{0,3})[0-9]*([eE]\+[0-9]+)")


def _mask_scientific(text: str | None) -> str | None:
    """3.30106199001011E+17 is most of a resident ID: kept as 3.301****E+17 (mask_text has no such form)."""
    return _SCIENTIFIC_DIGITS.sub(r"\1****\2", text) if text and ("E+" in text or "e+" in text) else text


def _log_rejects(con: duckdb.DuckDBPyConnection, run_id: str, file: str, sheet: str | None,
                 rows: list[tuple]) -> None:
    if not rows:
        return
    # Built with polars: pyarrow imports pandas (0.2 s) to convert Python lists.
    frame = pl.DataFrame({
        "run_id": [run_id] * len(rows),
        "file": [file] * len(rows),
        "line": [r[0] for r in rows],
        "column_name": [r[1] for r in rows],
        "reason": [r[2] for r in rows],
        "action": [r[3] for r in rows],
        "raw_row": [mask_text(_mask_scientific(r[4])) for r in rows],
        "sheet": [sheet] * len(rows),
    }, schema={"run_id": pl.String, "file": pl.String, "line": pl.Int64, "column_name": pl.String,
               "reason": pl.String, "action": pl.String, "raw_row": pl.String, "sheet": pl.String})
    con.register("_rejects_frame", frame.to_arrow())
    con.execute("INSERT INTO rejected_rows BY NAME SELECT * FROM _rejects_frame")
    con.unregister("_rejects_frame")


def _where(file: str, sheet: str | None) -> str:
    return f"{file} sheet {sheet}" if sheet is not None else file


def _reject_duplicate_accounts(con: duckdb.DuckDBPyConnection, run_id: str, units: list[tuple[str, str | None]]) -> int:
    """Exact duplicate account rows (every column and extra equal): keep the first, reject the rest."""
    con.register("_unit_order", pl.DataFrame(
        {"src_file": [f for f, _ in units], "src_sheet": [s for _, s in units], "unit_order": range(len(units))},
        schema={"src_file": pl.String, "src_sheet": pl.String, "unit_order": pl.Int64}).to_arrow())
    value_columns = [*CANONICAL["accounts"], "extra"]
    partition = ", ".join(f"a.{_column_sql(c)}" if c != "extra" else "a.extra::VARCHAR" for c in value_columns)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _duplicates AS
            SELECT * FROM (
                SELECT a.src_file, a.src_sheet, a.src_row,
                       first_value(a.src_file) OVER w AS first_file, first_value(a.src_sheet) OVER w AS first_sheet,
                       first_value(a.src_row) OVER w AS first_row,
                       row_number() OVER w AS copy_no,
                       concat_ws(',', {', '.join(f'coalesce(a.{c}::VARCHAR, {chr(39)}{chr(39)})'
                                                 for c in value_columns)}) AS raw_row
                FROM src_accounts a JOIN _unit_order o
                    ON o.src_file = a.src_file AND o.src_sheet IS NOT DISTINCT FROM a.src_sheet
                -- only rows whose hash repeats can be copies: the window then sorts a handful of rows
                WHERE hash({partition}) IN (SELECT hash({partition}) FROM src_accounts a GROUP BY 1 HAVING count(*) > 1)
                WINDOW w AS (PARTITION BY {partition} ORDER BY o.unit_order, a.src_row))
            WHERE copy_no > 1"""
    )
    con.unregister("_unit_order")
    duplicates = con.execute(
        "SELECT src_file, src_sheet, src_row, first_file, first_sheet, first_row, raw_row FROM _duplicates "
        "ORDER BY src_file, src_sheet, src_row"
    ).fetchall()
    for unit in dict.fromkeys((d[0], d[1]) for d in duplicates):
        rows = []
        for src_file, src_sheet, row, first_file, first_sheet, first_row, raw in duplicates:
            if (src_file, src_sheet) != unit:
                continue
            if (first_file, first_sheet) == unit:
                where = ""
            elif first_file == src_file:
                where = f"sheet {first_sheet} "
            else:
                where = f"{_where(first_file, first_sheet)} "
            rows.append((row, None, f"exact duplicate account row of {where}line {first_row}", "rejected", raw))
        _log_rejects(con, run_id, unit[0], unit[1], rows)
    con.execute("DELETE FROM src_accounts USING _duplicates d WHERE src_accounts.src_file = d.src_file "
                "AND src_accounts.src_sheet IS NOT DISTINCT FROM d.src_sheet AND src_accounts.src_row = d.src_row")
    return len(duplicates)


# ---------------------------------------------------------------- entry point


def _report_sentences(report: LoadReport) -> None:
    """Plain sentences for the run summary: where the records were found, and Excel's lost digits."""
    notes = []
    for lay in report.layout:
        where = Path(lay["file"]).name + (f" sheet {lay['sheet']!r}" if lay.get("sheet") is not None else "")
        if lay["status"] == "skipped":
            notes.append(f"{where}: skipped, {lay['why']}")
            continue
        if lay.get("header") == "columns":
            continue
        text = f"{where}: header on {'line' if lay.get('sheet') is None else 'row'} {lay['header']}"
        if lay.get("title_rows"):
            text += f" ({lay['title_rows']} title row(s) above it skipped)"
        if lay.get("separator") not in (None, "comma"):
            text += f", {lay['separator']}-separated"
        notes.append(text)
    report.notes = notes
    if report.precision_lost:
        counts = ", ".join(f"{n} in {column}" for column, n in report.precision_lost.items())
        report.advice = (
            f"{sum(report.precision_lost.values())} identifier(s) of the {report.kind} extract ({counts}) were stored "
            f"by Excel as numbers and lost their last digits (e.g. 6.22202123456789E+18): they were left empty "
            f"(a row without its account number or USCC is rejected) and never used to link companies. Export "
            f"those columns as text (format them as Text/文本 before saving, or export CSV from the source "
            f"system) and run again.")


def load_extracts(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], kind: Literal["registrations", "accounts"],
                  *, run_id: str, workdir: Path, mapping: Path | None = None) -> LoadReport:
    """Load every file of one extract kind into `src_<kind>` (replaced); log problems into `rejected_rows`."""
    if kind not in CANONICAL:
        raise ValueError(f"kind must be one of {list(CANONICAL)}, not {kind!r}")
    user_mapping = load_mapping(mapping, kind)
    workdir = Path(workdir)
    con.execute(REJECTED_ROWS_DDL)
    con.execute(_target_ddl(kind))
    report = LoadReport(kind, [], {}, 0, 0, 0, 0, [], [], {})
    missing: list[str] = []
    units: list[tuple[str, str | None]] = []
    for path in map(Path, paths):
        file = str(path)
        if not path.is_file():
            raise ExtractMissingError(f"{file}: no such file")
        issues: list[dict] = []
        suffix = path.suffix.lower()
        if suffix in PARQUET_SUFFIXES:
            tables: Iterable[Staged] = [_stage_parquet(con, path, kind, user_mapping, issues)]
        elif suffix in EXCEL_SUFFIXES:
            tables = _stage_excel(con, path, kind, user_mapping, issues, report.layout)
        elif suffix in CSV_SUFFIXES or suffix == "":
            tables = [_stage_csv(path, kind, user_mapping, workdir, issues)]
        else:
            raise ExtractError(f"{file}: unsupported file type {suffix!r} (use CSV, Parquet or XLSX)")
        encoding = "xlsx"
        for staged in tables:  # a workbook stages its sheets one at a time
            loaded, rejected, nulled, skipped = _validate_and_insert(con, staged, kind, run_id, file, issues)
            issues.clear()
            units.append((file, staged.sheet))
            report.layout.append({**staged.layout, "records": loaded + rejected})
            report.rows_read += loaded + rejected
            report.rows_loaded += loaded
            report.rows_rejected += rejected
            report.values_nulled += nulled
            report.rows_skipped += skipped
            missing += [name for name in staged.header_map.missing if name not in missing]
            report.extra_columns += [h for h in staged.header_map.extra_index if h not in report.extra_columns]
            encoding = staged.encoding
        report.files.append(file)
        report.encodings[file] = encoding
    if kind == "accounts" and report.files:
        duplicates = _reject_duplicate_accounts(con, run_id, units)
        report.rows_loaded -= duplicates
        report.rows_rejected += duplicates
    report.missing_optional = [name for name in CANONICAL[kind] if name in missing]
    if report.files:
        placeholders = ", ".join("?" for _ in report.files)
        counts = con.execute(
            f"""SELECT action = 'skipped', regexp_replace(reason, ' of .*line [0-9]+$', '') AS why, column_name,
                       count(*) FROM rejected_rows
                WHERE run_id = ? AND file IN ({placeholders}) GROUP BY ALL ORDER BY ALL""",
            [run_id, *report.files]).fetchall()
        for is_skipped, why, column, n in counts:
            by_reason = report.skipped_by_reason if is_skipped else report.rejects_by_reason
            by_reason[why] = by_reason.get(why, 0) + n
            if why == PRECISION_LOST:
                report.precision_lost[column] = report.precision_lost.get(column, 0) + n
    _report_sentences(report)
    for table in ("_stage", "_rows", "_typed", "_cell_rows", "_issues", "_layout", "_csv_bad", "_duplicates",
                  "_csv_rejects", "_csv_scans"):
        _drop(con, table)
    return report
