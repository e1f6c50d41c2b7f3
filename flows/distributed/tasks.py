"""What a Dask worker runs: plain functions (no Prefect) over Parquet partitions on the shared folder.

A task gets paths, runs declared SQL steps (sql/*.sql, unchanged) or a matcher over its partition in its own
in-memory DuckDB, writes each output to a temporary name, renames it into place and returns only paths and
row counts. A worker that dies has its tasks re-run elsewhere; the rename makes a re-run safe (a half-written
file never has the final name, and the final name is written whole by whichever run finishes).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import duckdb

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import load_step, run_sql

# Test-only fault injection (tests/test_distributed.py): when the file named by this variable exists and names a
# step, the first task running that step kills its own worker process after writing its output under the
# temporary name, before the rename; renaming the file away first makes it happen once. Unset in production.
KILL_ORDER_ENV = "SHELLRING_TEST_KILL_ORDER"


def worker_share() -> tuple[int, int]:
    """(DuckDB threads, memory MiB) for one task: its worker's memory divided by the worker's threads.

    A task occupies one of its worker's threads, so it gets one DuckDB thread; three quarters of the
    worker's per-thread memory go to DuckDB, the rest to Python and Arrow around it."""
    try:
        from distributed import get_worker

        worker = get_worker()
        limit = worker.memory_manager.memory_limit or 0
        threads = worker.state.nthreads or 1
    except ValueError:  # not inside a worker (a test calling the function directly)
        limit, threads = 0, 1
    if not limit:
        limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    return 1, max(128, int(limit / threads * 0.75) // 2**20)


def _connect(scratch: Path) -> duckdb.DuckDBPyConnection:
    threads, memory_mib = worker_share()
    con = duckdb.connect()
    con.execute("set threads = ?", [threads])
    con.execute("set memory_limit = ?", [f"{memory_mib}MiB"])
    spill = scratch / f"duckdb_tmp_{uuid.uuid4().hex}"
    con.execute("set temp_directory = ?", [str(spill)])
    con.execute("set preserve_insertion_order = false")
    return con


def _maybe_die(step_names: list[str]) -> None:
    order = os.environ.get(KILL_ORDER_ENV)
    if not order:
        return
    try:
        step = Path(order).read_text().strip()
    except FileNotFoundError:
        return
    if step in step_names:
        try:
            os.rename(order, order + ".done")
        except FileNotFoundError:  # another task took the order first
            return
        os.kill(os.getpid(), signal.SIGKILL)


def write_atomically(con: duckdb.DuckDBPyConnection, select: str, target: Path, before_rename=None) -> int:
    """COPY a query's rows to `target` (Parquet) through a temporary name; returns the row count."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    con.execute(f"copy ({select}) to '{temporary}' (format parquet)")
    rows = con.execute(f"select count(*) from read_parquet('{temporary}')").fetchone()[0]
    if before_rename is not None:
        before_rename()
    os.replace(temporary, target)
    return rows


def run_steps(inputs: dict[str, list[str]], steps: list[str], outputs: list[str], variables: dict,
              settings: Settings, out_dir: str, part: int) -> dict[str, tuple[str, int]]:
    """Run SQL steps over one partition: each input table is a view over its Parquet files under the name the
    steps read; returns {output table: (Parquet path, rows)} and the task's seconds under "seconds"."""
    started = time.perf_counter()
    out = Path(out_dir)
    con = _connect(out)
    try:
        settings.apply(con)
        for name, value in variables.items():
            con.execute(f"set variable {name} = ?", [value])
        for table, files in inputs.items():
            listed = ", ".join(f"'{f}'" for f in files)
            con.execute(f"create view {table} as select * from read_parquet([{listed}])")
        for step in steps:
            run_sql(con, load_step(step))
        written = {}
        for table in outputs:
            target = out / table / f"part-{part:05d}.parquet"
            rows = write_atomically(con, f"select * from {table}", target,
                                    before_rename=lambda: _maybe_die([s.rsplit('/', 1)[-1] for s in steps]))
            written[table] = (str(target), rows)
        written["seconds"] = round(time.perf_counter() - started, 3)
        return written
    finally:
        con.close()


def parse_values(sources: list[str], parser: str, hinted: bool, target: str,
                 slice_values: int = 100_000) -> tuple[str, int, float]:
    """Parse one partition of distinct raw values with a matcher, in this process (workers are daemonic: no
    process pool); writes the lookup rows as Parquet and returns (path, rows, seconds)."""
    started = time.perf_counter()
    import polars as pl

    from shellring.flows.pipeline.parse_worker import resolve

    parse = resolve(parser)
    frame = pl.read_parquet(sources)
    parts = []
    for offset in range(0, frame.height, slice_values):
        piece = frame.slice(offset, slice_values)
        values = piece["input"].to_list()
        if hinted:
            parsed = parse(values, piece["hint"].to_list()).with_columns(piece["hint"].alias("hint"))
        else:
            parsed = parse(values)
        parts.append(parsed)
    result = pl.concat(parts, how="vertical_relaxed") if parts else None
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    if result is None:  # an empty partition: the lookup's columns come from parsing nothing
        result = parse([], []) if hinted else parse([])
        if hinted:
            result = result.with_columns(pl.Series("hint", [], dtype=pl.Utf8))
    result.write_parquet(temporary)
    _maybe_die(["parse:" + parser.rsplit(":", 1)[-1]])
    os.replace(temporary, path)
    return str(path), result.height, round(time.perf_counter() - started, 3)
