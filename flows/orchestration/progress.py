"""Per-stage progress lines for long runs on a terminal: which stage is running, how long each took, how
many rows it made, and the time since the run began. Silent unless the CLI turns it on (a terminal and no
--quiet), so tests, benchmarks and scheduled runs print nothing extra.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

# Counts worth showing from a stage's result, by the key a stage reports them under.
_ROW_KEYS = ("rows_loaded", "unique_values")


def headline(result: object, limit: int = 4) -> str:
    """The counts of a stage's result dict in a few words: 'registrations 200,000 rows, links 1,234'."""
    if not isinstance(result, dict):
        return ""
    parts = []
    for key, value in result.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            parts.append(f"{key} {value:,}")
        elif isinstance(value, dict):
            for inner in _ROW_KEYS:
                if isinstance(value.get(inner), int):
                    parts.append(f"{key} {value[inner]:,} {'rows' if inner == 'rows_loaded' else 'unique'}")
    return ", ".join(parts[:limit]) + (", ..." if len(parts) > limit else "")


class StageProgress:
    """Prints 'stage ...' when a stage starts and 'stage done in Ns (total Ms): counts' when it ends."""

    def __init__(self, console: Console):
        self.console = console
        self.began = time.perf_counter()

    def started(self, stage: str) -> None:
        self.console.print(f"[dim]{_clock(time.perf_counter() - self.began)}[/dim] {stage} ...", highlight=False)

    def finished(self, stage: str, seconds: float, result: object) -> None:
        counts = headline(result)
        self.console.print(f"[dim]{_clock(time.perf_counter() - self.began)}[/dim] [green]{stage}[/green] done in "
                           f"{seconds:.1f} s" + (f": {counts}" if counts else ""), highlight=False)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes:02d}:{rest:02d}"


# A plain module global, not a ContextVar: Prefect may run the flow body in another thread or context.
_current: StageProgress | None = None


def current() -> StageProgress | None:
    return _current


@contextmanager
def shown(console: Console, quiet: bool = False) -> Iterator[StageProgress | None]:
    """Stage lines on `console` while the block runs, only when it is a terminal and not quiet."""
    global _current
    previous, _current = _current, (StageProgress(console) if console.is_terminal and not quiet else None)
    try:
        yield _current
    finally:
        _current = previous
