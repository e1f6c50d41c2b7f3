"""The review page on a small hand-made results DB (in process): hostile text is escaped and masked, hubs and
published codes are said in the page's language, and the page reads a file replaced under it."""

from __future__ import annotations

import os
from datetime import date, datetime

import anyio
import duckdb
import httpx
from typer.testing import CliRunner

from shellring.flows.cli.app import app as cli
from shellring.flows.core.rules import SENTENCES
from shellring.flows.core.sqlsteps import run_schema
from shellring.flows.results.review_app import create_app

HOSTILE_NAME = "<script>alert(1)</script>杭州恶意科技有限公司 13812345678"


def _publish(path, run_id: str) -> None:
    """A results file as publication leaves it: one run, one flagged cluster of two companies, one hub."""
    con = duckdb.connect(str(path))
    run_schema(con, "published_tables")
    run_schema(con, "published_views")
    con.execute("insert into runs (run_id, region, started_at, finished_at, status) values (?, 'hz', ?, ?, "
                "'succeeded')", [run_id, datetime(2026, 11, 1, 8), datetime(2026, 11, 1, 8, 1)])
    con.execute("insert into clusters (run_id, cluster_id, n_companies, risk_score, flagged, reasons, mitigations) "
                "values (?, 'Caaaa00000001', 2, 88.0, true, 'rep phone 13812345678', null)", [run_id])
    con.execute("insert into cluster_changes (run_id, cluster_id, change) values (?, 'Caaaa00000001', 'new')",
                [run_id])
    for uscc, name in (("91330106MA2AAAAA1X", HOSTILE_NAME), ("91330106MA2BBBBB2Y", "杭州安然贸易有限公司")):
        con.execute("insert into cluster_members (run_id, cluster_id, uscc, company_name, reg_date, joined_by) "
                    "values (?, 'Caaaa00000001', ?, ?, ?, 'link')", [run_id, uscc, name, date(2026, 10, 3)])
    con.execute("insert into links (run_id, cluster_id, uscc_a, uscc_b, reason, score, evidence, strength) values "
                "(?, 'Caaaa00000001', '91330106MA2AAAAA1X', '91330106MA2BBBBB2Y', 'SAME_PHONE', 1.0, "
                "'phone 138****5678', 'link')", [run_id])
    con.execute("insert into hubs (run_id, hub_id, attr_kind, value_display, n_companies, share_fast_open_7d, "
                "share_rep_young, reg_span_days, suspicious) values (?, 'H1', 'room', '某大厦1201室', 90, 0.5, 0.25, "
                "40, true)", [run_id])
    con.execute("insert into cluster_hubs values (?, 'Caaaa00000001', 'H1', 'room', '某大厦1201室', 2)", [run_id])
    con.close()


def _get(app, path: str) -> httpx.Response:
    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
            return await client.get(path)

    return anyio.run(fetch)


def test_hostile_text_is_escaped_and_masked_and_codes_are_said_in_the_pages_language(tmp_path):
    db = tmp_path / "results.duckdb"
    _publish(db, "r1")
    for lang in ("zh", "en"):
        page = _get(create_app(db, lang), "/clusters/Caaaa00000001")
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "13812345678" not in page.text and "138****5678" in page.text
        assert SENTENCES[lang]["short.SAME_PHONE"] in page.text and SENTENCES[lang]["strength.link"] in page.text
        assert SENTENCES[lang]["review.hubs"].format(n=1) in page.text and "某大厦1201室" in page.text
        index = _get(create_app(db, lang), "/")
        assert SENTENCES[lang]["change.new"] in index.text and "13812345678" not in index.text


def test_the_page_reads_a_results_file_replaced_under_it(tmp_path):
    db = tmp_path / "results.duckdb"
    _publish(db, "r1")
    app = create_app(db, "zh")
    assert 'data-run-id="r1"' in _get(app, "/").text
    fresh = tmp_path / "results.duckdb.new"
    _publish(fresh, "r2")
    os.replace(fresh, db)  # as publication does: a whole new file renamed into place
    assert 'data-run-id="r2"' in _get(app, "/").text


def test_the_command_refuses_a_missing_file_and_an_unknown_language(tmp_path):
    missing = CliRunner().invoke(cli, ["review", "--db", str(tmp_path / "nothing.duckdb")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    db = tmp_path / "results.duckdb"
    _publish(db, "r1")
    unknown = CliRunner().invoke(cli, ["review", "--db", str(db), "--lang", "fr"])
    assert unknown.exit_code == 2 and "en, zh" in unknown.output
