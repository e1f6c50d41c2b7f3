"""The project's one exception base: every error shellring raises on purpose derives from `ShellringError`.

Each error type says for itself whether waiting and trying again could help (`transient`): an extract still
being copied in could, a bad header or a missing key could not. The flow's retry rule
(`shellring.flows.orchestration.audit.is_transient`) reads that flag instead of listing types, so a new error
type only has to declare it. The subclasses keep their older built-in bases (ValueError, FileNotFoundError…)
so that `except` clauses written against those still catch them.
"""

from __future__ import annotations


class ShellringError(Exception):
    """An error shellring raises on purpose; its message names the file, field or step it concerns."""

    transient: bool = False
    """True when the same call may succeed later unchanged (a file still arriving), so the flow retries it."""
