"""SHA-256 of the extract files, for the run id: every file hashed at once, and as early as the caller likes.

Hashing is the part of a run's own overhead that grows with the data (5M + 5M companies: 3.2 GB, a few seconds
on one core). hashlib releases the GIL, so threads hash the files in parallel; and `start` lets the caller begin
before the flow does, while Prefect's temporary server starts in its own process and this one waits.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from shellring.flows.core.resources import cores_here

CHUNK_BYTES = 4 << 20

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_started: dict[tuple[str, int, int], Future] = {}  # (path, size, mtime): a changed file is hashed again


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def start(paths: Iterable[Path | str]) -> None:
    """Begin hashing these files in the background (missing files are left for the flow to report)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=cores_here(), thread_name_prefix="shellring-digest")
        for path in map(Path, paths):
            try:
                key = _key(path)
            except OSError:
                continue
            if key not in _started:
                _started[key] = _pool.submit(file_sha256, path)


def digests(paths: Iterable[Path | str]) -> dict[str, str]:
    """{resolved path: sha256} of the files, waiting for those `start` began and hashing the others at once."""
    paths = [Path(p) for p in paths]
    start(paths)
    found = {}
    for path in paths:
        key = _key(path)  # a file missing now raises here, as reading it would
        with _lock:
            future = _started.get(key)
        found[key[0]] = future.result() if future is not None else file_sha256(path)
    with _lock:
        for path in paths:
            _started.pop(_key(path), None)
    return found
