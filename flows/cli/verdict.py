"""`shellring verdict` / `shellring verdicts`: record and list analysts' verdicts on clusters and links.

Verdicts go to `RESULTS.verdicts.duckdb` beside the results file, never into the results file itself,
so writing one never waits for (or races) a run that is republishing the results.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from shellring.flows.results.verdicts import (
    CLUSTER_VERDICTS,
    LINK_VERDICTS,
    VerdictError,
    list_verdicts,
    record_cluster_verdict,
    record_link_verdict,
    verdicts_path,
)

app = typer.Typer(add_completion=False)
console = Console()
err = Console(stderr=True)


@app.command()
def verdict(
    db: Path = typer.Option(..., "--db", help="published results DuckDB file"),
    verdict: str = typer.Option(..., "--verdict",
                                help=f"cluster: {' | '.join(CLUSTER_VERDICTS)}; link: {' | '.join(LINK_VERDICTS)}"),
    by: str = typer.Option(..., "--by", help="who decides (recorded with the verdict)"),
    cluster: str | None = typer.Option(None, "--cluster", help="stable cluster id, e.g. C1a2b3c4d5e6f"),
    link: tuple[str, str] | None = typer.Option(None, "--link", help="the two USCCs of a published link"),
    note: str | None = typer.Option(None, "--note", help="why (IDs and phones in it are masked)"),
) -> None:
    """Record a verdict on a cluster (--cluster) or on a link (--link USCC_A USCC_B); later runs honour it."""
    if (cluster is None) == (link is None):
        err.print("[red]error:[/red] give exactly one of --cluster or --link")
        raise typer.Exit(2)
    try:
        if cluster is not None:
            row = record_cluster_verdict(db, cluster, verdict, by, note)
            target = row["cluster_id"]
        else:
            row = record_link_verdict(db, link[0], link[1], verdict, by, note)
            target = f"{row['uscc_a']} - {row['uscc_b']}"
    except VerdictError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"verdict {row['verdict_id']}: {target} {row['verdict']} by {row['made_by']} "
                  f"(run {row['run_id']}) -> {verdicts_path(db)}")


@app.command("verdicts")
def verdicts(
    db: Path = typer.Option(..., "--db", help="published results DuckDB file"),
    history: bool = typer.Option(False, "--history", help="every verdict made, not only those in force"),
) -> None:
    """List the verdicts in force (latest per cluster or link), or all of them with --history."""
    rows = list_verdicts(db, history=history)
    table = Table(title=f"verdicts for {db}" + (" (history)" if history else " in force"))
    for column in ("id", "made at (UTC)", "by", "target", "verdict", "run", "note"):
        table.add_column(column)
    for row in rows:
        target = row["cluster_id"] if row["target"] == "cluster" else f"{row['uscc_a']} - {row['uscc_b']}"
        table.add_row(str(row["verdict_id"]), f"{row['made_at']:%Y-%m-%d %H:%M}", row["made_by"], target,
                      row["verdict"], row["run_id"] or "", row["note"] or "")
    console.print(table)
