"""Prefect's temporary server, given the time a busy machine needs to start it.

With no Prefect server configured, a flow run starts a temporary one and waits for it
PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (Prefect's default: 20 s). A first run on a fresh
install migrates the server's database first, and with other work on the machine that took longer:
`shellring demo` stopped with "Timed out while attempting to connect to ephemeral Prefect API server".
The job waits longer unless the user chose a value, and says which setting to raise if even that fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

SETTING = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
PREFECT_DEFAULT_SECONDS = 20
PATIENT_SECONDS = 180
_TIMEOUT_MESSAGE = "Timed out while attempting to connect to ephemeral Prefect API server"


@contextmanager
def patient_temporary_server() -> Iterator[int]:
    """Within the block, the temporary server may take PATIENT_SECONDS to start, unless the user set the
    timeout (environment or Prefect profile); yields the timeout in force."""
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as timeout
    from prefect.settings import temporary_settings

    if SETTING in os.environ or timeout.value() != PREFECT_DEFAULT_SECONDS:
        yield timeout.value()
        return
    with temporary_settings({timeout: PATIENT_SECONDS}):
        yield PATIENT_SECONDS


def explain_startup_failure(exc: BaseException) -> str | None:
    """A plain message for a temporary server that did not start in time, naming the setting to raise."""
    if _TIMEOUT_MESSAGE not in str(exc):
        return None
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as timeout

    return (f"Prefect's temporary server did not start within {timeout.value()} s (a busy machine, or its first "
            f"start on a fresh install). Raise {SETTING} (e.g. export {SETTING}=600), or point PREFECT_API_URL "
            "at a running `prefect server start`.")
