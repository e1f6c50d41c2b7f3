"""Checks on a command's input files, said the same way by every command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape


def require_files(*paths: Path) -> None:
    """Stop the command (exit 2) naming the first path that is not a file."""
    for path in paths:
        if not path.is_file():
            Console(stderr=True).print(f"[red]error:[/red] no such file: {escape(str(path))}")
            raise typer.Exit(2)
