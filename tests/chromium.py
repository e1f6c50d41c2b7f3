"""Headless Chromium for the page tests (installed by .ci/run with apt-get; nothing is downloaded at run time):
the DOM as the browser built it, and the URLs it asked the network for (from its net log)."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


def dump_dom(page: Path, tmp: Path, net_log: Path | None = None) -> str:
    """The page's DOM after loading in headless Chromium; with net_log, Chromium also writes its network log."""
    extra = [f"--log-net-log={net_log}", "--net-log-capture-mode=Default"] if net_log else []
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp / 'chromium-profile'}",
         "--virtual-time-budget=2000", *extra, "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def page_requests(net_log: Path) -> set[str]:
    """URLs the page itself asked the network for: requests in Chromium's net log keyed to the file:// page's
    site. Chromium's own background requests (updates, time, accounts) carry no page and are left out."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return {event["params"]["url"] for event in log.get("events", [])
            if event.get("type") == start_job and "url" in (event.get("params") or {})
            and str(event["params"].get("network_isolation_key", "")).startswith("file://")}


class ClusterSections(HTMLParser):
    """Per cluster section: the classes of the shapes in its network picture, and whether it has a timeline;
    plus the cluster ids the index links to and the page's CSP."""

    def __init__(self) -> None:
        super().__init__()
        self.index_links: list[str] = []
        self.shapes: dict[str, list[str]] = {}
        self.timelines: set[str] = set()
        self.csp: str | None = None
        self.html_lang: str | None = None
        self._section: str | None = None
        self._in_index = False
        self._svg: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        if tag == "table" and a.get("id") == "index":
            self._in_index = True
        if tag == "a" and self._in_index and (a.get("href") or "").startswith("#"):
            self.index_links.append(a["href"][1:])
        if tag == "section" and "cluster" in (a.get("class") or "").split():
            self._section = a.get("id")
            self.shapes[self._section] = []
        if tag == "svg" and self._section:
            self._svg = (a.get("class") or "")
            if self._svg == "timeline":
                self.timelines.add(self._section)
        classes = (a.get("class") or "").split()
        if self._svg == "network" and classes and classes[0] in ("company", "value", "hub"):
            self.shapes[self._section].append(" ".join(classes))

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_index = False
        if tag == "svg":
            self._svg = None
        if tag == "section":
            self._section = None


def sections(dom: str) -> ClusterSections:
    parser = ClusterSections()
    parser.feed(dom)
    return parser
