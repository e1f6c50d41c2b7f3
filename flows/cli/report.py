"""`shellring report`: XLSX + HTML export of flagged clusters for case handlers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from shellring.flows.cli.inputs import require_files


def report_command(
    db: Path = typer.Option(..., "--db", help="published results DuckDB file"),
    out: Path = typer.Option(..., "--out", help="folder for the .xlsx and .html files"),
    cluster: str | None = typer.Option(None, "--cluster", help="only this cluster (flagged or not)"),
    top: int | None = typer.Option(None, "--top", min=1, help="only the N highest-scoring flagged clusters"),
    run_id: str | None = typer.Option(None, "--run-id", help="a run other than the latest"),
    lang: str = typer.Option("zh", "--lang", help="language of headers, reasons and page text: zh or en"),
) -> None:
    """Export flagged clusters, masked members, reasons and link evidence as XLSX and offline HTML."""
    from shellring.flows.results.report import write_report

    err = Console(stderr=True)
    require_files(db)
    try:
        files, data = write_report(db, out, run_id=run_id, cluster_id=cluster, top=top, lang=lang)
    except LookupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    Console().print(f"{len(data.clusters)} clusters, {len(data.members)} companies, {len(data.links)} links "
                    f"(run {data.run_id})\n{escape(str(files.xlsx))}\n{escape(str(files.html))}", highlight=False)
