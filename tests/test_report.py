"""Case-handler exports: formula injection neutralised in XLSX, HTML escaped and inert in headless Chromium."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from shellring.flows.cli.app import app
from shellring.flows.core.rules import SENTENCES
from shellring.flows.results.report import neutralise_cell

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
SCRIPT_NAME = "<script>document.body.setAttribute('data-pwned','script')</script>杭州=恶意科技有限公司"
IMG_TRADE = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
HOSTILE = {
    "company_name": SCRIPT_NAME,
    "trade_name": IMG_TRADE,
    "reg_address": "=HYPERLINK(\"http://evil.example/\",\"click\") 联系13800138000",
    "phone_masked": "@SUM(1+1)",
    "legal_rep_name_masked": "+cmd|' /C calc'!A0",
    "reasons": "-2+3 \t\r",
    # control-character prefixes: Excel drops or reads past them and may still see a formula
    "legal_rep_id_masked": "\t=1+2",
    "legal_rep_key": "\r@SUM(1+1)",
    "phone_key": "\x00=1+3",
}
# Pinned here, not read from the code: the cell starts that a spreadsheet may run as a formula (OWASP CSV
# Injection: = + - @ tab CR; OWASP ASVS 5.0 V1.2.10 adds the null character).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
MOBILE_PATTERN = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def hostile_db(demo_run, tmp_path_factory):
    """A copy of the demo results in which one flagged company carries hostile text, as a crafted extract would."""
    summary, db = demo_run
    copy = tmp_path_factory.mktemp("hostile") / "results.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    cluster_id, uscc = con.execute(
        "select c.cluster_id, min(m.uscc) from clusters as c join cluster_members as m using (run_id, cluster_id) "
        "where c.run_id = ? and c.flagged group by c.cluster_id, c.risk_score "
        "order by c.risk_score desc, c.cluster_id limit 1",  # the report's order: the first cluster it lists
        [summary["run_id"]],
    ).fetchone()
    member_cols = {k: v for k, v in HOSTILE.items() if k != "reasons"}
    con.execute(f"update cluster_members set {', '.join(f'{k} = ?' for k in member_cols)} "
                "where run_id = ? and uscc = ?", [*member_cols.values(), summary["run_id"], uscc])
    con.execute("update clusters set reasons = ? where run_id = ? and cluster_id = ?",
                [HOSTILE["reasons"], summary["run_id"], cluster_id])
    con.close()
    return copy, summary["run_id"], cluster_id


@pytest.fixture(scope="module")
def exported(hostile_db, tmp_path_factory):
    db, run_id, cluster_id = hostile_db
    out = tmp_path_factory.mktemp("export")
    result = CliRunner().invoke(app, ["report", "--db", str(db), "--out", str(out), "--top", "5"])
    assert result.exit_code == 0, result.output
    xlsx, = out.glob("*.xlsx")
    html_page, = out.glob("*.html")
    return xlsx, html_page, run_id, cluster_id


def test_neutralise_cell():
    for trigger in FORMULA_TRIGGERS:
        assert neutralise_cell(f"{trigger}1+1") == f"'{trigger}1+1", repr(trigger)
    for harmless in ("杭州-科技", "1+1", "A=B", "'=already quoted", "C0e70e615d74c", ""):
        assert neutralise_cell(harmless) == harmless


def _as_excel_reads(value: str) -> str:
    """XLSX stores control characters as _xHHHH_ escapes; Excel decodes them (openpyxl leaves them as they are)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def test_xlsx_has_no_formula_and_hostile_text_is_neutralised(exported):
    xlsx, _, run_id, cluster_id = exported
    book = openpyxl.load_workbook(xlsx)
    words = SENTENCES["zh"]  # the export's default language
    assert {words["sheet.summary"], words["sheet.members"], words["sheet.links"]} <= set(book.sheetnames)
    strings = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    strings.append(cell.value)
                    assert not _as_excel_reads(cell.value).startswith(FORMULA_TRIGGERS), (
                        f"{sheet.title}!{cell.coordinate}")
    members = book[words["sheet.members"]]
    column_of = {words[key]: key.removeprefix("column.") for key in words if key.startswith("column.")}
    header = [column_of[c.value] for c in members[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in members.iter_rows(min_row=2)]
    planted = [r for r in rows if r["company_name"] == SCRIPT_NAME]
    assert len(planted) == 1
    assert planted[0]["reg_address"].startswith("'=HYPERLINK(")
    assert planted[0]["phone_masked"] == "'@SUM(1+1)"
    assert planted[0]["legal_rep_name_masked"] == "'+cmd|' /C calc'!A0"
    for column in ("legal_rep_id_masked", "legal_rep_key", "phone_key"):
        assert _as_excel_reads(planted[0][column]) == "'" + HOSTILE[column], column
    clusters = {row[0].value: row for row in book[words["sheet.summary"]].iter_rows(min_row=2)}
    assert cluster_id in clusters
    for value in strings:
        assert not ID_PATTERN.search(value) and not MOBILE_PATTERN.search(value), value
    assert "138****8000" in planted[0]["reg_address"]


def _dump_dom(page: Path, tmp: Path) -> str:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={tmp / 'chromium-profile'}", "--virtual-time-budget=2000", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_html_in_headless_chromium_is_escaped_inert_and_masked(exported, tmp_path):
    _, page, run_id, cluster_id = exported
    dom = _dump_dom(page, tmp_path)
    assert f'id="{cluster_id}"' in dom and run_id in dom
    assert "data-pwned" not in re.search(r"<body[^>]*>", dom).group(0), "an injected handler ran"
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;document.body.setAttribute" in dom
    assert "&lt;img src=x onerror=" in dom
    assert "http://evil.example/" in dom  # shown as text, never a link: the page's only links are to its sections
    anchors = re.findall(r"<a [^>]*>", dom)
    assert anchors and all(re.fullmatch(r'<a href="#[^"]*">', a) for a in anchors)
    text = re.sub(r"<[^>]+>", " ", dom)
    assert not ID_PATTERN.search(text) and not MOBILE_PATTERN.search(text)
    assert "138****8000" in text
    assert not re.search(r"<(link|script|img|iframe)[^>]+(src|href)=\"?https?:", page.read_text(encoding="utf-8"))


def test_exports_are_owner_only_and_one_cluster_can_be_chosen(exported, hostile_db, tmp_path):
    xlsx, page, _, _ = exported
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o600 and stat.S_IMODE(page.stat().st_mode) == 0o600
    db, _, cluster_id = hostile_db
    result = CliRunner().invoke(app, ["report", "--db", str(db), "--out", str(tmp_path), "--cluster", cluster_id])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")))
    words = SENTENCES["zh"]
    assert [row[0].value for row in book[words["sheet.summary"]].iter_rows(min_row=2)] == [cluster_id]
    assert {row[0].value for row in book[words["sheet.members"]].iter_rows(min_row=2)} == {cluster_id}
