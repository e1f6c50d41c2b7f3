"""Worker process for normalisation: `python -m flows.parse_worker MODULE:FUNCTION IN.arrow OUT.arrow`.

Reads a frame with `input` (and optionally `hint`) from an Arrow IPC file, runs the named matcher and
writes its output frame. A plain subprocess rather than multiprocessing: forking a process that runs
DuckDB and polars thread pools can deadlock, and spawn would re-import the caller's main script.
"""

from __future__ import annotations

import importlib
import sys

import polars as pl


def resolve(name: str):
    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)


def main(argv: list[str]) -> None:
    name, source, target = argv
    frame = pl.read_ipc(source)
    parse = resolve(name)
    values = frame["input"].to_list()
    result = parse(values, frame["hint"].to_list()) if "hint" in frame.columns else parse(values)
    result.write_ipc(target)


if __name__ == "__main__":
    main(sys.argv[1:])
