"""DuckDB's memory budget follows the size of the run's extracts, and the environment overrides it."""

from __future__ import annotations

from shellring.flows.core.workspace import Workspace, connect, memory_budget, write_run_params


def test_budget_scales_with_the_extracts(monkeypatch):
    monkeypatch.delenv("SHELLRING_MEMORY_LIMIT", raising=False)
    assert memory_budget(1_000) == "512MiB"
    assert memory_budget(200 * 2**20) == "800MiB"  # the machine-dependent cap: tests/test_resources.py


def _limit(ws: Workspace) -> str:
    with connect(ws) as con:
        return con.execute("select current_setting('memory_limit')").fetchall()[0][0]


def test_stages_open_the_work_db_with_the_runs_budget(tmp_path, monkeypatch):
    monkeypatch.delenv("SHELLRING_MEMORY_LIMIT", raising=False)
    extract = tmp_path / "big.csv"
    with extract.open("wb") as handle:
        handle.truncate(300 * 2**20)  # sparse: sized, not written
    ws = Workspace(tmp_path / "run")
    ws.root.mkdir()
    write_run_params(ws, run_id="r", region="x", since=None, until=None, inputs=[extract])
    assert _limit(ws) == "1.1 GiB"  # 4 x 300 MiB
    monkeypatch.setenv("SHELLRING_MEMORY_LIMIT", "700MB")
    assert _limit(ws) == "667.0 MiB"
    with connect(ws) as con:  # the budget is not leaked into the SQL variables
        assert con.execute("select getvariable('memory_limit')").fetchall()[0][0] is None
