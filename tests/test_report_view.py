"""The case handler's report as headless Chromium shows it: an index of every flagged cluster, a section per
cluster whose picture draws one node per member company and per shared value (counted against the published
tables), nothing loaded from the network, Chinese by default and English on request, no raw ID or phone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from chromium import dump_dom, page_requests, sections
from personal_data import personal_data_in_text, redacted
from typer.testing import CliRunner

from shellring.flows.cli.app import app
from shellring.flows.core.rules import SENTENCES
from shellring.flows.results.phrases import reason_lines
from shellring.flows.results.picture import MAIN_WIDTH, NEW_RING, cluster_network_svg, cluster_timeline_svg

pytestmark = pytest.mark.slow
HAN = re.compile(r"[\u4e00-\u9fff]")


def _report(db: Path, out: Path, *args: str) -> Path:
    result = CliRunner().invoke(app, ["report", "--db", str(db), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    page, = out.glob("*.html")
    return page


@pytest.fixture(scope="module")
def published(demo_run):
    summary, db = demo_run
    con = duckdb.connect(str(db), read_only=True)
    flagged = [c for (c,) in con.execute("select cluster_id from clusters where run_id = ? and flagged "
                                         "order by risk_score desc, cluster_id", [summary["run_id"]]).fetchall()]
    members = dict(con.execute("select cluster_id, count(*) from cluster_members where run_id = ? group by 1",
                               [summary["run_id"]]).fetchall())
    values = dict(con.execute("select cluster_id, count(distinct value_id) from cluster_values where run_id = ? "
                              "group by 1", [summary["run_id"]]).fetchall())
    con.close()
    assert len(flagged) >= 5 and sum(values.get(c, 0) for c in flagged) > 0
    return db, summary["run_id"], flagged, members, values


@pytest.fixture(scope="module")
def zh_page(published, tmp_path_factory):
    db, *_ = published
    return _report(db, tmp_path_factory.mktemp("report-zh"))


def test_index_lists_every_flagged_cluster_and_each_picture_draws_members_and_shared_values(published, zh_page,
                                                                                            tmp_path):
    _, _, flagged, members, values = published
    view = sections(dump_dom(zh_page, tmp_path))
    assert view.index_links == flagged
    assert list(view.shapes) == flagged and view.timelines == set(flagged)
    for cluster_id in flagged:
        shapes = view.shapes[cluster_id]
        companies = [s for s in shapes if s.split()[0] == "company"]
        assert len(companies) == members[cluster_id], cluster_id
        assert len(shapes) - len(companies) == values.get(cluster_id, 0), cluster_id


def test_the_page_loads_nothing_from_the_network(zh_page, tmp_path):
    net_log = tmp_path / "net.json"
    dom = dump_dom(zh_page, tmp_path, net_log=net_log)
    assert sections(dom).csp == "default-src 'none'; style-src 'unsafe-inline'"
    text = zh_page.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)\s*=\s*[\"']?\s*(https?:|//)", text, re.I)
    assert not re.search(r"<(script|link|img|iframe|object|embed|image|use)\b", text, re.I)
    assert "url(" not in text and "@import" not in text
    assert page_requests(net_log) == set()
    # the same check sees a page that does load something (so an empty set above means something)
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="http://127.0.0.1:9/canary.png"></body></html>', encoding="utf-8")
    dump_dom(control, tmp_path, net_log=tmp_path / "control-net.json")
    assert page_requests(tmp_path / "control-net.json") == {"http://127.0.0.1:9/canary.png"}


def test_chinese_by_default_english_on_request(published, zh_page, tmp_path):
    db, run_id, flagged, *_ = published
    zh = dump_dom(zh_page, tmp_path)
    assert sections(zh).html_lang == "zh-CN"
    assert SENTENCES["zh"]["page.index"] in zh and SENTENCES["zh"]["column.risk_score"] in zh
    en_page = _report(db, tmp_path / "en", "--lang", "en")
    en = dump_dom(en_page, tmp_path)
    assert sections(en).html_lang == "en"
    assert SENTENCES["en"]["page.index"] in en and SENTENCES["en"]["column.risk_score"] in en
    en_text = re.sub(r"<[^>]+>", " ", en)
    # English throughout, but for company names, addresses and branch names (data, not page text)
    for sentence in ("page.index", "page.picture", "page.timeline", "page.members", "column.company_name"):
        assert SENTENCES["zh"][sentence] not in en_text
    # every English reason line on the page is a registry sentence with its parameters filled in
    con = duckdb.connect(str(db), read_only=True)
    codes = con.execute("select reasons, reason_codes from clusters where run_id = ? and flagged",
                        [run_id]).fetchall()
    con.close()
    patterns = [re.compile("^" + re.sub(r"\\\{\w+\\\}", ".+", re.escape(s)) + "$")
                for k, s in SENTENCES["en"].items() if k.startswith(("risk.", "verdict."))]
    shown = re.findall(r"<ol class=\"reasons\">(.*?)</ol>", en, re.S)
    lines = [re.sub(r"<[^>]+>", "", li) for block in shown for li in re.findall(r"<li>(.*?)</li>", block)]
    assert lines and all(any(p.match(line.replace("&amp;", "&")) for p in patterns) for line in lines)
    assert not any(HAN.search(line) for line in lines)
    for zh_reasons, reason_codes in codes:  # the zh run's own text is what the codes say in zh
        assert "; ".join(reason_lines(reason_codes, None, "zh")) == zh_reasons


def test_xlsx_speaks_the_report_language(published, tmp_path):
    db, _, flagged, members, _ = published
    for lang in ("zh", "en"):
        _report(db, tmp_path / lang, "--lang", lang)
        book = openpyxl.load_workbook(next((tmp_path / lang).glob("*.xlsx")))
        words = SENTENCES[lang]
        assert book.sheetnames == [words["sheet.summary"], words["sheet.members"], words["sheet.links"],
                                   words["sheet.hubs"], words["sheet.about"]]
        summary = book[words["sheet.summary"]]
        assert summary.cell(1, 1).value == words["column.cluster_id"]
        assert [row[0].value for row in summary.iter_rows(min_row=2)] == flagged
        member_rows = book[words["sheet.members"]].max_row - 1
        assert member_rows == sum(members[c] for c in flagged)


def test_report_and_pictures_hold_no_raw_id_or_phone(published, zh_page, tmp_path):
    db, run_id, flagged, *_ = published
    texts = {"html": zh_page.read_text(encoding="utf-8"), "dom": dump_dom(zh_page, tmp_path)}
    con = duckdb.connect(str(db), read_only=True)
    for cluster_id in flagged[:5]:
        texts[f"svg {cluster_id}"] = cluster_network_svg(con, run_id, cluster_id, "en")
        texts[f"timeline {cluster_id}"] = cluster_timeline_svg(con, run_id, cluster_id)
    con.close()
    hits = [(where, kind, redacted(fragment)) for where, text in texts.items()
            for kind, fragment in personal_data_in_text(text)]
    assert hits == []


def test_picture_is_deterministic_draws_hubs_apart_and_rings_new_members(published, tmp_path):
    db, run_id, flagged, *_ = published
    copy = tmp_path / "results.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    cluster_id = flagged[0]
    uscc = con.execute("select min(uscc) from cluster_members where run_id = ? and cluster_id = ?",
                       [run_id, cluster_id]).fetchone()[0]
    con.execute("insert into cluster_values values (?, ?, 'HHUBTEST00001', 'room', '某大厦1201', null, true, ?, "
                "['reg'], [])", [run_id, cluster_id, uscc])
    con.execute("update cluster_changes set change = 'grown', companies_added = [?] where run_id = ? "
                "and cluster_id = ?", [uscc, run_id, cluster_id])
    svg = cluster_network_svg(con, run_id, cluster_id)
    assert svg == cluster_network_svg(con, run_id, cluster_id)
    hub = re.search(r'<polygon class="hub" points="(\d+),', svg)
    assert hub and int(hub.group(1)) > MAIN_WIDTH
    assert len(re.findall(r'class="company new"[^>]*stroke="' + NEW_RING, svg)) == 1
    con.close()
