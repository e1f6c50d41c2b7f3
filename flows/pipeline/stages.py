"""The audit job's stages as plain functions over a workspace (no Prefect here).

Each stage opens the run's working DuckDB file, runs its declared steps (flows/pipeline/plan.py) and
returns small counts; the Prefect flow in `shellring.flows.orchestration.audit` wraps each as a task.
Tests call these directly.
"""

from __future__ import annotations

from pathlib import Path

from shellring.flows.core.settings import Settings
from shellring.flows.core.workspace import Workspace, connect
from shellring.flows.pipeline.lineage import history_summary
from shellring.flows.pipeline.plan import RunContext, run_stage


def _count(con, table: str, where: str = "true") -> int:
    return con.execute(f"select count(*) from {table} where {where}").fetchone()[0]


def ingest(ws: Workspace, registrations: list[Path], accounts: list[Path], run_id: str,
           mapping: Path | None = None, regions: dict[str, str] | None = None) -> dict:
    ctx = RunContext(ws, Settings(), run_id=run_id, registrations=tuple(registrations), accounts=tuple(accounts),
                     mapping=mapping, regions=regions or {})
    with connect(ws) as con:
        return run_stage(con, "ingest", ctx).outcomes["ingest"]


def normalize(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        return run_stage(con, "normalize", RunContext(ws, settings)).outcomes["normalize"]


def stage(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        run_stage(con, "stage", RunContext(ws, settings))
        return {"companies": _count(con, "stg_companies"), "accounts": _count(con, "stg_accounts")}


def link(ws: Workspace, settings: Settings, national_hubs: Path | None = None, key: bytes | None = None) -> dict:
    with connect(ws, settings) as con:
        run_stage(con, "link", RunContext(ws, settings, national_hubs=national_hubs, key=key))
        return {
            "evidence_rows": _count(con, "pair_evidence"),
            "links": _count(con, "company_links", "is_link"),
            "hub_values": _count(con, "attribute_values", "is_hub"),
        }


def apply_link_verdicts(ws: Workspace, settings: Settings, results_db: Path | None) -> dict:
    """Snapshot analysts' verdicts; links marked false are left out of company_links_kept."""
    with connect(ws, settings) as con:
        ctx = run_stage(con, "verdicts", RunContext(ws, settings, results_db=results_db))
        return {"verdicts": ctx.outcomes["analyst_verdicts"], "links_dropped": _count(con, "dropped_links")}


def cluster(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        return run_stage(con, "cluster", RunContext(ws, settings)).outcomes["company_clusters"]


def score(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        run_stage(con, "score", RunContext(ws, settings))
        return {"flagged": _count(con, "cluster_scores", "flagged")}


def track_history(ws: Workspace, settings: Settings, results_db: Path | None) -> dict:
    """Stable cluster ids against the region's previous published run, changes, cluster verdicts."""
    with connect(ws, settings) as con:
        ctx = run_stage(con, "history", RunContext(ws, settings, results_db=results_db))
        return history_summary(con, ctx.outcomes["history_inputs"]["previous_run_id"])


def build_marts(ws: Workspace, settings: Settings, key: bytes) -> dict:
    with connect(ws, settings) as con:
        run_stage(con, "marts", RunContext(ws, settings, key=key))
        return {
            "clusters": _count(con, "pub_clusters"),
            "flagged": _count(con, "pub_clusters", "flagged"),
            "hubs": _count(con, "pub_hubs"),
            "rejected": _count(con, "rejected_rows", "action <> 'skipped'"),
            "skipped": _count(con, "rejected_rows", "action = 'skipped'"),
        }
