"""Worker process for the ingest stage: `python -m shellring.flows.pipeline.transcode_worker FILE ENCODING
START TARGET` decodes the bytes of FILE from START to its end strictly and writes them as UTF-8 to TARGET
(a new file, owner-only: raw personal data). It answers one JSON line: `{}`, or `{"reason": ...}` naming
the first undecodable byte's offset in FILE. A plain subprocess, as the parse worker: never fork a process
that runs DuckDB."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from shellring.flows.pipeline.ingest import _decode_stream


def main(path: str, encoding: str, start: str, target: str) -> None:
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as sink:
        try:
            _decode_stream(Path(path), encoding, sink, int(start))
        except UnicodeDecodeError as exc:
            print(json.dumps({"reason": exc.reason}))
            return
    print(json.dumps({}))


if __name__ == "__main__":
    main(*sys.argv[1:])
