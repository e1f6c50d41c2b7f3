"""`shellring run` refuses a national folder or cluster options it cannot use, before any work, naming why."""

from __future__ import annotations

from typer.testing import CliRunner

from shellring.flows.cli.app import app
from shellring.flows.orchestration.national import national_extracts

runner = CliRunner()


def _region(root, name, *files):
    folder = root / name
    folder.mkdir(parents=True)
    for file in files:
        (folder / file).write_text("x\n")


def test_the_national_folder_gives_each_file_its_region_folder(tmp_path):
    _region(tmp_path, "hangzhou", "registrations_2026-10.csv", "accounts_2026-10.xlsx", "truth.csv")
    _region(tmp_path, "ningbo", "registrations.parquet", "accounts.csv", "accounts_late.csv")
    found = national_extracts(tmp_path)
    assert [p.name for p in found.registrations] == ["registrations_2026-10.csv", "registrations.parquet"]
    assert [p.name for p in found.accounts] == ["accounts_2026-10.xlsx", "accounts.csv", "accounts_late.csv"]
    assert sorted(set(found.regions.values())) == ["hangzhou", "ningbo"]
    assert found.regions[str(tmp_path / "ningbo" / "accounts_late.csv")] == "ningbo"


def test_a_region_without_account_extracts_stops_the_run_naming_it(tmp_path):
    _region(tmp_path, "hangzhou", "registrations.csv", "accounts.csv")
    _region(tmp_path, "wenzhou", "registrations.csv")
    result = runner.invoke(app, ["run", "--national", str(tmp_path), "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 2
    assert "wenzhou" in result.output and "accounts" in result.output


def test_run_needs_extracts_or_a_national_folder(tmp_path):
    result = runner.invoke(app, ["run", "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 2
    assert "--national" in result.output


def test_an_existing_scheduler_needs_a_shared_folder(tmp_path):
    _region(tmp_path, "hangzhou", "registrations.csv", "accounts.csv")
    result = runner.invoke(app, ["run", "--national", str(tmp_path), "--db", str(tmp_path / "r.duckdb"),
                                 "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert "--shared-dir" in result.output
