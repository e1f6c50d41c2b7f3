"""Strict decoding of an extract into UTF-8, chunk by chunk, naming the byte offset of the first byte that
does not decode. Also a worker process for the ingest stage: `python -m shellring.flows.pipeline.transcode
FILE ENCODING START TARGET` decodes the bytes of FILE from START to its end and writes them as UTF-8 to
TARGET (a new file, owner-only: raw personal data), then answers one JSON line: `{}`, or `{"reason": ...}`.
A plain subprocess, as the parse worker: never fork a process that runs DuckDB. Standard library only, so
the worker starts in a few milliseconds."""

from __future__ import annotations

import codecs
import io
import json
import os
import sys
from pathlib import Path

CHUNK_BYTES = 16 * 1024 * 1024
SAMPLE_CHARS = 1_000_000


def decode_stream(path: Path, encoding: str, sink: io.BufferedWriter | None, start: int = 0,
                   end: int | None = None) -> str:
    """Strictly decode the whole file (or its bytes start..end) chunk by chunk, optionally writing UTF-8;
    return the first chars. An error names its byte offset in the file."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    sample = ""
    offset = start
    with path.open("rb") as source:
        source.seek(start)
        while True:
            chunk = source.read(CHUNK_BYTES if end is None else min(CHUNK_BYTES, end - offset))
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                position = offset + max(exc.start, 0) - len(decoder.getstate()[0]) if encoding != "utf-16" else offset
                raise UnicodeDecodeError(exc.encoding, exc.object, exc.start, exc.end,
                                         f"{exc.reason} at byte {max(position, 0)}") from exc
            if len(sample) < SAMPLE_CHARS:
                sample += text[: SAMPLE_CHARS - len(sample)]
            if sink is not None and text:
                sink.write(text.encode("utf-8"))
            if final:
                return sample
            offset += len(chunk)


def private_sink(target: Path | str) -> io.BufferedWriter:
    """A new file only its owner may read: a copy of an extract is raw personal data."""
    return os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def main(path: str, encoding: str, start: str, target: str) -> None:
    with private_sink(target) as sink:
        try:
            decode_stream(Path(path), encoding, sink, int(start))
        except UnicodeDecodeError as exc:
            print(json.dumps({"reason": exc.reason}))
            return
    print(json.dumps({}))


if __name__ == "__main__":
    main(*sys.argv[1:])
