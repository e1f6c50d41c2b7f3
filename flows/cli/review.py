"""`shellring review`: serve the review page for a results file (loopback only unless --host says otherwise)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from shellring.flows.cli.inputs import require_files
from shellring.flows.core.rules import LANGUAGES


def review_command(
    db: Path = typer.Option(..., "--db", help="published results DuckDB file (read-only; verdicts go beside it)"),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="address to listen on; any other than loopback serves other computers too"),
    port: int = typer.Option(8765, "--port", min=1, max=65535),
    lang: str = typer.Option("zh", "--lang", help=f"page language: {' | '.join(LANGUAGES)}"),
) -> None:
    """Serve a local page listing the latest run's clusters, one page per cluster, and a verdict form."""
    err = Console(stderr=True)
    if lang not in LANGUAGES:
        raise typer.BadParameter(f"choose one of {', '.join(LANGUAGES)}", param_hint="--lang")
    require_files(db)
    import uvicorn

    from shellring.flows.results.review_app import create_app, is_loopback

    app = create_app(db.resolve(), lang, host)
    if not is_loopback(host):
        err.print(f"[yellow]warning:[/yellow] listening on {escape(host)}: other computers can open the page")
    shown = f"[{host}]" if ":" in host else host
    Console().print(f"review page: http://{shown}:{port}/  (Ctrl-C stops it)", highlight=False)
    # proxy_headers off: behind no proxy, an X-Forwarded-For header must not change who the client is
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="warning")
