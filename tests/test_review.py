"""`shellring review` served for real (a subprocess on a free loopback port) and read in real headless Chromium:
the clusters of the latest run, one cluster's page, a verdict recorded through the page's form that the
verdict store, `shellring verdicts` and the next run all see, bad posts that change nothing, and a run that
publishes while the page is open."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import date
from pathlib import Path

import anyio
import duckdb
import httpx
import pytest
from cdp import Browser  # tests/cdp.py
from demo_extracts import run_audit  # tests/demo_extracts.py
from personal_data import personal_data_in_text  # tests/personal_data.py

from shellring.flows.core.rules import SENTENCES
from shellring.flows.results.review_app import create_app
from shellring.flows.results.verdicts import list_verdicts, verdicts_path

pytestmark = pytest.mark.slow

ANALYST = "李分析"
SHELLRING = str(Path(sys.executable).with_name("shellring"))
# the page's own words: what a page in the other language must not show
INDEX_KEYS = ("review.clusters", "review.filters", "review.filter.apply", "column.cluster_id", "column.risk_score")
ZH_WORDS = [SENTENCES["zh"][k] for k in INDEX_KEYS]
EN_WORDS = [SENTENCES["en"][k] for k in INDEX_KEYS]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """`shellring review` in a subprocess, answering on a free loopback port."""

    def __init__(self, db: Path, *options: str) -> None:
        self.port = _free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = db.with_name(f"review-{self.port}.log")  # a file, not a pipe nobody drains while it serves
        with self.log.open("w") as log:
            self.process = subprocess.Popen([SHELLRING, "review", "--db", str(db), "--port", str(self.port),
                                             *options], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            try:
                if self.request("GET", "/")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"shellring review did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def request(self, method: str, path: str, fields: dict | None = None,
                headers: dict | None = None) -> tuple[int, str, dict]:
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            body = urllib.parse.urlencode(fields) if fields is not None else None
            sent = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
            con.request(method, path, body=body, headers={**sent, **(headers or {})})
            response = con.getresponse()
            return response.status, response.read().decode("utf-8"), dict(response.getheaders())
        finally:
            con.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def results(tmp_path_factory, key_env):
    from shellring.flows.demo.generate import generate_demo

    folder = tmp_path_factory.mktemp("review")
    demo = generate_demo(folder / "demo", n_companies=2500, seed=11)
    db = folder / "results.duckdb"
    run_id = run_audit(demo.registrations, demo.accounts, db, "review-test")["run_id"]
    with duckdb.connect(str(db), read_only=True) as con:
        clusters = con.execute("select cluster_id, flagged, risk_score from clusters where run_id = ?",
                               [run_id]).fetchall()
    assert sum(flagged for _, flagged, _ in clusters) >= 3, "the demo needs flagged clusters to review"
    return demo, db, run_id, clusters


@pytest.fixture(scope="module")
def served(results):
    server = Served(results[1])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    yield chromium
    chromium.close()


def _top_flagged(clusters) -> str:
    return max((risk, cid) for cid, flagged, risk in clusters if flagged)[1]


def _page_text(browser: Browser) -> str:
    return browser.evaluate("document.documentElement.outerHTML")


def _store_state(db: Path) -> str | None:
    store = verdicts_path(db)
    return hashlib.sha256(store.read_bytes()).hexdigest() if store.exists() else None


def test_the_index_lists_the_latest_runs_clusters_flagged_first_in_chinese(results, served, browser):
    _, _, run_id, clusters = results
    browser.open(served.origin + "/")
    assert browser.evaluate("document.documentElement.lang") == "zh-CN"
    assert browser.evaluate("document.getElementById('run').dataset.runId") == run_id
    rows = browser.evaluate("[...document.querySelectorAll('#clusters tbody tr')].map(r => r.dataset.clusterId)")
    assert sorted(rows) == sorted(cid for cid, _, _ in clusters)
    flagged = {cid: (f, risk) for cid, f, risk in clusters}
    shown = [flagged[cid] for cid in rows]
    n_flagged = sum(f for f, _ in shown)
    assert all(f for f, _ in shown[:n_flagged]) and not any(f for f, _ in shown[n_flagged:])
    risks = [risk for _, risk in shown[:n_flagged]]
    assert risks == sorted(risks, reverse=True)
    html = _page_text(browser)
    assert all(word in html for word in ZH_WORDS) and not any(word in html for word in EN_WORDS)
    # the filters: flagged only, then unreviewed (no verdict yet, so all of them)
    browser.open(served.origin + "/?filter=flagged&filter=unreviewed")
    rows = browser.evaluate("[...document.querySelectorAll('#clusters tbody tr')].map(r => r.dataset.clusterId)")
    assert rows and sorted(rows) == sorted(cid for cid, f, _ in clusters if f)
    browser.open(served.origin + "/?filter=grown")  # a first run: nothing has grown
    assert browser.evaluate("document.querySelectorAll('#clusters tbody tr').length") == 0
    assert all(url.startswith(served.origin + "/") for url in browser.requests), browser.requests


def test_a_cluster_page_shows_picture_timeline_reasons_members_and_links_masked(results, served, browser):
    _, db, run_id, clusters = results
    cluster_id = _top_flagged(clusters)
    already = len(browser.requests)
    browser.open(f"{served.origin}/clusters/{cluster_id}")
    with duckdb.connect(str(db), read_only=True) as con:
        n_members, n_links = con.execute(
            "select (select count(*) from cluster_members where run_id = ? and cluster_id = ?), "
            "(select count(*) from links where run_id = ? and cluster_id = ?)",
            [run_id, cluster_id, run_id, cluster_id]).fetchone()
    assert browser.evaluate("document.querySelectorAll('#members tbody tr').length") == n_members
    assert browser.evaluate("document.querySelectorAll('#links tbody tr').length") == n_links
    assert browser.evaluate("document.querySelectorAll('#picture svg').length") == 1
    assert browser.evaluate("document.querySelectorAll('#timeline svg').length") == 1
    assert browser.evaluate("document.querySelectorAll('#reasons li').length") >= 1
    html = _page_text(browser)
    assert not personal_data_in_text(browser.evaluate("document.body.innerText"))
    assert "<script" not in html.lower()
    # nothing but the page itself was fetched: no font, style, image or script from anywhere
    fetched = browser.requests[already:]
    assert fetched and all(url.startswith(served.origin + "/") for url in fetched), fetched


def test_responses_forbid_scripts_and_outside_loads(served):
    status, _, headers = served.request("GET", "/")
    csp = {k.lower(): v for k, v in headers.items()}["content-security-policy"]
    assert status == 200 and "default-src 'none'" in csp and "script-src" not in csp and "form-action 'self'" in csp


def test_bad_posts_change_nothing_and_say_why_in_the_pages_language(results, served):
    _, db, run_id, clusters = results
    cluster_id = _top_flagged(clusters)
    before = _store_state(db)
    path = f"/clusters/{cluster_id}/verdict"
    good = {"verdict": "confirmed_ring", "by": ANALYST, "note": ""}
    cases = [
        ("unknown cluster", "/clusters/Cnosuchcluster0/verdict", good, {}, 404,
         SENTENCES["zh"]["review.unknown_cluster"].format(cluster_id="Cnosuchcluster0", run_id=run_id)),
        ("empty by", path, {**good, "by": "   ", "note": "电话 13812345678"}, {}, 400,
         SENTENCES["zh"]["verdict_error.no_author"]),
        ("unknown verdict", path, {**good, "verdict": "guilty"}, {}, 400, "&#39;guilty&#39;"),
        ("link verdict on a cluster", path, {**good, "verdict": "false_link"}, {}, 400, "&#39;false_link&#39;"),
        ("foreign origin", path, good, {"Origin": "http://evil.example"}, 403, "http://evil.example"),
        ("origin null (a local file's form)", path, good, {"Origin": "null"}, 403, "null"),
        ("foreign referer", path, good, {"Referer": "http://evil.example/form.html"}, 403, "http://evil.example"),
        ("a name that is not this computer (DNS rebinding)", path, good, {"Host": f"evil.example:{served.port}"}, 403,
         "evil.example"),
    ]
    for what, target, fields, headers, status, says in cases:
        got, body, _ = served.request("POST", target, fields, headers)
        assert (got, says in body) == (status, True), what
        assert "13812345678" not in body, what  # a note sent back for correction is masked too
        assert _store_state(db) == before, what
    got, body, _ = served.request("GET", "/clusters/Cnosuchcluster0")
    assert got == 404 and "Cnosuchcluster0" in body
    got, body, _ = served.request("GET", "/?filter=bogus")
    assert got == 400 and "&#39;bogus&#39;" in body


def test_other_clients_are_refused_unless_the_host_option_says_otherwise(results):
    db = results[1]

    async def get(bound_host: str, client: str) -> tuple[int, str]:
        transport = httpx.ASGITransport(app=create_app(db, "zh", bound_host), client=(client, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as http_client:
            response = await http_client.get("/")
        return response.status_code, response.text

    status, text = anyio.run(get, "127.0.0.1", "192.0.2.7")
    assert status == 403 and "192.0.2.7" in text
    assert anyio.run(get, "127.0.0.1", "127.0.0.1")[0] == 200
    assert anyio.run(get, "0.0.0.0", "192.0.2.7")[0] == 200  # --host 0.0.0.0: serving others on purpose


def test_a_verdict_recorded_in_the_browser_reaches_the_store_the_listing_and_the_next_run(results, served, browser):
    demo, db, run_id, clusters = results
    cluster_id = _top_flagged(clusters)
    browser.open(f"{served.origin}/clusters/{cluster_id}")
    before = len(list_verdicts(db, history=True))
    browser.act_and_wait_for_load(
        "document.querySelector('select[name=verdict]').value = 'false_positive';"
        f"document.querySelector('input[name=by]').value = '{ANALYST}';"
        "document.querySelector('textarea[name=note]').value = '核实：注册代理 13812345678';"
        "document.querySelector('#verdict-form button[type=submit]').click()")
    posted = [e["params"]["request"] for e in browser.events if e["method"] == "Network.requestWillBeSent"
              and e["params"]["request"]["method"] == "POST"]
    assert [request["url"] for request in posted] == [f"{served.origin}/clusters/{cluster_id}/verdict"]
    assert posted[0]["headers"].get("Origin") == served.origin  # what the forgery check compares
    # POST-redirect-GET: the browser ends on the cluster's page, which says what was recorded
    landed = urllib.parse.urlsplit(browser.evaluate("location.href"))
    assert landed.path == f"/clusters/{cluster_id}" and landed.query.startswith("recorded=")
    notice = browser.evaluate("document.getElementById('recorded').textContent")
    assert SENTENCES["zh"]["verdict_name.false_positive"] in notice
    assert SENTENCES["zh"]["verdict_name.false_positive"] in browser.evaluate(
        "document.getElementById('verdict-in-force').textContent")

    recorded = list_verdicts(db, history=True)
    assert len(recorded) == before + 1
    row = recorded[-1]
    assert (row["target"], row["cluster_id"], row["verdict"], row["made_by"], row["run_id"]) == (
        "cluster", cluster_id, "false_positive", ANALYST, run_id)
    assert "13812345678" not in row["note"] and "138****5678" in row["note"]
    assert landed.query == f"recorded={row['verdict_id']}"
    listing = subprocess.run([SHELLRING, "verdicts", "--db", str(db)], capture_output=True, text=True,
                             env={**os.environ, "COLUMNS": "250"}, timeout=120)
    assert listing.returncode == 0, listing.stderr
    line = next(text for text in listing.stdout.splitlines() if cluster_id in text)
    assert "false_positive" in line and ANALYST in line

    # A new run publishes while the page is open and being read; the page then serves it.
    seen, stop = [], threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            status, body, _ = served.request("GET", "/")
            shown = re.search(r'data-run-id="([^"]+)"', body)
            seen.append((status, shown.group(1) if shown else body[-300:]))
            time.sleep(0.2)

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:  # another audit window over the same extracts: a new run id, the same companies
        new_run = run_audit(demo.registrations, demo.accounts, db, "review-test", since=date(2000, 1, 1))["run_id"]
    finally:
        stop.set()
        reader.join()
    assert new_run != run_id
    assert seen and all(status == 200 for status, _ in seen), seen[:3]
    assert {what for _, what in seen} <= {run_id, new_run}, seen[:3]

    with duckdb.connect(str(db), read_only=True) as con:
        flagged, verdict = con.execute("select flagged, verdict from clusters where run_id = ? and cluster_id = ?",
                                       [new_run, cluster_id]).fetchone()
    assert (flagged, verdict) == (False, "false_positive")  # the next run honours the verdict

    browser.open(f"{served.origin}/clusters/{cluster_id}")
    assert browser.evaluate("document.getElementById('run').dataset.runId") == new_run
    assert SENTENCES["zh"]["review.not_flagged"] in browser.evaluate("document.body.innerText")
    browser.open(served.origin + "/?filter=unreviewed")
    rows = browser.evaluate("[...document.querySelectorAll('#clusters tbody tr')].map(r => r.dataset.clusterId)")
    assert rows and cluster_id not in rows


def test_english_with_lang_en(results, browser):
    _, db, _, clusters = results
    server = Served(db, "--lang", "en")
    try:
        browser.open(server.origin + "/")
        assert browser.evaluate("document.documentElement.lang") == "en"
        html = _page_text(browser)
        assert all(word in html for word in EN_WORDS) and not any(word in html for word in ZH_WORDS)
        browser.open(f"{server.origin}/clusters/{_top_flagged(clusters)}")
        text = browser.evaluate("document.body.innerText")
        assert SENTENCES["en"]["review.verdict_form"] in text and SENTENCES["en"]["review.picture"] in text
        assert SENTENCES["en"]["verdict_name.confirmed_ring"] in text
        status, body, _ = server.request("POST", "/clusters/Cnosuchcluster0/verdict",
                                         {"verdict": "confirmed_ring", "by": "Li"})
        assert status == 404 and "There is no cluster Cnosuchcluster0" in body
    finally:
        server.stop()
