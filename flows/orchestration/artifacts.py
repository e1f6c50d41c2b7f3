"""Prefect artifacts for a finished run: the top flagged clusters and a run summary, keyed per region.

Both are read back from the published results DB, so they show what analysts will see. Keys are
stable per region (`shellring-<region>-top-clusters`, `shellring-<region>-summary`), so the Prefect
UI keeps their history run after run. Nothing here carries raw IDs, phones or account numbers.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from uuid import UUID

import duckdb

from shellring.flows.core.masking import mask_text

TOP_CLUSTERS = 20
CHANGE_KINDS = ("new", "grown", "merged", "split")


def region_slug(region: str) -> str:
    """Artifact keys allow only lowercase letters, digits and dashes; other names get a short hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", region.lower()).strip("-")
    if slug != region.lower() or not slug:
        slug = f"{slug}-{hashlib.sha256(region.encode()).hexdigest()[:6]}".strip("-")
    return slug


def artifact_keys(region: str) -> dict[str, str]:
    slug = region_slug(region)
    return {"top_clusters": f"shellring-{slug}-top-clusters", "summary": f"shellring-{slug}-summary"}


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [table]
    ).fetchone()[0] > 0


def top_clusters(con: duckdb.DuckDBPyConnection, run_id: str, limit: int = TOP_CLUSTERS) -> list[dict]:
    rows = con.execute(
        """
        select cluster_id, n_companies, n_window_companies, round(risk_score, 1), reasons, link_reasons
        from clusters
        where run_id = ? and flagged
        order by risk_score desc, n_companies desc, cluster_id
        limit ?
        """,
        [run_id, limit],
    ).fetchall()
    names = ["cluster_id", "companies", "companies_in_window", "risk", "reasons", "link_reasons"]
    table = [dict(zip(names, row)) for row in rows]
    for row in table:  # reasons are template text with counts, masked anyway in case a template changes
        row["reasons"] = mask_text(row["reasons"])
    return table


def _run_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    row = con.execute(
        """
        select region, since, until, n_registrations, n_accounts, n_clusters, n_flagged, n_rejected,
               started_at, finished_at
        from runs where run_id = ?
        """,
        [run_id],
    ).fetchone()
    if row is None:
        raise LookupError(f"run {run_id} is not in the results DB")
    names = ["region", "since", "until", "registrations", "accounts", "clusters", "flagged", "rejected",
             "started_at", "finished_at"]
    return dict(zip(names, row))


def rejected_by_reason(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, int]]:
    return con.execute(
        "select reason || if(action = 'skipped', ' (not a record, skipped)', '') as reason, count(*) as n "
        "from rejected_rows where run_id = ? group by 1 order by n desc, reason",
        [run_id],
    ).fetchall()


def cluster_changes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, list[tuple]] | None:
    """New / grown / merged / split clusters against the previous run; None when there is no history."""
    if not _has_table(con, "cluster_changes"):
        return None
    rows = con.execute(
        """
        select ch.change, ch.cluster_id, ch.related_cluster_ids, ch.companies_added, ch.companies_removed,
               ch.previous_run_id
        from cluster_changes as ch
        left join clusters as c using (run_id, cluster_id)
        where ch.run_id = ?
        order by ch.change, c.risk_score desc nulls last, ch.cluster_id
        """,
        [run_id],
    ).fetchall()
    if not rows or all(row[5] is None for row in rows):
        return None
    changes: dict[str, list[tuple]] = {}
    for change, *rest in rows:
        changes.setdefault(str(change), []).append(tuple(rest))
    return changes


def _md_cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _count(companies) -> int | None:
    """companies_added / _removed hold the USCCs; the summary shows how many."""
    return len(companies) if isinstance(companies, (list, tuple)) else companies


def _changes_markdown(changes: dict[str, list[tuple]] | None, shown: int = 10) -> list[str]:
    if changes is None:
        return ["## Changes since the last run", "", "No history yet: this is the region's first run "
                "with cluster history in this results DB.", ""]
    previous = next((row[4] for rows in changes.values() for row in rows if row[4] is not None), None)
    lines = ["## Changes since the last run", "", f"Compared with run `{previous}`.", "",
             "| change | clusters |", "|---|---|"]
    kinds = [*CHANGE_KINDS, *sorted(k for k in changes if k not in CHANGE_KINDS)]
    lines += [f"| {kind} | {len(changes.get(kind, []))} |" for kind in kinds]
    lines.append("")
    for kind in CHANGE_KINDS:
        rows = changes.get(kind, [])
        if not rows:
            continue
        lines += [f"### {kind.capitalize()} clusters", "",
                  "| cluster | related clusters | companies added | companies removed |", "|---|---|---|---|"]
        for cluster_id, related, added, removed, _ in rows[:shown]:
            related_text = ", ".join(related) if isinstance(related, list) else related
            lines.append(f"| {_md_cell(cluster_id)} | {_md_cell(related_text)} | {_md_cell(_count(added))} "
                         f"| {_md_cell(_count(removed))} |")
        if len(rows) > shown:
            lines.append(f"| … {len(rows) - shown} more | | | |")
        lines.append("")
    return lines


def summary_markdown(con: duckdb.DuckDBPyConnection, run_id: str, results_db: Path, working_db: Path | None,
                     top: list[dict]) -> str:
    counts = _run_counts(con, run_id)
    window = f"{counts['since'] or 'open'} .. {counts['until'] or 'open'}"
    lines = [
        f"# shellring run `{run_id}` — region {counts['region']}", "",
        f"Accounts opened {window}; run {counts['started_at']:%Y-%m-%d %H:%M} – {counts['finished_at']:%H:%M} UTC.", "",
        "| | |", "|---|---|",
        f"| registrations loaded | {counts['registrations']:,} |",
        f"| accounts loaded | {counts['accounts']:,} |",
        f"| clusters (2+ companies) | {counts['clusters']:,} |",
        f"| flagged clusters | {counts['flagged']:,} |",
        f"| rejected rows | {counts['rejected']:,} |", "",
        "## Rejected rows by reason", "",
    ]
    rejected = rejected_by_reason(con, run_id)
    if rejected:
        lines += ["| reason | rows |", "|---|---|", *[f"| {_md_cell(r)} | {n:,} |" for r, n in rejected], ""]
    else:
        lines += ["None.", ""]
    if top:
        lines += ["## Top flagged clusters", "", "| cluster | companies | risk |", "|---|---|---|",
                  *[f"| {row['cluster_id']} | {row['companies']} | {row['risk']} |" for row in top[:5]], ""]
    lines += _changes_markdown(cluster_changes(con, run_id))
    lines += [
        "## Where the results are", "",
        f"- results DB: `{results_db}` — open read-only, e.g. `duckdb -readonly {results_db}`, then "
        f"`select * from clusters where run_id = '{run_id}' and flagged order by risk_score desc`",
        *([f"- working DB (raw and intermediate tables, not for sharing): `{working_db}`"] if working_db else []),
        "",
    ]
    return "\n".join(lines)


def create_run_artifacts(results_db: Path, run_id: str, region: str, working_db: Path | None = None) -> dict[str, UUID]:
    """Create the two artifacts for a published run; returns their ids by kind."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    keys = artifact_keys(region)
    con = duckdb.connect(str(results_db), read_only=True)
    try:
        top = top_clusters(con, run_id)
        markdown = summary_markdown(con, run_id, results_db, working_db, top)
    finally:
        con.close()
    table_id = create_table_artifact(
        table=top or [{"cluster_id": "", "companies": 0, "companies_in_window": 0, "risk": 0.0,
                       "reasons": "no flagged clusters", "link_reasons": ""}],
        key=keys["top_clusters"],
        description=f"Top {TOP_CLUSTERS} flagged clusters of run {run_id} ({region})",
    )
    summary_id = create_markdown_artifact(markdown=markdown, key=keys["summary"],
                                          description=f"Run {run_id} ({region})")
    return {"top_clusters": table_id, "summary": summary_id}
