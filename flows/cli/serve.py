"""`shellring serve`: one long-lived process that runs every configured region on its schedule.

Each region becomes a deployment of `regional_audit` named after the region, with the region's cron
schedule in its own timezone; `prefect.serve` registers them with the Prefect API (PREFECT_API_URL)
and runs their flow runs in subprocesses of this process until it is stopped.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

err = Console(stderr=True)


def build_deployments(regions_file: Path, only: list[str] | None = None) -> list:
    """One RunnerDeployment per region (all, or the named ones); the regions file is passed by absolute path."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from shellring.flows.orchestration.regions import RegionsError, load_regions
    from shellring.flows.orchestration.scheduled import regional_audit

    regions_file = Path(regions_file).resolve()
    regions = load_regions(regions_file)
    unknown = sorted(set(only or []) - set(regions))
    if unknown:
        raise RegionsError(f"{regions_file}: no region {', '.join(unknown)} (configured: {', '.join(sorted(regions))})")
    chosen = [name for name in regions if not only or name in only]
    return [
        regional_audit.to_deployment(
            name=name,
            # Prefect 3.9's to_deployment takes no timezone argument: the schedule object carries it.
            schedules=[Cron(regions[name].cron, timezone=regions[name].timezone)],
            parameters={"region": name, "regions_file": str(regions_file)},
            description=f"shellring audit of region {name}: accounts opened in the last "
                        f"{regions[name].window_days} days, results in {regions[name].db}",
            tags=["shellring", f"region-{name}"],
            # Module path, not file path: served runs then import the installed package from any folder.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for name in chosen
    ]


def serve(
    regions: Path = typer.Option(..., "--regions", help="regions TOML file (see regions.example.toml)"),
    only: list[str] | None = typer.Option(None, "--region", help="serve only this region (repeatable)"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="at most this many runs at once"),
) -> None:
    """Serve one scheduled deployment per region from this process (needs a Prefect server: PREFECT_API_URL)."""
    from shellring.flows.orchestration.regions import RegionsError

    try:
        deployments = build_deployments(regions, only)
    except RegionsError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    from prefect import serve as prefect_serve

    prefect_serve(*deployments, limit=limit)
