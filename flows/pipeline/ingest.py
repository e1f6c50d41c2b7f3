"""Load registration / account-opening extracts (CSV in UTF-8/GBK/GB18030, Parquet, XLSX) into DuckDB.

Each file is staged as all-text columns `c0..cN` plus its source row number, then cleaned, typed and
validated in SQL. Rows that cannot be loaded, and values that had to be set to NULL, are written to
`rejected_rows` with the file, line and column, so nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections.abc import Sequence
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
    load_mapping,
    resolve_headers,
)

__all__ = ["ExtractError", "LoadReport", "load_extracts"]

CHUNK_BYTES = 16 * 1024 * 1024
SAMPLE_CHARS = 1_000_000
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
CAPITAL_PATTERN = r"^(?:人民币)?([0-9]+(?:\.[0-9]*)?)(万元人民币|万人民币|万元|万|元人民币|元|人民币)?$"
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
EDGE_SPACE = " \t\r\n\u3000\u00a0\ufeff"


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


# ---------------------------------------------------------------- encoding


def _line_of(path: Path, byte_offset: int) -> int:
    with path.open("rb") as handle:
        return handle.read(byte_offset).count(b"\n") + 1


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


def _decode_stream(path: Path, encoding: str, sink: io.BufferedWriter | None) -> str:
    """Strictly decode the whole file chunk by chunk, optionally writing UTF-8; return the first chars."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    sample = ""
    offset = 0
    with path.open("rb") as source:
        while True:
            chunk = source.read(CHUNK_BYTES)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                position = offset + max(exc.start, 0) - len(decoder.getstate()[0]) if encoding != "utf-16" else offset
                raise UnicodeDecodeError(exc.encoding, exc.object, exc.start, exc.end,
                                         f"{exc.reason} at byte {max(position, 0)}") from exc
            if len(sample) < SAMPLE_CHARS:
                sample += text[: SAMPLE_CHARS - len(sample)]
            if sink is not None and text:
                sink.write(text.encode("utf-8"))
            if final:
                return sample
            offset += len(chunk)


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
            sample = _decode_stream(path, "utf-8", None)
        except UnicodeDecodeError as exc:
            encoding, utf8_reason = "gb18030", exc.reason
        else:
            problem = _looks_like_mojibake(sample, "utf-8")
            if problem:
                raise ExtractError(f"cannot detect the encoding of {path}: read as UTF-8, {problem}")
            return "utf-8", path
    workdir.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:10]
    target = workdir / f"{path.stem}.{tag}.utf8.csv"
    target.unlink(missing_ok=True)
    try:
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as sink:  # raw personal data
            sample = _decode_stream(path, encoding, sink)
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


# ---------------------------------------------------------------- staging: one file -> _stage(c0.., src_row)


@dataclass
class Staged:
    header_map: HeaderMap
    encoding: str
    raw_separator: str
    rows_read: int


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a temp table or view of that name, whichever it is."""
    kinds = con.execute("SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? AND temporary "
                        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ? AND temporary",
                        [name, name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind} IF EXISTS {name}")


def _read_header(path: Path) -> tuple[list[str], str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        first = handle.readline(1_000_000)
    if not first.strip():
        raise ExtractError(f"{path}: empty file or empty header line")
    best = ","
    best_fields: list[str] = next(csv.reader([first], delimiter=","))
    for delimiter in ("\t", "|", ";"):
        fields = next(csv.reader([first], delimiter=delimiter))
        if len(fields) > len(best_fields):
            best, best_fields = delimiter, fields
    best_fields = [field_.strip("\r\n") for field_ in best_fields]
    return best_fields, best


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, kind: Kind, mapping: dict[str, str],
               workdir: Path, rejects: list[dict]) -> Staged:
    encoding, readable = _readable_csv(path, workdir)
    headers, delimiter = _read_header(readable)
    header_map = resolve_headers(headers, kind, str(path), mapping)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _stage_raw AS
                SELECT * FROM read_csv(?, header = true, auto_detect = false, columns = {columns},
                    delim = ?, quote = '"', escape = '"', strict_mode = true, encoding = 'utf-8',
                    store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_csv_scans',
                    max_line_size = {MAX_LINE_BYTES}, parallel = true)""",
            [str(readable), delimiter],
        )
    except duckdb.Error as exc:
        raise ExtractError(f"{path}: cannot parse as CSV: {exc}") from exc
    # DuckDB numbers lines by records (+ blank lines); loaded rows get the same numbering by counting
    # the rejected records that precede them.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _csv_bad AS
           SELECT line, min(error_type::VARCHAR) AS error_type, min(error_message) AS error_message,
                  min(column_name) AS column_name, min(csv_line) AS csv_line
           FROM _csv_rejects GROUP BY line"""
    )
    _drop(con, "_stage")
    if con.execute("SELECT count(*) FROM _csv_bad").fetchone()[0] == 0:
        con.execute("CREATE TEMP VIEW _stage AS SELECT *, rowid + 2 AS src_row FROM _stage_raw")
    else:
        con.execute(
            """CREATE TEMP TABLE _stage AS
               WITH bad AS (
                   SELECT (line - 1) - row_number() OVER (ORDER BY line) AS loaded_before,
                          row_number() OVER (ORDER BY line) AS bad_before
                   FROM _csv_bad),
               gaps AS (SELECT loaded_before, max(bad_before) AS bad_before FROM bad GROUP BY loaded_before),
               ordered AS (SELECT rowid + 1 AS ordinal, * FROM _stage_raw)
               SELECT ordered.* EXCLUDE (ordinal),
                      ordered.ordinal + coalesce(gaps.bad_before, 0) + 1 AS src_row
               FROM ordered ASOF LEFT JOIN gaps ON ordered.ordinal > gaps.loaded_before"""
        )
    for line, error_type, _message, _column_name, csv_line in con.execute(
        "SELECT line, error_type, error_message, column_name, csv_line FROM _csv_bad ORDER BY line"
    ).fetchall():
        reason = {
            "MISSING COLUMNS": f"ragged row: fewer than {len(headers)} fields",
            "TOO MANY COLUMNS": f"ragged row: more than {len(headers)} fields",
            "UNQUOTED VALUE": "malformed quoting",
            "LINE SIZE OVER MAXIMUM": f"line longer than {MAX_LINE_BYTES} bytes",
        }.get(error_type, f"unreadable row: {error_type.lower()}")
        rejects.append({"line": line, "column_name": None, "reason": reason, "action": "rejected",
                        "raw_row": (csv_line or "").strip("\r\n")})
    loaded = con.execute("SELECT count(*) FROM _stage").fetchone()[0]
    return Staged(header_map, encoding, delimiter, loaded + len({r["line"] for r in rejects}))


def _text_expression(name: str, dtype: pl.DataType, is_code: bool) -> tuple[pl.Expr, pl.Expr | None]:
    """(text value, reason it could not be kept) for one typed Parquet/Excel column."""
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
                       .then(pl.lit("a number that is not an exact code (precision lost or not whole)")))
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


def _stage_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, headers: list[str], header_map: HeaderMap,
                 first_row: int, rejects: list[dict], file: str) -> int:
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
    con.register("_stage_frame", staged.to_arrow())
    _drop(con, "_stage")
    con.execute("CREATE TEMP TABLE _stage AS SELECT * FROM _stage_frame")
    con.unregister("_stage_frame")
    return staged.height


def _stage_parquet(con, path: Path, kind: Kind, mapping, rejects: list[dict]) -> Staged:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for corrupt files
        raise ExtractError(f"{path}: cannot read as Parquet: {exc}") from exc
    headers = frame.columns
    header_map = resolve_headers(headers, kind, str(path), mapping)
    frame = frame.rename({name: f"x{i}" for i, name in enumerate(headers)})
    rows = _stage_frame(con, frame, headers, header_map, 1, rejects, str(path))
    return Staged(header_map, "parquet", ",", rows)


def _numeric_code_cells(text: pl.DataFrame, typed: pl.DataFrame, header_map: HeaderMap) -> pl.DataFrame:
    """Code columns whose cells are all numbers keep the numbers, so lost precision can be detected.

    The string read renders 1.10105194912310e17 as "110105194912310000", hiding that the ID lost digits.
    Columns mixing numbers and text stay text (limitation: lost digits there are not detected)."""
    for canonical, position in header_map.canonical_index.items():
        if canonical not in CODE_COLUMNS or position >= typed.width or not typed.dtypes[position].is_float():
            continue
        as_text = text.get_column(f"x{position}")
        if (as_text.is_not_null() & as_text.cast(pl.Float64, strict=False).is_null()).any():
            continue
        text = text.with_columns(typed.to_series(position).alias(f"x{position}"))
    return text


def _stage_excel(con, path: Path, kind: Kind, mapping, rejects: list[dict]) -> Staged:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        header_row = reader.load_sheet(0, header_row=None, n_rows=1, dtypes="string").to_polars()
        frame = reader.load_sheet(0, header_row=0, dtypes="string").to_polars()
        typed = reader.load_sheet(0, header_row=0, schema_sample_rows=None).to_polars()
    except Exception as exc:  # fastexcel raises its own error hierarchy
        raise ExtractError(f"{path}: cannot read as XLSX: {exc}") from exc
    if header_row.height == 0:
        raise ExtractError(f"{path}: the first sheet is empty")
    headers = ["" if v is None else str(v) for v in header_row.row(0)]
    header_map = resolve_headers(headers, kind, str(path), mapping)
    frame = frame.rename({name: f"x{i}" for i, name in enumerate(frame.columns)})
    frame = _numeric_code_cells(frame, typed, header_map)
    # Data start on sheet row 2; rows that are entirely empty are not records.
    frame = frame.with_row_index("_sheet_row", offset=2)
    frame = frame.filter(~pl.all_horizontal(pl.exclude("_sheet_row").is_null()))
    rows = frame["_sheet_row"].cast(pl.Int64)
    frame = frame.drop("_sheet_row")
    count = _stage_frame(con, frame, headers, header_map, 0, rejects, str(path))
    con.register("_sheet_rows", pl.DataFrame({"i": range(len(rows)), "sheet_row": rows}).to_arrow())
    con.execute("""CREATE OR REPLACE TEMP TABLE _stage AS
                   SELECT s.* EXCLUDE (src_row), r.sheet_row AS src_row
                   FROM _stage s JOIN _sheet_rows r ON s.src_row = r.i""")
    con.unregister("_sheet_rows")
    index_to_row = dict(enumerate(rows.to_list()))
    for issue in rejects:
        if issue["action"] == "cell":
            issue["line"] = index_to_row[issue["line"]]
    return Staged(header_map, "xlsx", ",", count)


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


# _date_sql and _capital_sql repeat a subexpression instead of naming it in a scalar subquery: DuckDB
# evaluates a repeated expression once, but turns every correlated subquery into a join over the table.
def _date_sql(text: str) -> str:
    formats = "[" + ", ".join(f"'{fmt}'" for fmt in DATE_FORMATS) + "]"
    parsed = (f"CASE WHEN regexp_full_match({text}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
              f"THEN DATE '1899-12-30' + CAST(floor(CAST({text} AS DOUBLE)) AS INTEGER) "
              f"ELSE CAST(try_strptime({text}, {formats}) AS DATE) END")
    return f"CASE WHEN year({parsed}) BETWEEN 1900 AND 2100 THEN {parsed} END"


def _capital_sql(text: str) -> str:
    parts = (f"regexp_extract(replace(replace(replace({text}, ',', ''), '，', ''), ' ', ''), "
             f"'{CAPITAL_PATTERN}', ['amount', 'unit'])")
    amount = f"TRY_CAST({parts}.amount AS DOUBLE)"
    return (f"CASE WHEN {parts}.amount = '' THEN NULL "
            f"WHEN starts_with({parts}.unit, '元') THEN {amount} / 10000 ELSE {amount} END")


def _column_sql(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


REJECTED_ROWS_DDL = """CREATE TABLE IF NOT EXISTS rejected_rows (
    run_id VARCHAR, file VARCHAR, line BIGINT, column_name VARCHAR, reason VARCHAR, action VARCHAR, raw_row VARCHAR)"""


def _target_ddl(kind: Kind) -> str:
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in CANONICAL[kind].items())
    return f"CREATE OR REPLACE TABLE src_{kind} ({columns}, src_file VARCHAR, src_row BIGINT, extra JSON)"


def _validate_and_insert(con: duckdb.DuckDBPyConnection, staged: Staged, kind: Kind, run_id: str, file: str,
                         issues: list[dict]) -> tuple[int, int, int]:
    """Clean, type and check _stage; insert good rows into src_<kind>; log problems. -> (loaded, rejected, nulled)."""
    hm = staged.header_map
    present = hm.canonical_index
    selects = ["src_row"]
    for name, position in present.items():
        selects.append(f"{_clean_sql(f'c{position}')} AS {name}")
    extras = list(hm.extra_index.items())
    for k, (_, position) in enumerate(extras):
        selects.append(f"{_clean_sql(f'c{position}')} AS e{k}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _clean AS SELECT {', '.join(selects)} FROM _stage")

    typed, checks = [], []
    for name, sql_type in CANONICAL[kind].items():
        if name not in present:
            typed.append(f"CAST(NULL AS {sql_type}) AS {name}")
            continue
        required = name in REQUIRED[kind]
        action = "rejected" if required else "nulled"
        if sql_type == "DATE":
            typed.append(f"{_date_sql(name)} AS {name}")
            checks.append((name, f"_clean.{name} IS NOT NULL AND _typed.{name} IS NULL", "unparseable date", action))
        elif sql_type == "DOUBLE":
            typed.append(f"{_capital_sql(name)} AS {name}")
            checks.append((name, f"_clean.{name} IS NOT NULL AND _typed.{name} IS NULL",
                           "unparseable amount (expected e.g. 100, 1,000.5, 100万元, 1000000元)", action))
        else:
            typed.append(name)
        if required:
            checks.append((name, f"_clean.{name} IS NULL", "empty required value", "rejected"))
    extra_args = ", ".join(f"?, e{k}" for k in range(len(extras)))
    typed.append(f"json_object({extra_args}) AS extra")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT src_row, {', '.join(typed)} FROM _clean",
                [header for header, _ in extras])

    cell_issues = [i for i in issues if i["action"] == "cell"]
    con.execute("CREATE OR REPLACE TEMP TABLE _issues (src_row BIGINT, column_name VARCHAR, reason VARCHAR, "
                "action VARCHAR, priority INTEGER)")
    if cell_issues:
        con.executemany("INSERT INTO _issues VALUES (?, ?, ?, ?, 0)", [
            (i["line"], i["column_name"], i["reason"],
             "rejected" if i["column_name"] in REQUIRED[kind] else "nulled") for i in cell_issues])
    for name, condition, reason, action in checks:
        con.execute(
            f"""INSERT INTO _issues SELECT _clean.src_row, ?, ?, ?, 1 FROM _clean JOIN _typed USING (src_row)
                WHERE {condition}""", [name, reason, action])
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _issues AS
           WITH one_per_cell AS (
               SELECT DISTINCT ON (src_row, column_name) * FROM _issues ORDER BY src_row, column_name, priority),
           rejected AS (SELECT DISTINCT src_row FROM one_per_cell WHERE action = 'rejected')
           SELECT * FROM one_per_cell
           WHERE action = 'rejected' OR src_row NOT IN (SELECT src_row FROM rejected)"""
    )
    con.execute(
        f"""INSERT INTO src_{kind}
            SELECT _typed.* EXCLUDE (src_row, extra), ?, _typed.src_row, _typed.extra FROM _typed
            WHERE _typed.src_row NOT IN (SELECT src_row FROM _issues WHERE action = 'rejected')""", [file])
    loaded = con.execute("SELECT count(*) FROM _typed").fetchone()[0]
    rejected, nulled = con.execute(
        "SELECT count(DISTINCT src_row) FILTER (action = 'rejected'), count(*) FILTER (action = 'nulled') FROM _issues"
    ).fetchone()

    separator = staged.raw_separator.replace("'", "''")
    raw_columns = ", ".join(f"coalesce(c{i}, '')" for i in range(len(hm.headers)))
    logged = con.execute(
        f"""SELECT i.src_row, i.column_name, i.reason, i.action, left(concat_ws('{separator}', {raw_columns}), 4096)
            FROM _issues i JOIN _stage USING (src_row) ORDER BY i.src_row, i.column_name"""
    ).fetchall()
    rows = [(line, column, reason, action, raw) for line, column, reason, action, raw in logged]
    rows += [(i["line"], i["column_name"], i["reason"], i["action"], i["raw_row"])
             for i in issues if i["action"] != "cell"]
    _log_rejects(con, run_id, file, rows)
    csv_rejected = len({i["line"] for i in issues if i["action"] != "cell"})
    return loaded - rejected, rejected + csv_rejected, nulled


def _log_rejects(con: duckdb.DuckDBPyConnection, run_id: str, file: str, rows: list[tuple]) -> None:
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
        "raw_row": [mask_text(r[4]) for r in rows],
    }, schema={"run_id": pl.String, "file": pl.String, "line": pl.Int64, "column_name": pl.String,
               "reason": pl.String, "action": pl.String, "raw_row": pl.String})
    con.register("_rejects_frame", frame.to_arrow())
    con.execute("INSERT INTO rejected_rows SELECT * FROM _rejects_frame")
    con.unregister("_rejects_frame")


def _reject_duplicate_accounts(con: duckdb.DuckDBPyConnection, run_id: str, files: list[str]) -> int:
    """Exact duplicate account rows (every column and extra equal): keep the first, reject the rest."""
    con.register("_file_order", pl.DataFrame({"src_file": files, "file_order": range(len(files))},
                                             schema={"src_file": pl.String, "file_order": pl.Int64}).to_arrow())
    value_columns = [*CANONICAL["accounts"], "extra"]
    partition = ", ".join(f"a.{_column_sql(c)}" if c != "extra" else "a.extra::VARCHAR" for c in value_columns)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _duplicates AS
            SELECT * FROM (
                SELECT a.src_file, a.src_row,
                       first_value(a.src_file) OVER w AS first_file, first_value(a.src_row) OVER w AS first_row,
                       row_number() OVER w AS copy_no,
                       concat_ws(',', {', '.join(f'coalesce(a.{c}::VARCHAR, {chr(39)}{chr(39)})'
                                                 for c in value_columns)}) AS raw_row
                FROM src_accounts a JOIN _file_order o USING (src_file)
                -- only rows whose hash repeats can be copies: the window then sorts a handful of rows
                WHERE hash({partition}) IN (SELECT hash({partition}) FROM src_accounts a GROUP BY 1 HAVING count(*) > 1)
                WINDOW w AS (PARTITION BY {partition} ORDER BY o.file_order, a.src_row))
            WHERE copy_no > 1"""
    )
    con.unregister("_file_order")
    duplicates = con.execute(
        "SELECT src_file, src_row, first_file, first_row, raw_row FROM _duplicates ORDER BY src_file, src_row"
    ).fetchall()
    for file in {d[0] for d in duplicates}:
        _log_rejects(con, run_id, file, [
            (row, None, "exact duplicate account row" + (f" of line {first_row}" if first_file == file
                                                          else f" of {first_file} line {first_row}"), "rejected", raw)
            for src_file, row, first_file, first_row, raw in duplicates if src_file == file])
    con.execute("DELETE FROM src_accounts USING _duplicates d "
                "WHERE src_accounts.src_file = d.src_file AND src_accounts.src_row = d.src_row")
    return len(duplicates)


# ---------------------------------------------------------------- entry point


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
    for path in map(Path, paths):
        file = str(path)
        if not path.is_file():
            raise ExtractMissingError(f"{file}: no such file")
        issues: list[dict] = []
        suffix = path.suffix.lower()
        if suffix in PARQUET_SUFFIXES:
            staged = _stage_parquet(con, path, kind, user_mapping, issues)
        elif suffix in EXCEL_SUFFIXES:
            staged = _stage_excel(con, path, kind, user_mapping, issues)
        elif suffix in CSV_SUFFIXES or suffix == "":
            staged = _stage_csv(con, path, kind, user_mapping, workdir, issues)
        else:
            raise ExtractError(f"{file}: unsupported file type {suffix!r} (use CSV, Parquet or XLSX)")
        loaded, rejected, nulled = _validate_and_insert(con, staged, kind, run_id, file, issues)
        report.files.append(file)
        report.encodings[file] = staged.encoding
        report.rows_read += staged.rows_read
        report.rows_loaded += loaded
        report.rows_rejected += rejected
        report.values_nulled += nulled
        missing += [name for name in staged.header_map.missing if name not in missing]
        report.extra_columns += [h for h in staged.header_map.extra_index if h not in report.extra_columns]
    if kind == "accounts" and report.files:
        duplicates = _reject_duplicate_accounts(con, run_id, report.files)
        report.rows_loaded -= duplicates
        report.rows_rejected += duplicates
    report.missing_optional = [name for name in CANONICAL[kind] if name in missing]
    if report.files:
        placeholders = ", ".join("?" for _ in report.files)
        report.rejects_by_reason = dict(con.execute(
            f"""SELECT regexp_replace(reason, ' of .*line [0-9]+$', '') AS why, count(*) FROM rejected_rows
                WHERE run_id = ? AND file IN ({placeholders}) GROUP BY why ORDER BY why""",
            [run_id, *report.files]).fetchall())
    for table in ("_stage", "_stage_raw", "_clean", "_typed", "_issues", "_csv_bad", "_duplicates",
                  "_csv_rejects", "_csv_scans"):
        _drop(con, table)
    return report
