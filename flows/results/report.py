"""Case-handler exports of flagged clusters: an XLSX workbook and a self-contained, printable HTML page.

Both are built from the published DB only (pseudonyms and masked values); free text is masked once
more in case an extract smuggled an ID or phone into a company name or address. Every header, sheet
name, reason and piece of page text comes from the rule registry's keyed sentences in the chosen
language (zh-CN by default), rendered from the published codes. Spreadsheet cells that a spreadsheet
would run as a formula are neutralised, and the HTML page escapes every value, loads nothing from the
network and allows no script (Content-Security-Policy); its pictures are inline SVG (picture.py).

The HTML opens with an index of the flagged clusters (risk, size, change since the last run, the
strongest reasons in one line), each linking to its section: picture, timeline, reasons, members,
the strongest links and the hubs it touches. Printed, each cluster starts an A4 page. A cluster's
links beyond the strongest LINKS_SHOWN are in the XLSX only, which keeps the 200k demo's page small.
"""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import xlsxwriter

from shellring.flows.core.masking import mask_text
from shellring.flows.core.rules import LANGUAGES, sentence
from shellring.flows.results.phrases import change_word, evidence_text, hub_why, link_reason_words, reason_lines
from shellring.flows.results.picture import load_clusters, network_svg, timeline_svg

# OWASP CSV Injection (= + - @ tab CR) and OWASP ASVS 5.0 V1.2.10 (also the null character)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
FREE_TEXT = {"company_name", "trade_name", "reg_address", "reasons", "mitigations", "evidence", "evidence_short",
             "link_reasons", "why"}

CLUSTER_COLUMNS = ["cluster_id", "risk_score", "n_companies", "n_window_companies", "change", "reasons", "mitigations",
                   "link_reasons", "reg_span_days", "open_span_days", "share_fast_open_7d", "share_rep_young",
                   "verdict"]
MEMBER_COLUMNS = ["cluster_id", "uscc", "company_name", "trade_name", "legal_rep_name_masked",
                  "legal_rep_id_masked", "legal_rep_key", "rep_age_at_reg", "phone_masked", "phone_key",
                  "reg_address", "reg_date", "first_open_date", "days_to_first_account", "joined_by", "new_member"]
LINK_COLUMNS = ["cluster_id", "uscc_a", "uscc_b", "strength", "reason", "score", "evidence"]
HUB_COLUMNS = ["cluster_id", "hub_id", "attr_kind", "value_display", "n_members", "n_companies", "suspicious", "why"]
# what the page shows of each (the XLSX has every column)
PAGE_MEMBER_COLUMNS = ["new_member", "uscc", "company_name", "trade_name", "legal_rep_name_masked",
                       "legal_rep_id_masked", "rep_age_at_reg", "phone_masked", "reg_address", "reg_date",
                       "first_open_date",
                       "days_to_first_account"]
PAGE_LINK_COLUMNS = ["uscc_a", "uscc_b", "reason", "score", "evidence"]
PAGE_HUB_COLUMNS = ["attr_kind", "value_display", "n_members", "n_companies", "suspicious", "why"]
LINKS_SHOWN = 8
EVIDENCE_VALUE_CHARS = 18  # on the page; a scope text runs to hundreds (the XLSX has it whole)
INDEX_REASONS = 3


@dataclass
class ReportData:
    run_id: str
    region: str
    generated_at: datetime
    clusters: list[dict]
    members: list[dict]
    links: list[dict]
    hubs: list[dict] = field(default_factory=list)
    # cluster_id -> (network SVG, timeline SVG), drawn while the DB was open
    pictures: dict[str, tuple[str, str]] = field(default_factory=dict)
    lang: str = "zh"


@dataclass(frozen=True)
class ReportFiles:
    xlsx: Path
    html: Path


def neutralise_cell(value: str) -> str:
    """A text cell a spreadsheet would read as a formula (or DDE) starts with `'` instead."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


_mask = lru_cache(maxsize=65536)(mask_text)  # link evidence repeats its branches and scope texts


def _masked(rows: list[dict]) -> list[dict]:
    return [{k: _mask(v) if k in FREE_TEXT and isinstance(v, str) else v for k, v in row.items()} for row in rows]


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {name for (name,) in con.execute("select column_name from duckdb_columns() where table_name = ?",
                                            [table]).fetchall()}


def _or_null(present: set[str], wanted: list[str], alias: str = "") -> str:
    """Select list for `wanted`, NULL for the columns an older results DB does not have."""
    return ", ".join(f"{alias}{c}" if c in present else f"null as {c}" for c in wanted)


def load_report(results_db: Path, run_id: str | None = None, cluster_id: str | None = None,
                top: int | None = None, lang: str = "zh", pictures: bool = True) -> ReportData:
    """Flagged clusters of a run (the latest by default) with members, links and hubs, their reasons said in
    `lang`, and their pictures; one cluster (flagged or not) if asked."""
    if lang not in LANGUAGES:
        raise LookupError(f"no language {lang!r}: one of {', '.join(LANGUAGES)}")
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
        cluster_cols = _columns(con, "clusters")
        wanted = [c for c in CLUSTER_COLUMNS if c != "change"] + ["reason_codes", "mitigation_codes"]
        clusters = _fetch(
            con,
            f"select {_or_null(cluster_cols, wanted)} from clusters where run_id = ? "
            "and (cluster_id = ? or (? is null and flagged)) order by risk_score desc, cluster_id limit ?",
            [run_id, cluster_id, cluster_id, top if top is not None else 2**62],
        )
        if cluster_id is not None and not clusters:
            raise LookupError(f"no cluster {cluster_id} in run {run_id}")
        chosen = [c["cluster_id"] for c in clusters]
        changes = {}
        if "cluster_changes" in _tables(con):
            changes = {cid: (change, added) for cid, change, added in con.execute(
                "select cluster_id, change, len(companies_added) from cluster_changes where run_id = ? "
                "and list_contains(?, cluster_id)", [run_id, chosen]).fetchall()}
        drawn_from = load_clusters(con, run_id, chosen)
        members = _fetch(
            con,
            f"select {_or_null(_columns(con, 'cluster_members'), MEMBER_COLUMNS[:-1])} from cluster_members "
            "where run_id = ? and list_contains(?, cluster_id) order by cluster_id, uscc",
            [run_id, chosen],
        )
        links = _fetch(
            con,
            f"select {_or_null(_columns(con, 'links'), LINK_COLUMNS + ['evidence_codes'])} from links "
            "where run_id = ? and list_contains(?, cluster_id) order by cluster_id, score desc, uscc_a, uscc_b",
            [run_id, chosen],
        )
        hubs = []
        if "cluster_hubs" in _tables(con):
            hubs = _fetch(  # results published before cluster_hubs existed have none to show
                con,
                "select h.cluster_id, h.hub_id, h.attr_kind, h.value_display, h.n_members, b.n_companies, "
                "b.suspicious, b.share_fast_open_7d, b.share_rep_young, b.reg_span_days, b.why "
                "from cluster_hubs as h join hubs as b using (run_id, hub_id) "
                "where h.run_id = ? and list_contains(?, h.cluster_id) "
                "order by h.cluster_id, h.n_members desc, h.hub_id",
                [run_id, chosen],
            )
        drawn = {cid: (network_svg(rows, cid, lang), timeline_svg(rows, cid, lang))
                 for cid, rows in drawn_from.items()} if pictures else {}
    finally:
        con.close()
    yes, no = sentence("page.yes", lang), sentence("page.no", lang)
    for cluster in clusters:
        change, added = changes.get(cluster["cluster_id"], (None, 0))
        cluster["change"] = change_word(change, lang) + (f" +{added}" if change in ("grown", "merged", "split")
                                                         and added else "")
        cluster["reasons"] = "; ".join(reason_lines(cluster.pop("reason_codes"), cluster["reasons"], lang))
        cluster["mitigations"] = "; ".join(reason_lines(cluster.pop("mitigation_codes"), cluster["mitigations"], lang))
        cluster["link_reasons"] = link_reason_words(cluster["link_reasons"], lang)
    words = _sentences(lang)
    for member in members:
        member["new_member"] = yes if member["uscc"] in drawn_from[member["cluster_id"]].new else ""
        member["joined_by"] = words.get(f"joined.{member['joined_by']}", member["joined_by"])
    for link in links:
        link["strength"] = words.get(f"strength.{link['strength']}", link["strength"])
        codes = link.pop("evidence_codes")
        link["evidence_short"] = evidence_text(codes, link["evidence"], lang, value_chars=EVIDENCE_VALUE_CHARS)
        link["evidence"] = evidence_text(codes, link["evidence"], lang)
        link["reason"] = link_reason_words(link["reason"], lang)
    for hub in hubs:
        hub["why"] = hub_why(hub, lang)
        hub["suspicious"] = yes if hub["suspicious"] else no
        key = f"kind.{hub['attr_kind']}"
        hub["attr_kind"] = sentence(key, lang) if key in _sentences(lang) else hub["attr_kind"]
    return ReportData(run_id, region, datetime.now(UTC).replace(microsecond=0, tzinfo=None),
                      _masked(clusters), _masked(members), _masked(links), _masked(hubs), drawn, lang)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}


def _sentences(lang: str) -> dict[str, str]:
    from shellring.flows.core.rules import SENTENCES

    return SENTENCES[lang]


def header(column: str, lang: str) -> str:
    return sentence(f"column.{column}", lang)


def _write_private(path: Path, content: bytes) -> None:
    """Owner-only from the first byte: exports hold masked personal data and are still confidential."""
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(content)


def _write_sheet(book, name: str, columns: list[str], rows: list[dict], lang: str) -> None:
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for col, column in enumerate(columns):
        title = header(column, lang)
        sheet.write_string(0, col, title, bold)
        sheet.set_column(col, col, max(12, min(60, 2 * len(title) + 4)))
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
    """One summary sheet (a row per cluster) plus members, links and hubs, headed in the report's language."""
    lang = data.lang
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    _write_sheet(book, sentence("sheet.summary", lang), CLUSTER_COLUMNS, data.clusters, lang)
    _write_sheet(book, sentence("sheet.members", lang), MEMBER_COLUMNS, data.members, lang)
    _write_sheet(book, sentence("sheet.links", lang), LINK_COLUMNS, data.links, lang)
    _write_sheet(book, sentence("sheet.hubs", lang), HUB_COLUMNS, data.hubs, lang)
    _write_sheet(book, sentence("sheet.about", lang), ["item", "value"], [
        {"item": sentence("page.run", lang), "value": data.run_id},
        {"item": sentence("page.region", lang), "value": data.region},
        {"item": sentence("page.generated", lang), "value": data.generated_at.isoformat(sep=" ")},
        {"item": sentence("page.title", lang), "value": sentence("page.confidential", lang)},
    ], lang)
    book.close()
    _write_private(path, buffer.getvalue())
    return path


def _cell(value) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _table(columns: list[str], rows: list[dict], lang: str, row_class=None) -> str:
    head = "".join(f"<th>{_cell(header(c, lang))}</th>" for c in columns)
    body = "".join(
        (f'<tr class="{row_class(row)}">' if row_class and row_class(row) else "<tr>")
        + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# content-visibility lets Chromium lay out only the sections on screen: the 200k demo's page (1,242 clusters)
# opened in 14 s without it and 2.2 s with it on the same busy box (bench/RESULTS-report.md); print lays out all.
STYLE = """section.cluster{content-visibility:auto;contain-intrinsic-size:auto 1600px}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em}
th,td{border:1px solid #bbb;padding:.2em .4em;text-align:left;vertical-align:top;font-size:85%}
th{background:#eee}section{border-top:2px solid #555;margin-top:1.5em}.score{font-weight:bold;color:#a00}
tr.new td{background:#fff0f6}ol.reasons li{margin:.1em 0}svg{max-width:100%;height:auto;display:block}
.note{color:#555;font-size:85%}nav.back{font-size:85%}
@page{size:A4;margin:12mm}
@media print{body{margin:0;font-size:10pt}section.cluster{break-before:page;border-top:none;content-visibility:visible}
nav.back{display:none}tr{break-inside:avoid}svg.network{max-height:95mm;width:auto}svg.timeline{max-height:22mm;width:auto}
th,td{font-size:7.5pt;padding:.1em .3em}h2{font-size:13pt;margin:.2em 0}h3{font-size:10pt;margin:.5em 0 .2em}
ol.reasons{margin:.2em 0;font-size:9pt}a{color:inherit;text-decoration:none}}"""


def _section(data: ReportData, cluster: dict, members: list[dict], links: list[dict], hubs: list[dict]) -> str:
    lang, cid = data.lang, cluster["cluster_id"]
    network, timeline = data.pictures.get(cid, ("", ""))
    reasons = [r for r in (cluster["reasons"] or "").split("; ") if r]
    mitigations = [r for r in (cluster["mitigations"] or "").split("; ") if r]
    shown = [{**link, "evidence": link["evidence_short"]} for link in links[:LINKS_SHOWN]]
    more = (f'<p class="note">{_cell(sentence("page.more_links", lang).replace("{n}", str(len(links) - len(shown))))}'
            "</p>" if len(links) > len(shown) else "")
    return (
        f'<section class="cluster" id="{_cell(cid)}"><h2>{_cell(sentence("page.cluster", lang))} {_cell(cid)} '
        f'<span class="score">{_cell(sentence("page.risk", lang))} {_cell(cluster["risk_score"])}</span> '
        f'<small>{_cell(cluster["n_companies"])} {_cell(sentence("page.companies", lang))}'
        f'{" · " + _cell(cluster["change"]) if cluster["change"] else ""}</small></h2>'
        f'<nav class="back"><a href="#index">{_cell(sentence("page.back", lang))}</a></nav>'
        f'<h3>{_cell(sentence("page.reasons", lang))}</h3><ol class="reasons">'
        + "".join(f"<li>{_cell(r)}</li>" for r in reasons) + "</ol>"
        + (f'<h3>{_cell(sentence("page.mitigations", lang))}</h3><ul>'
           + "".join(f"<li>{_cell(r)}</li>" for r in mitigations) + "</ul>" if mitigations else "")
        + f'<h3>{_cell(sentence("page.picture", lang))}</h3>{network}'
        f'<h3>{_cell(sentence("page.timeline", lang))}</h3>{timeline}'
        f'<h3>{_cell(sentence("page.members", lang))} ({len(members)})</h3>'
        f'{_table(PAGE_MEMBER_COLUMNS, members, lang, lambda m: "new" if m.get("new_member") else "")}'
        f'<h3>{_cell(sentence("page.links", lang))} ({len(links)})</h3>{_table(PAGE_LINK_COLUMNS, shown, lang)}{more}'
        + (f'<h3>{_cell(sentence("page.hubs", lang))} ({len(hubs)})</h3>{_table(PAGE_HUB_COLUMNS, hubs, lang)}'
           if hubs else "")
        + "</section>"
    )


def _index(data: ReportData) -> str:
    lang = data.lang
    if not data.clusters:
        return f'<p id="index">{_cell(sentence("page.no_clusters", lang))}</p>'
    columns = ["cluster_id", "risk_score", "n_companies", "change", "top_reasons"]
    head = "".join(f"<th>{_cell(header(c, lang))}</th>" for c in columns)
    rows = []
    for cluster in data.clusters:
        cid = cluster["cluster_id"]
        top = "; ".join([r for r in (cluster["reasons"] or "").split("; ") if r][:INDEX_REASONS])
        rows.append(f'<tr><td><a href="#{_cell(cid)}">{_cell(cid)}</a></td><td>{_cell(cluster["risk_score"])}</td>'
                    f'<td>{_cell(cluster["n_companies"])}</td><td>{_cell(cluster["change"])}</td>'
                    f"<td>{_cell(top)}</td></tr>")
    return (f'<table id="index" class="index"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render_html(data: ReportData) -> str:
    lang = data.lang
    by_cluster: dict[str, tuple[list, list, list]] = {c["cluster_id"]: ([], [], []) for c in data.clusters}
    for rows, slot in ((data.members, 0), (data.links, 1), (data.hubs, 2)):
        for row in rows:
            by_cluster[row["cluster_id"]][slot].append(row)
    sections = "".join(_section(data, c, *by_cluster[c["cluster_id"]]) for c in data.clusters)
    title = f"{sentence('page.title', lang)} - {data.run_id} ({data.region})"
    html_lang = "zh-CN" if lang == "zh" else lang
    return (
        f"<!DOCTYPE html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{_cell(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{_cell(title)}</h1><p>{_cell(sentence('page.generated', lang))}: "
        f"{_cell(data.generated_at.isoformat(sep=' '))}. {_cell(sentence('page.confidential', lang))}</p>"
        f"<h2>{_cell(sentence('page.index', lang))} ({len(data.clusters)})</h2>{_index(data)}{sections}</body></html>"
    )


def write_html(data: ReportData, path: Path) -> Path:
    _write_private(path, render_html(data).encode("utf-8"))
    return path


def write_report(results_db: Path, out_dir: Path, run_id: str | None = None, cluster_id: str | None = None,
                 top: int | None = None, lang: str = "zh") -> tuple[ReportFiles, ReportData]:
    data = load_report(results_db, run_id, cluster_id, top, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"shellring-{data.run_id}" + (f"-{cluster_id}" if cluster_id else "")
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    files = ReportFiles(write_xlsx(data, out_dir / f"{stem}.xlsx"), write_html(data, out_dir / f"{stem}.html"))
    return files, data
