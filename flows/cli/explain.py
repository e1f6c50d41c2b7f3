"""`shellring explain CLUSTER_ID --db RESULTS`: one cluster's reasons, members (masked) and strongest links in
the terminal, in the report's words (flows/results/report.py loads them; nothing here re-reads raw data)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shellring.flows.cli.inputs import require_files

STRONGEST_LINKS = 10
MEMBER_COLUMNS = ["new_member", "uscc", "company_name", "legal_rep_name_masked", "legal_rep_id_masked",
                  "phone_masked", "reg_date", "first_open_date", "days_to_first_account"]
LINK_COLUMNS = ["uscc_a", "uscc_b", "reason", "score", "evidence"]


def _table(title: str, columns: list[str], rows: list[dict], lang: str) -> Table:
    from shellring.flows.results.report import header

    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:  # on a narrow terminal every column folds, so none is squeezed to nothing
        prose = column in ("company_name", "evidence", "reason")
        table.add_column(header(column, lang), overflow="fold", ratio=3 if prose else 1, min_width=6)
    for row in rows:
        table.add_row(*(escape("" if row.get(c) is None else str(row.get(c))) for c in columns))
    return table


def explain_command(
    cluster_id: str = typer.Argument(..., help="the cluster's id (C…), as the report and review page show it"),
    db: Path = typer.Option(..., "--db", help="published results DuckDB file"),
    lang: str = typer.Option("zh", "--lang", help="zh or en"),
    run_id: str | None = typer.Option(None, "--run-id", help="a run other than the latest"),
) -> None:
    """Print one cluster's reasons, masked members and strongest links."""
    from shellring.flows.core.rules import sentence
    from shellring.flows.results.report import load_report

    err = Console(stderr=True)
    require_files(db)
    try:
        data = load_report(db, run_id=run_id, cluster_id=cluster_id, lang=lang, pictures=False)
    except LookupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    cluster = data.clusters[0]
    out = Console(highlight=False)
    change = f" · {cluster['change']}" if cluster["change"] else ""
    verdict = f" · {sentence('column.verdict', lang)}: {cluster['verdict']}" if cluster.get("verdict") else ""
    out.print(f"[bold]{escape(sentence('page.cluster', lang))} {escape(cluster_id)}[/bold]  "
              f"{escape(sentence('page.risk', lang))} [bold red]{cluster['risk_score']}[/bold red]  "
              f"{cluster['n_companies']} {escape(sentence('page.companies', lang))}{escape(change)}{escape(verdict)}"
              f"  ({escape(sentence('page.run', lang))} {escape(data.run_id)})")
    for key, text in (("page.reasons", cluster["reasons"]), ("page.mitigations", cluster["mitigations"])):
        lines = [line for line in (text or "").split("; ") if line]
        if lines:
            out.print(f"\n[bold]{escape(sentence(key, lang))}[/bold]")
            for number, line in enumerate(lines, 1):
                out.print(f"  {number}. {escape(line)}")
    out.print()
    out.print(_table(f"{sentence('page.members', lang)} ({len(data.members)})", MEMBER_COLUMNS, data.members, lang))
    strongest = data.links[:STRONGEST_LINKS]  # loaded strongest first
    out.print(_table(f"{sentence('page.strongest_links', lang)} ({len(strongest)}/{len(data.links)})",
                     LINK_COLUMNS, strongest, lang))
