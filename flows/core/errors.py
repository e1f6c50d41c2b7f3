"""One base for the job's own errors; `transient` says whether waiting and retrying can help."""

from __future__ import annotations


class ShellringError(Exception):
    """An error the job raises on purpose, with a message that names what is wrong."""

    transient: bool = False
