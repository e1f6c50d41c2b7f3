"""Shared fixtures: one demo run through the real Prefect flow per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TEST_KEY = "shellring-test-key-0123456789abcdef"


def pytest_collection_modifyitems(items):
    """Property-based tests run first, before any flow has started Prefect's client threads.

    Hypothesis seeds the shared `random` generator around each draw and warns when it moved meanwhile; Prefect's
    background threads (retry jitter) draw from it while a later property test is generating, which printed
    "do not use the random module inside strategies" on tests that never use it.
    """
    items.sort(key=lambda item: not getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    from shellring.flows.demo.generate import generate_demo

    return generate_demo(tmp_path_factory.mktemp("demo"), n_companies=4000, seed=11)


@pytest.fixture(scope="session")
def key_env():
    previous = os.environ.get("SHELLRING_KEY")
    os.environ["SHELLRING_KEY"] = TEST_KEY
    yield TEST_KEY
    if previous is None:
        os.environ.pop("SHELLRING_KEY", None)
    else:
        os.environ["SHELLRING_KEY"] = previous


@pytest.fixture(scope="session")
def demo_run(demo_files, key_env, tmp_path_factory):
    """The audit flow (real Prefect, temporary server) on the demo extracts; returns (summary, db path)."""
    from shellring.flows.orchestration.audit import audit_flow

    db = tmp_path_factory.mktemp("results") / "results.duckdb"
    summary = audit_flow(
        registrations=[str(demo_files.registrations)], accounts=[str(demo_files.accounts)], db=str(db),
        region="test-region",
    )
    return summary, Path(db)


@pytest.fixture(scope="session", autouse=True)
def _stop_temporary_prefect_server():
    """Stop Prefect's temporary server while pytest still captures output.

    Left to Prefect's exit hook, it logs "Stopping temporary server" to a stream pytest has already closed,
    and every CI log ends in a logging traceback."""
    yield
    if "prefect.server.api.server" not in sys.modules:
        return  # no temporary server can have started; importing the server module alone takes seconds
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.server.api.server import SubprocessASGIServer

    if None in SubprocessASGIServer._instances:  # started without a port: the temporary server
        APILogWorker.drain_all(timeout=5)  # deliver queued logs and events while the server still runs
        EventsWorker.drain_all(timeout=5)
        SubprocessASGIServer().stop()
