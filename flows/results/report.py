"""Case-handler exports of flagged clusters: an XLSX workbook and a self-contained HTML page.

Both are built from the published DB only (pseudonyms and masked values); free text is masked once
more in case an extract smuggled an ID or phone into a company name or address. Spreadsheet cells
that a spreadsheet would run as a formula are neutralised, and the HTML page escapes every value,
loads nothing from the network and allows no script (Content-Security-Policy).
"""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import xlsxwriter

from shellring.flows.core.masking import mask_text

# OWASP CSV Injection (= + - @ tab CR) and OWASP ASVS 5.0 V1.2.10 (also the null character)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
FREE_TEXT = {"company_name", "trade_name", "reg_address", "reasons", "mitigations", "evidence", "link_reasons", "why"}

CLUSTER_COLUMNS = ["cluster_id", "risk_score", "n_companies", "n_window_companies", "reasons", "mitigations",
                   "link_reasons", "reg_span_days", "open_span_days", "share_fast_open_7d", "share_rep_young"]
MEMBER_COLUMNS = ["cluster_id", "uscc", "company_name", "trade_name", "legal_rep_name_masked",
                  "legal_rep_id_masked", "legal_rep_key", "rep_age_at_reg", "phone_masked", "phone_key",
                  "reg_address", "reg_date", "first_open_date", "days_to_first_account", "joined_by"]
LINK_COLUMNS = ["cluster_id", "uscc_a", "uscc_b", "strength", "reason", "score", "evidence"]
HUB_COLUMNS = ["cluster_id", "hub_id", "attr_kind", "value_display", "n_members", "n_companies", "suspicious", "why"]


@dataclass
class ReportData:
    run_id: str
    region: str
    generated_at: datetime
    clusters: list[dict]
    members: list[dict]
    links: list[dict]
    hubs: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ReportFiles:
    xlsx: Path
    html: Path


def neutralise_cell(value: str) -> str:
    """A text cell a spreadsheet would read as a formula (or DDE) starts with `'` instead."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _masked(rows: list[dict]) -> list[dict]:
    return [{k: mask_text(v) if k in FREE_TEXT and isinstance(v, str) else v for k, v in row.items()} for row in rows]


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_report(results_db: Path, run_id: str | None = None, cluster_id: str | None = None,
                top: int | None = None) -> ReportData:
    """Flagged clusters of a run (the latest by default) with members and links; one cluster if asked."""
    con = duckdb.connect(str(results_db), read_only=True)
    try:
        run = con.execute(
            "select run_id, region from runs where status = 'succeeded' and (? is null or run_id = ?) "
            "order by finished_at desc limit 1",
            [run_id, run_id],
        ).fetchone()
        if run is None:
            raise LookupError(f"no succeeded run {run_id or ''} in {results_db}".replace("  ", " "))
        run_id, region = run
        clusters = _fetch(
            con,
            f"select {', '.join(CLUSTER_COLUMNS)} from clusters where run_id = ? "
            "and (cluster_id = ? or (? is null and flagged)) order by risk_score desc, cluster_id limit ?",
            [run_id, cluster_id, cluster_id, top if top is not None else 2**62],
        )
        if cluster_id is not None and not clusters:
            raise LookupError(f"no cluster {cluster_id} in run {run_id}")
        chosen = [c["cluster_id"] for c in clusters]
        members = _fetch(
            con,
            f"select {', '.join(MEMBER_COLUMNS)} from cluster_members where run_id = ? "
            "and list_contains(?, cluster_id) order by cluster_id, uscc",
            [run_id, chosen],
        )
        links = _fetch(
            con,
            f"select {', '.join(LINK_COLUMNS)} from links where run_id = ? "
            "and list_contains(?, cluster_id) order by cluster_id, score desc, uscc_a, uscc_b",
            [run_id, chosen],
        )
        hubs = []
        if con.execute("select count(*) from duckdb_tables() where table_name = 'cluster_hubs'").fetchall()[0][0]:
            hubs = _fetch(  # results published before cluster_hubs existed have none to show
                con,
                "select h.cluster_id, h.hub_id, h.attr_kind, h.value_display, h.n_members, b.n_companies, "
                "b.suspicious, b.why from cluster_hubs as h join hubs as b using (run_id, hub_id) "
                "where h.run_id = ? and list_contains(?, h.cluster_id) "
                "order by h.cluster_id, h.n_members desc, h.hub_id",
                [run_id, chosen],
            )
    finally:
        con.close()
    return ReportData(run_id, region, datetime.now(UTC).replace(microsecond=0, tzinfo=None),
                      _masked(clusters), _masked(members), _masked(links), _masked(hubs))


def _write_private(path: Path, content: bytes) -> None:
    """Owner-only from the first byte: exports hold masked personal data and are still confidential."""
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(content)


def _write_sheet(book, name: str, columns: list[str], rows: list[dict]) -> None:
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column, bold)
        sheet.set_column(col, col, max(12, min(60, len(column) + 4)))
    for r, row in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            value = row.get(column)
            if value is None:
                sheet.write_blank(r, col, None)
            elif isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, neutralise_cell(str(value)))
    sheet.freeze_panes(1, 0)


def write_xlsx(data: ReportData, path: Path) -> Path:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    _write_sheet(book, "about", ["item", "value"], [
        {"item": "run", "value": data.run_id}, {"item": "region", "value": data.region},
        {"item": "generated (UTC)", "value": data.generated_at.isoformat(sep=" ")},
        {"item": "note", "value": "confidential: masked values and pseudonyms only; re-identify with shellring reveal"},
    ])
    _write_sheet(book, "clusters", CLUSTER_COLUMNS, data.clusters)
    _write_sheet(book, "members", MEMBER_COLUMNS, data.members)
    _write_sheet(book, "links", LINK_COLUMNS, data.links)
    _write_sheet(book, "hubs", HUB_COLUMNS, data.hubs)
    book.close()
    _write_private(path, buffer.getvalue())
    return path


def _cell(value) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _table(columns: list[str], rows: list[dict]) -> str:
    head = "".join(f"<th>{_cell(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top;font-size:90%}
th{background:#eee}section{border-top:2px solid #555;margin-top:1.5em}.score{font-weight:bold;color:#a00}"""


def render_html(data: ReportData) -> str:
    sections = []
    for cluster in data.clusters:
        cid = cluster["cluster_id"]
        members = [m for m in data.members if m["cluster_id"] == cid]
        links = [link for link in data.links if link["cluster_id"] == cid]
        hubs = [hub for hub in data.hubs if hub["cluster_id"] == cid]
        sections.append(
            f'<section class="cluster" id="{_cell(cid)}"><h2>Cluster {_cell(cid)} '
            f'<span class="score">risk {_cell(cluster["risk_score"])}</span></h2>'
            f"<p><b>Reasons:</b> {_cell(cluster['reasons'])}</p>"
            f"<p><b>Mitigations:</b> {_cell(cluster['mitigations'])}</p>"
            f"<h3>Members ({len(members)})</h3>{_table(MEMBER_COLUMNS[1:], members)}"
            f"<h3>Link evidence ({len(links)})</h3>{_table(LINK_COLUMNS[1:], links)}"
            f"<h3>Hubs touched ({len(hubs)})</h3>{_table(HUB_COLUMNS[1:], hubs)}</section>"
        )
    title = f"shellring flagged clusters - run {data.run_id} ({data.region})"
    return (
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{_cell(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{_cell(title)}</h1><p>Generated {_cell(data.generated_at.isoformat(sep=' '))} UTC. Confidential: "
        "masked values and pseudonyms only.</p>"
        f"<h2>Summary</h2>{_table(CLUSTER_COLUMNS, data.clusters)}{''.join(sections)}</body></html>"
    )


def write_html(data: ReportData, path: Path) -> Path:
    _write_private(path, render_html(data).encode("utf-8"))
    return path


def write_report(results_db: Path, out_dir: Path, run_id: str | None = None, cluster_id: str | None = None,
                 top: int | None = None) -> tuple[ReportFiles, ReportData]:
    data = load_report(results_db, run_id, cluster_id, top)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"shellring-{data.run_id}" + (f"-{cluster_id}" if cluster_id else "")
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    files = ReportFiles(write_xlsx(data, out_dir / f"{stem}.xlsx"), write_html(data, out_dir / f"{stem}.html"))
    return files, data
