"""Worker process for normalization: `python -m shellring.flows.pipeline.parse_worker`.

Serves parse requests from its standard input, one JSON object per line:
`{"parse": "MODULE:FUNCTION", "source": IN.arrow, "target": OUT.arrow[, "columns": [...]]}`. It reads a frame
with `input` (and optionally `hint`) from the Arrow IPC file, runs the named matcher, writes the matcher's output
frame (only the named columns, when given)
and answers one JSON line on standard output: `{"ok": true}` or `{"ok": false, "error": TRACEBACK}`.

It warms the matchers (gazetteer, OpenCC) before reading the first request, so that
cost overlaps with the parent's own work. A plain subprocess rather than multiprocessing: forking a
process that runs DuckDB and polars thread pools can deadlock, and spawn would re-import the caller's
main script.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback

import polars as pl


def resolve(name: str):
    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)


def warm() -> None:
    from shellring.matchers.company import _region_names
    from shellring.matchers.divisions import gazetteer, townships
    from shellring.matchers.textnorm import _t2s

    gazetteer()
    townships()
    _region_names()
    _t2s()
    # Not the phone area-code table: it loads phonenumbers' whole geocoder (~0.3 s, ~85 MB) and is only
    # needed when an extract has local numbers without an area code; the phone parser builds it then.


def handle(request: dict) -> None:
    frame = pl.read_ipc(request["source"])
    parse = resolve(request["parse"])
    values = frame["input"].to_list()
    result = parse(values, frame["hint"].to_list()) if "hint" in frame.columns else parse(values)
    if "columns" in request:
        result = result.select(request["columns"])
    result.write_ipc(request["target"])


def serve(requests, answers) -> None:
    warm()
    for line in requests:
        if not line.strip():
            continue
        try:
            handle(json.loads(line))
            answer = {"ok": True}
        except Exception:
            answer = {"ok": False, "error": traceback.format_exc()[-4000:]}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
