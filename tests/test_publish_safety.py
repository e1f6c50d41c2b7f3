"""Crash safety, concurrent readers, serialised publishers, idempotence, retries, bound SQL values, permissions.

Children run the real `shellring run` (each with its own temporary Prefect server) and are killed with
SIGKILL at publication points announced by the test-only hook in `shellring.flows.results.publish`
(SHELLRING_TEST_PAUSE_AT).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest
from demo_extracts import run_audit  # tests/demo_extracts.py
from prefect import flow

from shellring.flows.results.publish import PUBLISHED

pytestmark = pytest.mark.slow

KILL_POINTS = ["locked", "copying", "writing", "renaming"]
PUBLISHED_TABLES = ["runs", *PUBLISHED]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(db: Path) -> dict[str, dict[str, int]]:
    """Rows per run_id in every published table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: dict(con.execute(f"select run_id, count(*) from {t} group by run_id").fetchall())
                for t in PUBLISHED_TABLES}
    finally:
        con.close()


def _expected_counts(results_db: Path, run_id: str) -> dict[str, int]:
    """What a complete publication of run_id holds, read from the run's own working DB (the source)."""
    work = results_db.parent / f".{results_db.name}.work" / run_id / "work.duckdb"
    con = duckdb.connect(str(work), read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from {src}"
                                 + (" where run_id = ?" if src == "rejected_rows" else ""),
                                 [run_id] if src == "rejected_rows" else []).fetchone()[0]
                  for t, src in PUBLISHED.items()}
    finally:
        con.close()
    return {"runs": 1, **counts}


def _child_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SHELLRING_KEY="shellring-test-key-0123456789abcdef", PREFECT_HOME=str(tmp),
               PREFECT_LOGGING_LEVEL="WARNING", **extra)  # the CLI gives its temporary server 180 s itself
    return env


def _start_run(files, db: Path, region: str, prefect_home: Path, **extra: str) -> subprocess.Popen:
    prefect_home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "shellring.flows.cli.app", "run", "--registrations", str(files.registrations),
         "--accounts", str(files.accounts), "--db", str(db), "--region", region, "--quiet"],
        env=_child_env(prefect_home, **extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes its Prefect server down too
    )


def _run_in_process(files, db: Path, region: str) -> dict:
    # The children above load the 2 cores; this process's temporary Prefect server gets the CLI's patience.
    return run_audit(files.registrations, files.accounts, db, region)


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    from shellring.flows.demo.generate import generate_demo

    return generate_demo(tmp_path_factory.mktemp("small"), n_companies=400, seed=5)


@pytest.fixture(scope="module")
def baseline(small_files, key_env, tmp_path_factory):
    """A published DB holding one finished run, copied into each scenario."""
    db = tmp_path_factory.mktemp("baseline") / "results.duckdb"
    summary = _run_in_process(small_files, db, "baseline")
    return db, summary["run_id"]


@pytest.fixture(scope="module")
def killed_runs(small_files, baseline, tmp_path_factory):
    """One `shellring run` per kill point, all started together, each SIGKILLed at its point of publication."""
    base_db, _ = baseline
    scenarios = {}
    for point in KILL_POINTS:
        folder = tmp_path_factory.mktemp(f"killed-{point}")
        db = folder / "results.duckdb"
        shutil.copyfile(base_db, db)
        marker = folder / "paused"
        child = _start_run(small_files, db, "killed", folder / "prefect", SHELLRING_TEST_PAUSE_AT=f"publish:{point}",
                           SHELLRING_TEST_PAUSE_FILE=str(marker))
        scenarios[point] = {"db": db, "sha_before": _sha256(db), "marker": marker, "child": child}
    deadline = time.monotonic() + 300
    for point, s in scenarios.items():
        while not s["marker"].exists():
            assert s["child"].poll() is None, f"{point}: run ended before the pause: {s['child'].stdout.read()}"
            assert time.monotonic() < deadline, f"{point}: never reached the pause point"
            time.sleep(0.2)
        s["staging"] = sorted(p.name for p in s["db"].parent.glob(".results.duckdb.*.publishing*"))
        s["staging_size"] = sum(p.stat().st_size for p in s["db"].parent.glob(".results.duckdb.*.publishing"))
        os.killpg(s["child"].pid, signal.SIGKILL)
        s["returncode"] = s["child"].wait(timeout=30)
        s["child"].stdout.close()
    return scenarios


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_during_publication_leaves_previous_results_intact(killed_runs, baseline, point):
    s = killed_runs[point]
    _, base_run = baseline
    assert s["returncode"] == -signal.SIGKILL
    if point != "locked":  # killed mid-publication: its half-made copy is still lying there
        assert s["staging"], point
    if point == "copying":
        assert 0 < s["staging_size"] < s["db"].stat().st_size
    assert _sha256(s["db"]) == s["sha_before"], "the published file was modified in place"
    counts = _counts(s["db"])
    assert counts["runs"] == {base_run: 1}
    assert all(set(per_run) <= {base_run} for per_run in counts.values())


@pytest.mark.parametrize("point", KILL_POINTS)
def test_next_run_after_a_kill_succeeds_without_cleanup(killed_runs, small_files, baseline, point):
    s = killed_runs[point]
    _, base_run = baseline
    before = _counts(s["db"])
    summary = _run_in_process(small_files, s["db"], "killed")
    counts = _counts(s["db"])
    assert set(counts["runs"]) == {base_run, summary["run_id"]}
    expected = _expected_counts(s["db"], summary["run_id"])
    assert {t: counts[t].get(summary["run_id"], 0) for t in PUBLISHED_TABLES} == expected
    assert {t: counts[t].get(base_run, 0) for t in PUBLISHED_TABLES} == {t: before[t].get(base_run, 0)
                                                                        for t in PUBLISHED_TABLES}
    assert list(s["db"].parent.glob(".results.duckdb.*.publishing*")) == []


READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb
    db, out, stop, mode = Path(sys.argv[1]), open(sys.argv[2], "w"), Path(sys.argv[3]), sys.argv[5]
    tables = sys.argv[4].split(",")
    def counts(con):
        return {t: dict(con.execute(f"select run_id, count(*) from {t} group by run_id").fetchall()) for t in tables}
    # "held": opened before any run publishes and kept open throughout; "fresh": reopened for every query
    # (a separate process, since DuckDB reuses one open instance per file within a process).
    held = duckdb.connect(str(db), read_only=True) if mode == "held" else None
    while not stop.exists():
        record = {"mode": mode}
        try:
            con = held or duckdb.connect(str(db), read_only=True)
            try:
                record["counts"] = counts(con)
            finally:
                if con is not held:
                    con.close()
        except Exception as exc:
            record["error"] = repr(exc)
        out.write(json.dumps(record) + "\\n"); out.flush()
        time.sleep(0.02)
""")


@pytest.fixture(scope="module")
def concurrent_runs(small_files, baseline, tmp_path_factory):
    """Two `shellring run`s (two regions) publishing into one DB at once, while a reader loops over it."""
    base_db, _ = baseline
    folder = tmp_path_factory.mktemp("concurrent")
    db = folder / "results.duckdb"
    shutil.copyfile(base_db, db)
    stop = folder / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(db), str(folder / f"{mode}.jsonl"), str(stop),
                                 ",".join(PUBLISHED_TABLES), mode]) for mode in ("held", "fresh")]
    children = [_start_run(small_files, db, region, folder / f"prefect-{region}") for region in ("east", "west")]
    outputs = [child.communicate(timeout=400)[0].decode() for child in children]
    time.sleep(0.5)
    stop.touch()
    for reader in readers:
        reader.wait(timeout=30)
    records = [json.loads(line) for mode in ("held", "fresh")
               for line in (folder / f"{mode}.jsonl").read_text().splitlines()]
    return {"db": db, "returncodes": [c.returncode for c in children], "outputs": outputs, "records": records}


def test_two_runs_publishing_at_once_both_land(concurrent_runs, baseline):
    db = concurrent_runs["db"]
    assert concurrent_runs["returncodes"] == [0, 0], [out[-4000:] for out in concurrent_runs["outputs"]]
    counts = _counts(db)
    _, base_run = baseline
    new_runs = set(counts["runs"]) - {base_run}
    assert len(new_runs) == 2
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(r for (r,) in con.execute("select region from runs").fetchall()) == ["baseline", "east", "west"]
    con.close()
    for run_id in new_runs:
        assert {t: counts[t].get(run_id, 0) for t in PUBLISHED_TABLES} == _expected_counts(db, run_id)


def test_reader_during_runs_never_errors_nor_sees_half_a_run(concurrent_runs, baseline):
    db, records = concurrent_runs["db"], concurrent_runs["records"]
    _, base_run = baseline
    assert min(sum(r["mode"] == m for r in records) for m in ("held", "fresh")) >= 20, "a reader barely ran"
    assert [r["error"] for r in records if "error" in r] == []
    final = _counts(db)
    complete = {run_id: {t: final[t].get(run_id, 0) for t in PUBLISHED_TABLES} for run_id in final["runs"]}
    seen_runs = set()
    for record in records:
        for run_id, expected in complete.items():
            observed = {t: record["counts"][t].get(run_id, 0) for t in PUBLISHED_TABLES}
            assert observed in (expected, dict.fromkeys(PUBLISHED_TABLES, 0)), (record["mode"], run_id, observed)
        if record["mode"] == "held":
            assert set(record["counts"]["runs"]) == {base_run}, "a connection held open keeps reading the old file"
        else:
            seen_runs |= set(record["counts"]["runs"])
    assert seen_runs == set(complete), "fresh connections should have seen both runs arrive"


def test_rerun_adds_no_rows_to_any_published_table_and_a_changed_extract_is_a_new_run(small_files, key_env,
                                                                                     tmp_path):
    from shellring.flows.orchestration.audit import CODE_VERSION
    from shellring.flows.orchestration.digests import file_sha256

    db = tmp_path / "results.duckdb"
    first = _run_in_process(small_files, db, "idem")
    con = duckdb.connect(str(db), read_only=True)
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall()]
    con.close()
    assert set(PUBLISHED_TABLES) <= set(tables)
    before = {t: _counts_of(db, t) for t in tables}
    again = _run_in_process(small_files, db, "idem")
    assert again["run_id"] == first["run_id"]
    assert {t: _counts_of(db, t) for t in tables} == before

    con = duckdb.connect(str(db), read_only=True)
    inputs, parameters, code = con.execute("select inputs, parameters, code_version from runs").fetchone()
    con.close()
    assert json.loads(inputs) == {str(Path(p).resolve()): file_sha256(Path(p))
                                  for p in (small_files.registrations, small_files.accounts)}
    assert json.loads(parameters)["settings"]["link_threshold"] > 0 and code == CODE_VERSION

    changed = tmp_path / "accounts-changed.csv"  # the same extract less its last row
    changed.write_bytes(b"".join(Path(small_files.accounts).read_bytes().splitlines(keepends=True)[:-1]))
    from shellring.flows.orchestration.audit import audit_flow

    third = audit_flow(registrations=[str(small_files.registrations)], accounts=[str(changed)], db=str(db),
                       region="idem")
    assert third["run_id"] != first["run_id"]
    counts = _counts(db)
    assert set(counts["runs"]) == {first["run_id"], third["run_id"]}
    assert {t: counts[t].get(first["run_id"], 0) for t in PUBLISHED_TABLES} == \
        {t: before[t].get(first["run_id"], 0) for t in PUBLISHED_TABLES}


def _counts_of(db: Path, table: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        has_run_id = con.execute("select count(*) from information_schema.columns where table_name = ? "
                                 "and column_name = 'run_id'", [table]).fetchone()[0]
        if has_run_id:
            return dict(con.execute(f'select run_id, count(*) from "{table}" group by run_id').fetchall())
        return con.execute(f'select count(*) from "{table}"').fetchone()[0]
    finally:
        con.close()


# ---- retries -------------------------------------------------------------------------------------------------

@flow(name="ingest-only")
def _ingest_only(ws_root: str, registrations: list[str], accounts: list[str]) -> dict:
    from shellring.flows.orchestration.audit import ingest_task

    return ingest_task(ws_root, registrations, accounts, "retry-test", None)


def _workspace(tmp_path: Path) -> str:
    from shellring.flows.core.workspace import Workspace

    return str(Workspace.for_results(tmp_path / "results.duckdb", "retry-test").root)


def _counting(monkeypatch, module, name: str, after_first_failure=None) -> list[float]:
    """Count calls of module.name; after the first failing call, run after_first_failure (the fix arriving)."""
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(time.monotonic())
        try:
            return real(*args, **kwargs)
        except Exception:
            if len(calls) == 1 and after_first_failure:
                threading.Timer(0.5, after_first_failure).start()
            raise

    monkeypatch.setattr(module, name, counted)
    return calls


def test_ingest_retries_a_file_that_appears_late(small_files, key_env, tmp_path, monkeypatch):
    from shellring.flows.orchestration.audit import TRANSIENT_RETRY_DELAYS
    from shellring.flows.pipeline import stages

    late = tmp_path / "incoming" / "registrations.csv"
    late.parent.mkdir()
    calls = _counting(monkeypatch, stages, "ingest", lambda: shutil.copyfile(small_files.registrations, late))
    report = _ingest_only(_workspace(tmp_path), [str(late)], [str(small_files.accounts)])
    assert report["registrations"]["rows_loaded"] > 0
    assert len(calls) == 2
    assert calls[1] - calls[0] >= TRANSIENT_RETRY_DELAYS[0] * 0.9  # backoff, not a hot loop


def test_ingest_does_not_retry_a_bad_extract(small_files, key_env, tmp_path, monkeypatch):
    from shellring.flows.pipeline import stages
    from shellring.flows.pipeline.columns import ExtractError

    calls = _counting(monkeypatch, stages, "ingest")
    bad = tmp_path / "registrations.csv"
    bad.write_text("name,colour\nfoo,blue\n", encoding="utf-8")
    with pytest.raises(ExtractError):
        _ingest_only(_workspace(tmp_path), [str(bad)], [str(small_files.accounts)])
    assert len(calls) == 1


def test_publish_retries_a_results_folder_briefly_unavailable(baseline, key_env, tmp_path, monkeypatch):
    from shellring.flows.orchestration import audit
    from shellring.flows.orchestration.audit import TRANSIENT_RETRY_DELAYS, publish_task

    base_db, base_run = baseline
    work_db = base_db.parent / f".{base_db.name}.work" / base_run / "work.duckdb"
    blocker = tmp_path / "share"
    blocker.write_text("not yet mounted")  # a file where the results folder should be: mkdir fails
    calls = _counting(monkeypatch, audit, "publish", blocker.unlink)

    @flow(name="publish-only")
    def publish_only() -> str:
        return publish_task(str(work_db.parent), str(blocker / "results.duckdb"), {"run_id": base_run,
                                                                                   "status": "succeeded"})

    published = Path(publish_only())
    assert len(calls) == 2 and calls[1] - calls[0] >= TRANSIENT_RETRY_DELAYS[0] * 0.9
    assert _counts(published)["clusters"] == {base_run: _expected_counts(base_db, base_run)["clusters"]}


def test_retry_condition_refuses_data_and_key_errors():
    from prefect.states import Failed

    from shellring.flows.orchestration.audit import retry_if_transient
    from shellring.flows.pipeline.columns import ExtractError
    from shellring.flows.pipeline.pseudonyms import MissingKeyError

    def decide(exc):
        return retry_if_transient(None, None, Failed(data=exc))

    from shellring.flows.pipeline.ingest import ExtractMissingError

    assert decide(FileNotFoundError("extract not there yet"))
    assert decide(ExtractMissingError("registrations.csv: no such file"))
    assert decide(duckdb.IOException("Could not set lock on file"))
    assert not decide(ExtractError("missing required column uscc"))
    assert not decide(MissingKeyError("no key"))
    assert not decide(ValueError("a bug"))


# ---- values never spliced into SQL; owner-only files -------------------------------------------------------------

HOSTILE_REGION = "x'; drop table runs; --"


@pytest.fixture(scope="module")
def hostile_run(small_files, key_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("q") / "it's \"quoted\"; drop table runs; --"
    db = folder / "res'ults.duckdb"
    summary = _run_in_process(small_files, db, HOSTILE_REGION)
    return db, summary


def test_hostile_region_and_quoted_path_are_data_not_sql(hostile_run):
    db, summary = hostile_run
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select region from runs where run_id = ?", [summary["run_id"]]).fetchone() == \
            (HOSTILE_REGION,)
        assert con.execute("select count(*) from clusters where run_id = ?", [summary["run_id"]]).fetchone()[0] \
            == summary["clusters"] > 0
    finally:
        con.close()
    work = duckdb.connect(summary["working_db"], read_only=True)
    assert work.execute("select region from run_params").fetchone() == (HOSTILE_REGION,)
    work.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_results_working_db_and_lock_are_owner_only(hostile_run):
    db, summary = hostile_run
    work_db = Path(summary["working_db"])
    assert _mode(db) == 0o600
    assert _mode(work_db) == 0o600
    assert _mode(db.with_name(db.name + ".lock")) == 0o600
    assert _mode(work_db.parent) == 0o700 and _mode(work_db.parent.parent) == 0o700
    leaked = [p for p in db.parent.rglob("*") if p.is_file() and _mode(p) & 0o077 and p.stat().st_size > 0]
    assert leaked == []
