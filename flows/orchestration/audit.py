"""The audit flow: extracts -> DuckDB -> linked, clustered, scored companies -> published DB.

Tasks pass paths and small dicts only; all data stays in the run's working DuckDB file.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import time
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task

from shellring.flows.core.errors import ShellringError
from shellring.flows.core.settings import Settings
from shellring.flows.core.workspace import Workspace, write_run_params
from shellring.flows.orchestration import digests, progress
from shellring.flows.orchestration.artifacts import create_run_artifacts
from shellring.flows.pipeline import stages
from shellring.flows.pipeline.plan import assert_plan
from shellring.flows.pipeline.pseudonyms import load_key
from shellring.flows.results.publish import publish

CODE_VERSION = version("shellring")
CORE_DEPENDENCIES = {"polars", "duckdb", "rapidfuzz", "prefect", "igraph", "numpy", "scipy", "pyarrow"}


def dependency_versions() -> dict[str, str]:
    """Installed versions of the project's runtime dependencies (and Python), for the run manifest."""
    declared = {re.split(r"[\s;<>=!~\[]", req, maxsplit=1)[0].lower()
                for req in requires("shellring") or [] if "extra ==" not in req}
    names = sorted(declared | CORE_DEPENDENCIES)  # the installed metadata can lag pyproject.toml
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def make_run_id(inputs: dict[str, str], region: str, since: date | None, until: date | None,
                settings: Settings) -> str:
    """Same extracts, region, window, settings and code -> same run id (reruns replace, not duplicate)."""
    material = json.dumps(
        {"inputs": inputs, "region": region, "since": str(since), "until": str(until),
         "settings": settings.model_dump(), "code": CODE_VERSION},
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _timed(name: str, fn, windows: list[tuple[str, float, float]], *args):
    """Run one stage, recording its wall-clock window (benchmarks attribute memory to stages by it)."""
    shown = progress.current()
    if shown:
        shown.started(name)
    started = time.time()
    result = fn(*args)
    windows.append((name, started, time.time()))
    if shown:
        shown.finished(name, windows[-1][2] - started, result)
    get_run_logger().info("%s done in %.2fs: %s", name, windows[-1][2] - started, result)
    return result


def _seconds(windows: list[tuple[str, float, float]]) -> dict[str, float]:
    return {name: round(end - start, 3) for name, start, end in windows}


def _create_artifacts(results_db: Path, run_id: str, region: str, working_db: Path) -> None:
    """Artifacts are a view of results already published: failing to make them must not fail the run."""
    try:
        create_run_artifacts(results_db, run_id, region, working_db)
    except Exception as exc:
        get_run_logger().warning("run %s: artifacts not created: %s", run_id, exc)


# A file still being copied in, briefly locked, or a share that blinked: worth waiting for.
# A bad extract or a missing key is not; it fails at once with its own message.
TRANSIENT_RETRY_DELAYS = [2, 10, 30]


def is_transient(exc: BaseException | None) -> bool:
    """Our own errors say whether a retry could help (`ShellringError.transient`, e.g. an extract still
    missing); anything else is transient only when it is I/O (a locked file, a share that blinked)."""
    if isinstance(exc, ShellringError):
        return exc.transient
    return isinstance(exc, (OSError, duckdb.IOException))


def retry_if_transient(task, task_run, state) -> bool:
    """Prefect retry_condition_fn: retry only transient I/O failures."""
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return is_transient(exc if isinstance(exc, BaseException) else None)


@task(name="ingest", retries=len(TRANSIENT_RETRY_DELAYS), retry_delay_seconds=TRANSIENT_RETRY_DELAYS,
      retry_condition_fn=retry_if_transient)
def ingest_task(ws_root: str, registrations: list[str], accounts: list[str], run_id: str,
                mapping: str | None, regions: dict[str, str] | None = None) -> dict:
    return stages.ingest(Workspace(Path(ws_root)), [Path(p) for p in registrations],
                         [Path(p) for p in accounts], run_id, Path(mapping) if mapping else None, regions)


def _distributed(dask: dict, ws: Workspace) -> tuple:
    """(client, partitions, shared folder) of a run on a Dask cluster the caller opened."""
    from shellring.flows.distributed.cluster import client_for

    shared = Path(dask["shared"]) / ws.root.name if dask.get("shared") else ws.root / "parts"
    shared.mkdir(parents=True, exist_ok=True, mode=0o700)  # raw personal data for the length of a stage
    return client_for(dask["address"]), int(dask["partitions"]), shared


@task(name="normalize")
def normalize_task(ws_root: str, settings: Settings, dask: dict | None = None) -> dict:
    if dask:
        from shellring.flows.distributed import stages as distributed

        return distributed.normalize(Workspace(Path(ws_root)), settings, *_distributed(dask, Workspace(Path(ws_root))))
    return stages.normalize(Workspace(Path(ws_root)), settings)


@task(name="stage")
def stage_task(ws_root: str, settings: Settings) -> dict:
    return stages.stage(Workspace(Path(ws_root)), settings)


@task(name="link")
def link_task(ws_root: str, settings: Settings, dask: dict | None = None, national_hubs: str | None = None,
              key_file: str | None = None) -> dict:
    hubs = Path(national_hubs).resolve() if national_hubs else None
    key = load_key(Path(key_file) if key_file else None) if hubs else None
    if dask:
        from shellring.flows.distributed import stages as distributed

        return distributed.link(Workspace(Path(ws_root)), settings, *_distributed(dask, Workspace(Path(ws_root))),
                                national_hubs=hubs, key=key)
    return stages.link(Workspace(Path(ws_root)), settings, hubs, key)


@task(name="verdicts")
def verdicts_task(ws_root: str, settings: Settings, db: str) -> dict:
    return stages.apply_link_verdicts(Workspace(Path(ws_root)), settings, Path(db).resolve())


@task(name="history")
def history_task(ws_root: str, settings: Settings, db: str) -> dict:
    return stages.track_history(Workspace(Path(ws_root)), settings, Path(db).resolve())


@task(name="cluster")
def cluster_task(ws_root: str, settings: Settings) -> dict:
    return stages.cluster(Workspace(Path(ws_root)), settings)


@task(name="score")
def score_task(ws_root: str, settings: Settings) -> dict:
    return stages.score(Workspace(Path(ws_root)), settings)


@task(name="marts")
def marts_task(ws_root: str, settings: Settings, key_file: str | None) -> dict:
    key = load_key(Path(key_file) if key_file else None)
    return stages.build_marts(Workspace(Path(ws_root)), settings, key)


@task(name="publish", retries=len(TRANSIENT_RETRY_DELAYS), retry_delay_seconds=TRANSIENT_RETRY_DELAYS,
      retry_condition_fn=retry_if_transient)
def publish_task(ws_root: str, db: str, run_row: dict) -> str:
    return str(publish(Workspace(Path(ws_root)).db, Path(db), run_row))


@flow(name="shellring-audit")
def audit_flow(
    registrations: list[str],
    accounts: list[str],
    db: str,
    region: str = "default",
    since: date | None = None,
    until: date | None = None,
    mapping: str | None = None,
    key_file: str | None = None,
    settings: Settings | None = None,
    regions: dict[str, str] | None = None,
    dask: dict | None = None,
    national_hubs: str | None = None,
) -> dict:
    """Run one audit: returns the run summary that the CLI prints.

    `regions` names the region of each extract file (a national run); `dask` ({"address", "partitions",
    "shared"}) runs the distributed stages on an open Dask cluster (shellring.flows.distributed);
    `national_hubs` names a national results DB whose published hubs are hubs in this run too."""
    logger = get_run_logger()
    settings = settings or Settings()
    assert_plan(settings)  # a rule without its numbers, or a step reading what nobody writes: refuse to start
    started_at = datetime.now(UTC).replace(tzinfo=None)
    load_key(Path(key_file) if key_file else None)  # refuse early, before any work, without a key
    inputs = digests.digests([*registrations, *accounts])  # begun early when the caller called digests.start
    run_id = make_run_id(inputs, region, since, until, settings)
    ws = Workspace.for_results(Path(db).resolve(), run_id)
    if ws.db.exists():
        ws.db.unlink()  # a rerun of the same run id starts its working DB afresh
    write_run_params(ws, run_id=run_id, region=region, since=since, until=until,
                     inputs=[Path(p) for p in [*registrations, *accounts]])
    root = str(ws.root)
    logger.info("run %s: region %s, window %s..%s, working DB %s", run_id, region, since, until, ws.db)

    windows: list[tuple[str, float, float]] = []
    loaded = _timed("ingest", ingest_task, windows, root, registrations, accounts, run_id, mapping, regions)
    _timed("normalize", normalize_task, windows, root, settings, dask)
    staged = _timed("stage", stage_task, windows, root, settings)
    linked = _timed("link", link_task, windows, root, settings, dask, national_hubs, key_file)
    _timed("verdicts", verdicts_task, windows, root, settings, db)
    clustered = _timed("cluster", cluster_task, windows, root, settings)
    _timed("score", score_task, windows, root, settings)
    _timed("history", history_task, windows, root, settings, db)
    marts = _timed("marts", marts_task, windows, root, settings, key_file)

    run_row = {
        "run_id": run_id,
        "region": region,
        "started_at": started_at,
        "finished_at": datetime.now(UTC).replace(tzinfo=None),
        "status": "succeeded",
        "since": since,
        "until": until,
        "n_registrations": loaded["registrations"]["rows_loaded"],
        "n_accounts": loaded["accounts"]["rows_loaded"],
        "n_rejected": marts["rejected"],
        "n_clusters": marts["clusters"],
        "n_flagged": marts["flagged"],
        "code_version": CODE_VERSION,
        "inputs": inputs,
        "parameters": {"settings": settings.model_dump(), "mapping": mapping},
        "stage_seconds": _seconds(windows),
        "dependencies": dependency_versions(),
        "language": settings.language,
    }
    published = _timed("publish", publish_task, windows, root, db, run_row)
    _create_artifacts(Path(published), run_id, region, ws.db)
    return {
        "run_id": run_id,
        "db": published,
        "working_db": str(ws.db),
        "companies": staged["companies"],
        "accounts": staged["accounts"],
        "links": linked["links"],
        "hub_values": linked["hub_values"],
        "clusters": clustered["clusters"],
        "flagged": marts["flagged"],
        "rejected": marts["rejected"],
        "rejects_by_reason": {
            kind: report.get("rejects_by_reason", {}) for kind, report in loaded.items()
        },
        # rows that are not records (titles, totals, signatures, spacers): in rejected_rows as 'skipped'
        "skipped": marts["skipped"],
        "skipped_by_reason": {kind: report.get("skipped_by_reason", {}) for kind, report in loaded.items()},
        # where each file's (and sheet's) header was found, which sheets were skipped and why
        "extract_layout": {kind: report.get("notes", []) for kind, report in loaded.items()},
        "precision_lost": {kind: report.get("precision_lost", {}) for kind, report in loaded.items()},
        "advice": [report["advice"] for report in loaded.values() if report.get("advice")],
        "stage_seconds": _seconds(windows),
        "stage_windows": windows,
    }
