"""How long a report page takes to open in headless Chromium, through the DevTools protocol.

    python bench/report_load.py PAGE.html [--runs 5]

For each run a fresh headless Chromium opens about:blank, then navigates to the page; printed are the wall
time from Page.navigate to Page.loadEventFired, the page's own navigation timing (loadEventEnd, DOM
content loaded), the time to the first full layout (a screenshot of the first screen), and how many
<svg> and <section> elements the DOM holds (so a page that failed to load cannot pass as fast).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM = "/usr/bin/chromium"


class DevTools:
    def __init__(self, url: str) -> None:
        self.ws = connect(url, max_size=None, open_timeout=30)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=300))
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def wait_event(self, method: str) -> dict:
        while True:
            message = json.loads(self.ws.recv(timeout=300))
            if message.get("method") == method:
                return message.get("params", {})


def one_run(page: Path) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
             "--remote-debugging-port=0", "--window-size=1280,900", "about:blank"],
            stderr=subprocess.PIPE, text=True)
        try:
            port = None
            for line in browser.stderr:
                match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
                if match:
                    port = int(match.group(1))
                    break
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30).read())
            tab = DevTools(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
            tab.call("Page.enable")
            started = time.perf_counter()
            tab.call("Page.navigate", url=page.resolve().as_uri())
            tab.wait_event("Page.loadEventFired")
            loaded = time.perf_counter() - started
            tab.call("Page.captureScreenshot", format="png")
            painted = time.perf_counter() - started
            timing = json.loads(tab.call("Runtime.evaluate", expression=(
                "JSON.stringify({nav: performance.getEntriesByType('navigation')[0].toJSON(),"
                " svg: document.querySelectorAll('svg').length,"
                " sections: document.querySelectorAll('section.cluster').length})"))["result"]["value"])
            tab.ws.close()
        finally:
            browser.terminate()
            browser.wait(timeout=30)
    return {"load_event_s": loaded, "first_screenshot_s": painted,
            "dom_content_loaded_s": timing["nav"]["domContentLoadedEventEnd"] / 1000,
            "load_event_end_s": timing["nav"]["loadEventEnd"] / 1000,
            "svg": timing["svg"], "sections": timing["sections"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.page} ({args.page.stat().st_size / 1e6:.1f} MB)")
    runs = [one_run(args.page) for _ in range(args.runs)]
    for run in runs:
        print("  " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in run.items()))
    for key in ("load_event_s", "load_event_end_s", "first_screenshot_s"):
        values = [r[key] for r in runs]
        print(f"{key}: median {statistics.median(values):.2f}, max {max(values):.2f}")


if __name__ == "__main__":
    main()
