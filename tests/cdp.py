"""Real headless Chromium driven over its DevTools protocol (a websocket), for tests of served pages.

One tab; every network request the tab makes is recorded (`requests`), so a test can check that a page
loads nothing from elsewhere. No Playwright: the Debian `chromium` that .ci/run installs is enough."""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM = "/usr/bin/chromium"


class Browser:
    def __init__(self, profile: Path, timeout: float = 60.0) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) == 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("headless Chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()
        self.socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=timeout)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=None)[
            "sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")

    def send(self, method: str, params: dict | None = None, session: str | None | bool = True) -> dict:
        message_id = next(self.ids)
        message = {"id": message_id, "method": method, "params": params or {}}
        if session is True:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = self._receive()
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def _receive(self) -> dict:
        reply = json.loads(self.socket.recv(timeout=self.timeout))
        if "method" in reply:
            self.events.append(reply)
        return reply

    def wait_for(self, method: str, after: int) -> dict:
        """The first event `method` recorded after the first `after` events, waiting for it if need be."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events[after:]:
                if event["method"] == method:
                    return event
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {self.timeout} s")
            self._receive()

    def open(self, url: str) -> None:
        mark = len(self.events)
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired", mark)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def act_and_wait_for_load(self, expression: str) -> None:
        """Run `expression` (a click, a form submission) and wait for the page it leads to."""
        mark = len(self.events)
        self.evaluate(expression)
        self.wait_for("Page.loadEventFired", mark)

    @property
    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            if hasattr(self, "socket"):
                self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
