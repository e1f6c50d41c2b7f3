"""A first run on a busy machine: Prefect's temporary server gets the time it needs, and a server that still
does not start is reported with the setting to raise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shellring.flows.cli import app as cli
from shellring.flows.orchestration.temporary_server import (
    PATIENT_SECONDS,
    SETTING,
    explain_startup_failure,
    patient_temporary_server,
)


def _timeout() -> int:
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    return PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()


def test_the_job_waits_longer_than_prefects_default_unless_the_user_chose(monkeypatch):
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    monkeypatch.delenv(SETTING, raising=False)
    assert _timeout() == 20  # Prefect's own default, too short for a first start on a busy machine
    with patient_temporary_server() as seconds:
        assert seconds == _timeout() == PATIENT_SECONDS == 180
    assert _timeout() == 20
    profile = {PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 45}  # as a user's profile would set it
    with temporary_settings(profile), patient_temporary_server() as seconds:
        assert seconds == _timeout() == 45


def test_a_timeout_in_the_environment_is_the_users(tmp_path):
    probe = ("from shellring.flows.orchestration.temporary_server import patient_temporary_server\n"
             "with patient_temporary_server() as seconds: print(seconds)")
    env = {**os.environ, SETTING: "45"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "45"


def test_a_server_that_does_not_start_is_explained_with_the_setting_to_raise(tmp_path, monkeypatch):
    prefect_message = "Timed out while attempting to connect to ephemeral Prefect API server."
    assert explain_startup_failure(RuntimeError("sql/x.sql failed")) is None
    explained = explain_startup_failure(RuntimeError(prefect_message))
    assert SETTING in explained and "PREFECT_API_URL" in explained

    def stalled(**kwargs):
        raise RuntimeError(prefect_message)

    monkeypatch.setattr(cli, "_run_flow", stalled)
    monkeypatch.setenv("SHELLRING_KEY", "k" * 32)
    extract = tmp_path / "x.csv"
    extract.write_text("uscc\n")
    result = CliRunner().invoke(cli.app, ["run", "--registrations", str(extract), "--accounts", str(extract),
                                          "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 1
    assert SETTING in result.output.replace("\n", "")


@pytest.mark.parametrize("value", ["600"])
def test_a_user_timeout_reaches_the_message(monkeypatch, value):
    monkeypatch.setenv(SETTING, value)
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    with temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: int(value)}):
        assert f"within {value} s" in explain_startup_failure(RuntimeError(
            "Timed out while attempting to connect to ephemeral Prefect API server."))


@pytest.mark.slow
def test_a_first_demo_on_a_fresh_install_with_both_cores_busy_succeeds(tmp_path):
    """Fresh Prefect home (its database is migrated on this first start), no timeout set by anyone, and two
    processes keeping both cores busy the whole time: the product's own patience must be enough."""
    spin = "import time\nend = time.time() + 600\nwhile time.time() < end: pass"  # bounded, and killed below
    burners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(2)]
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
        shellring = Path(sys.executable).with_name("shellring")
        out = subprocess.run([str(shellring), "demo", "--companies", "400", "--out", str(tmp_path / "demo"), "--quiet"],
                             env=env, capture_output=True, text=True, timeout=540, cwd=tmp_path)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ring recall" in out.stdout
