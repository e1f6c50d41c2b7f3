"""The command-line contract: options, exit codes, messages and what each command prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
from typer.testing import CliRunner

from shellring.flows.cli.app import app

runner = CliRunner()


def test_run_names_a_missing_file_and_exits_2(tmp_path):
    result = runner.invoke(app, ["run", "--registrations", str(tmp_path / "nope.csv"),
                                 "--accounts", str(tmp_path / "nope2.csv"), "--db", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 2
    assert "nope.csv" in result.output


def test_run_rejects_a_malformed_date(demo_files, tmp_path):
    result = runner.invoke(app, ["run", "--registrations", str(demo_files.registrations), "--accounts",
                                 str(demo_files.accounts), "--db", str(tmp_path / "r.duckdb"), "--since", "2026-13-01"])
    assert result.exit_code == 2
    assert "2026-13-01" in result.output


def test_run_without_a_key_refuses_before_any_work(demo_files, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SHELLRING_KEY"}
    db = tmp_path / "r.duckdb"
    completed = subprocess.run(
        [sys.executable, "-m", "shellring.flows.cli.app", "run", "--registrations", str(demo_files.registrations),
         "--accounts", str(demo_files.accounts), "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert completed.returncode == 1
    assert "SHELLRING_KEY" in completed.stdout + completed.stderr
    assert not db.exists()


def test_run_prints_its_summary_and_publishes(demo_files, key_env, tmp_path):
    db = tmp_path / "results.duckdb"
    result = runner.invoke(app, ["run", "--registrations", str(demo_files.registrations), "--accounts",
                                 str(demo_files.accounts), "--db", str(db), "--region", "cli-test"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "flagged clusters" in result.output and str(db) in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select region, status from runs").fetchall() == [("cli-test", "succeeded")]


def test_audit_window_limits_what_is_flagged(demo_files, key_env, tmp_path):
    from shellring.flows.orchestration.audit import audit_flow

    db = tmp_path / "results.duckdb"
    # a window with no account openings at all: clusters are still found, none is flagged
    summary = audit_flow(registrations=[str(demo_files.registrations)], accounts=[str(demo_files.accounts)],
                         db=str(db), region="empty-window", since="1990-01-01", until="1990-01-31")
    assert summary["clusters"] > 0
    assert summary["flagged"] == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select since, until from runs").fetchone()[0].isoformat() == "1990-01-01"
        assert con.execute("select count(*) from clusters where n_window_companies > 0").fetchone()[0] == 0


def test_evaluate_prints_figures_as_json(demo_run, demo_files):
    _, db = demo_run
    result = runner.invoke(app, ["evaluate", "--truth", str(demo_files.truth), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for name in ("pair_precision", "pair_recall", "pair_f1", "ring_recall", "lookalike_false_alarm_rate"):
        assert 0.0 <= figures[name] <= 1.0
    assert set(figures["ring_recall_by_kind"]) == {
        "address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"}


def test_normalize_writes_one_json_object_per_input_line(tmp_path):
    source = tmp_path / "phones.txt"
    source.write_text("+86 138-1234-5678\n(0571)8765 4321转801\n\n", encoding="utf-8")
    result = runner.invoke(app, ["normalize", "--kind", "phone", str(source)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 3
    assert records[0]["e164"] == "+8613812345678" and records[0]["type"] == "mobile"
    assert records[1]["e164"] == "+8657187654321" and records[1]["extension"] == "801"
    assert records[2]["valid"] is False


def test_normalize_address_shares_keys_across_spellings():
    text = "浙江省杭州市西湖区文三路一百三十八号A幢1203室\n杭州西湖区文三路138号A栋1203\n"
    result = runner.invoke(app, ["normalize", "--kind", "address"], input=text)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["room_key"] == second["room_key"] is not None
    assert first["district"] == "西湖区"


def test_normalize_streams_parses_each_distinct_value_once_and_reports_progress(tmp_path, monkeypatch):
    import shellring.matchers.api as api

    calls: list[list[str]] = []
    real = api.normalize_lines

    def counting(kind, values):
        calls.append(list(values))
        return real(kind, values)

    monkeypatch.setattr(api, "normalize_lines", counting)
    values = ["13812345678", "(0571)87654321", "13812345678", "", "13812345678", "(0571)87654321", "13900000000"]
    source = tmp_path / "phones.txt"
    source.write_text("\n".join(values) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["normalize", "--kind", "phone", "--chunk", "3", str(source)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(values)
    assert [r["e164"] for r in records] == [api.normalize_records("phone", [v])[0]["e164"] for v in values]
    assert sum(len(c) for c in calls) == len(set(values))  # each distinct value parsed once, across chunks
    assert "7 lines" in result.stderr and "4 parsed" in result.stderr


def test_normalize_rejects_an_unknown_kind():
    result = runner.invoke(app, ["normalize", "--kind", "colour"], input="x\n")
    assert result.exit_code == 2


def test_demo_generates_runs_and_evaluates(tmp_path):
    """The hard demo (header variants, more date/capital/phone spellings) goes through ingest without a loss;
    --accounts sets the number of account openings."""
    result = runner.invoke(app, ["demo", "--companies", "800", "--out", str(tmp_path / "demo"), "--seed", "3",
                                 "--hard", "--accounts", "900"])
    assert result.exit_code == 0, result.output
    for line in ("ring recall", "false alarms on look-alikes", "ring recall: sophisticated", "purity mean / median",
                 "holding more than one ring"):
        assert line in result.output, line
    db = tmp_path / "demo" / "results.duckdb"
    assert db.exists() and (tmp_path / "demo" / "truth.csv").exists()
    assert len((tmp_path / "demo" / "accounts.csv").read_text("utf-8-sig").splitlines()) == 1 + 900
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from rejected_rows").fetchone()[0] == 0


def test_demo_names_a_bad_sophistication(tmp_path):
    result = runner.invoke(app, ["demo", "--companies", "800", "--out", str(tmp_path / "demo"),
                                 "--sophistication", "reckless"])
    assert result.exit_code == 2
    assert "reckless" in result.output


def test_summary_says_where_the_records_were_and_what_excel_broke(monkeypatch):
    """What `run` prints about the extracts' layout, the rows skipped as not records, and lost digits."""
    from rich.console import Console

    from shellring.flows.cli import app as cli

    console = Console(record=True, width=400)
    monkeypatch.setattr(cli, "console", console)
    cli._print_summary({
        "run_id": "r1", "companies": 3, "accounts": 2, "links": 1, "hub_values": 0, "clusters": 1, "flagged": 0,
        "rejected": 2, "db": "/x/results.duckdb", "stage_seconds": {"ingest": 1.0},
        "rejects_by_reason": {"registrations": {"empty required value": 1},
                              "accounts": {"empty required value": 1, "excel_precision_lost": 1}},
        "skipped_by_reason": {"registrations": {}, "accounts": {"title_row": 2, "total_row": 1}},
        "extract_layout": {"registrations": ["reg.csv: header on line 2 (1 title row(s) above it skipped), "
                                             "semicolon-separated"],
                           "accounts": ["acc.xlsx sheet '说明': skipped, no header: none of its first 30 rows names "
                                        "2 or more known columns", "acc.xlsx sheet '[明细]': header on row 3"]},
        "advice": ["1 identifier(s) of the accounts extract (1 in account_no) were stored by Excel as numbers ..."],
    })
    text = console.export_text()
    assert "empty required value: 2, excel_precision_lost: 1" in text  # counts of both extracts add up
    assert "non-data rows skipped" in text and "title_row: 2, total_row: 1" in text
    assert "registrations: reg.csv: header on line 2 (1 title row(s) above it skipped), semicolon-separated" in text
    assert "accounts: acc.xlsx sheet '说明': skipped, no header" in text
    assert "sheet '[明细]': header on row 3" in text  # a sheet name is not taken for markup
    assert "Excel lost digits" in text and "stored by Excel as numbers" in text
