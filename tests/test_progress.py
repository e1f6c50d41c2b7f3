"""Long runs print one line per stage on a terminal (elapsed time, counts); nothing when not a terminal or quiet."""

from __future__ import annotations

import io

from rich.console import Console

from shellring.flows.orchestration import progress


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, color_system=None, width=200), out


def test_headline_picks_the_counts_of_a_stage_result():
    ingest = {"registrations": {"rows_loaded": 200_000, "rejected": 3}, "accounts": {"rows_loaded": 150_000}}
    assert progress.headline(ingest) == "registrations 200,000 rows, accounts 150,000 rows"
    assert progress.headline({"norm_address": {"unique_values": 1234, "seconds": 1.5}}) == "norm_address 1,234 unique"
    assert progress.headline({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}, limit=2) == "a 1, b 2, ..."
    assert progress.headline({"flag": True, "n": 7}) == "n 7"
    assert progress.headline("not a dict") == ""


def test_a_terminal_gets_a_line_when_each_stage_starts_and_ends():
    console, out = _console(terminal=True)
    with progress.shown(console) as shown:
        assert progress.current() is shown is not None
        shown.started("link")
        shown.finished("link", 12.34, {"links": 5_678, "hub_values": 9})
    assert progress.current() is None  # the reporter does not outlive the run
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("link ...") and lines[0].startswith("00:")
    assert "link done in 12.3 s: links 5,678, hub_values 9" in lines[1]


def test_quiet_or_not_a_terminal_prints_nothing():
    for terminal, quiet in ((False, False), (True, True)):
        console, out = _console(terminal)
        with progress.shown(console, quiet=quiet) as shown:
            assert shown is None and progress.current() is None
        assert out.getvalue() == ""
