"""The audit job's stages as plain functions over a workspace (no Prefect here).

Each stage opens the run's working DuckDB file, does one layer of work and returns small counts;
the Prefect flow in `shellring.flows.orchestration.audit` wraps each as a task. Tests call these directly.
"""

from __future__ import annotations

from pathlib import Path

from shellring.flows.pipeline.components import build_company_clusters
from shellring.flows.pipeline.fuzzy_evidence import build_fuzzy_evidence
from shellring.flows.pipeline.ingest import load_extracts
from shellring.flows.pipeline.lineage import track_cluster_history
from shellring.flows.pipeline.normalize import normalise_all
from shellring.flows.pipeline.pseudonyms import build_pseudonyms
from shellring.flows.core.masking import create_masking_macros
from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import memory_limit_mib, run_steps
from shellring.flows.results.verdicts import drop_false_links
from shellring.flows.core.workspace import Workspace, connect


def _count(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def ingest(ws: Workspace, registrations: list[Path], accounts: list[Path], run_id: str,
           mapping: Path | None = None) -> dict:
    with connect(ws) as con:
        con.execute("drop table if exists rejected_rows")
        reports = {}
        for kind, paths in (("registrations", registrations), ("accounts", accounts)):
            report = load_extracts(con, paths, kind, run_id=run_id, workdir=ws.scratch, mapping=mapping)
            reports[kind] = report.__dict__
        return reports


def normalise(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        # This stage's SQL is only DISTINCT queries; the memory belongs to the Python parsers, so
        # DuckDB gives back cached extract pages above half its budget.
        con.execute("set memory_limit = ?", [f"{max(64, int(memory_limit_mib(con) / 2))}MiB"])
        return normalise_all(con, ws.scratch)


def stage(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        run_steps(con, ["staging/companies", "staging/accounts"])
        return {"companies": _count(con, "stg_companies"), "accounts": _count(con, "stg_accounts")}


def link(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        run_steps(con, ["linking/company_attributes", "linking/shared_value_evidence", "linking/weak_evidence"])
        build_fuzzy_evidence(con)
        run_steps(con, ["linking/company_links"])
        return {
            "evidence_rows": _count(con, "pair_evidence"),
            "links": con.execute("select count(*) from company_links where is_link").fetchone()[0],
            "hub_values": con.execute("select count(*) from attribute_values where is_hub").fetchone()[0],
        }


def apply_link_verdicts(ws: Workspace, settings: Settings, results_db: Path | None) -> dict:
    """Snapshot analysts' verdicts; links marked false leave company_links before clustering."""
    with connect(ws, settings) as con:
        return drop_false_links(con, results_db)


def cluster(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        return build_company_clusters(con, settings.link_threshold, settings.cluster_resolution,
                                      settings.max_cluster_size, settings.merge_density, settings.merge_min_pairs,
                                      tuple(settings.attach_context_families), settings.attach_fresh_days,
                                      settings.attach_min_coverage, settings.nominee_min_companies)


def score(ws: Workspace, settings: Settings) -> dict:
    with connect(ws, settings) as con:
        run_steps(con, ["clusters/company_features", "clusters/cluster_features", "clusters/cluster_scores"])
        return {"flagged": con.execute("select count(*) from cluster_scores where flagged").fetchone()[0]}


def track_history(ws: Workspace, settings: Settings, results_db: Path | None) -> dict:
    """Stable cluster ids against the region's previous published run, changes, cluster verdicts."""
    with connect(ws, settings) as con:
        return track_cluster_history(con, results_db)


def build_marts(ws: Workspace, settings: Settings, key: bytes) -> dict:
    with connect(ws, settings) as con:
        build_pseudonyms(con, key)
        create_masking_macros(con)
        run_steps(con, ["marts/published_hubs", "marts/published_tables"])
        return {
            "clusters": _count(con, "pub_clusters"),
            "flagged": con.execute("select count(*) from pub_clusters where flagged").fetchone()[0],
            "hubs": _count(con, "pub_hubs"),
            "rejected": con.execute("select count(*) from rejected_rows").fetchone()[0],
        }
