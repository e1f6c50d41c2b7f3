"""Re-identification: real values only with the right key, every attempt in the access log."""

from __future__ import annotations

import stat

import duckdb
import pytest
from typer.testing import CliRunner

from shellring.flows.cli.app import app
from shellring.flows.pipeline.pseudonyms import pseudonym
from shellring.flows.results.reveal import RevealRefused, access_log_path, reveal_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def flagged(demo_run):
    summary, db = demo_run
    con = duckdb.connect(str(db), read_only=True)
    cluster_id = con.execute(
        "select cluster_id from clusters where run_id = ? and flagged order by risk_score desc limit 1",
        [summary["run_id"]],
    ).fetchone()[0]
    members = {row[0]: row[1:] for row in con.execute(
        "select uscc, legal_rep_key, legal_rep_id_masked, phone_key, phone_masked from cluster_members "
        "where run_id = ? and cluster_id = ?", [summary["run_id"], cluster_id]).fetchall()}
    con.close()
    return db, summary["run_id"], cluster_id, members


def _log_rows(db):
    con = duckdb.connect(str(access_log_path(db)), read_only=True)
    try:
        return con.execute("select by_name, cluster_id, run_id, n_companies, n_values_revealed, outcome "
                           "from reveal_log order by accessed_at").fetchall()
    finally:
        con.close()


def test_reveal_with_the_key_returns_values_behind_the_published_pseudonyms(flagged, key_env):
    db, run_id, cluster_id, members = flagged
    revelation = reveal_cluster(db, cluster_id, by="Wang Fang")
    assert revelation.run_id == run_id
    assert {c.uscc for c in revelation.companies} == set(members)
    revealed = 0
    for company in revelation.companies:
        rep_key, rep_masked, phone_key, phone_masked = members[company.uscc]
        if rep_key is not None:
            assert pseudonym(key_env.encode(), company.rep_id) == rep_key
            assert company.rep_id[:6] == rep_masked[:6] and company.rep_id[-4:] == rep_masked[-4:]
            assert "*" not in company.rep_id
            revealed += 1
        if phone_key is not None:
            assert pseudonym(key_env.encode(), company.phone) == phone_key
            assert company.phone.endswith(phone_masked[-4:]) and "*" not in company.phone
            revealed += 1
    assert revealed == revelation.values_revealed > 0
    assert _log_rows(db)[-1] == ("Wang Fang", cluster_id, run_id, len(members), revealed, "revealed")
    assert stat.S_IMODE(access_log_path(db).stat().st_mode) == 0o600


def test_reveal_refuses_a_wrong_key_and_logs_the_attempt(flagged, key_env, monkeypatch):
    db, run_id, cluster_id, _ = flagged
    monkeypatch.setenv("SHELLRING_KEY", "a-different-key-of-enough-length")
    with pytest.raises(RevealRefused, match="does not reproduce"):
        reveal_cluster(db, cluster_id, by="Mallory")
    assert _log_rows(db)[-1] == ("Mallory", cluster_id, run_id, 0, 0, "refused")


def test_reveal_refuses_without_a_key(flagged, key_env, monkeypatch):
    db, _, cluster_id, _ = flagged
    monkeypatch.delenv("SHELLRING_KEY")
    with pytest.raises(RevealRefused, match="no usable key"):
        reveal_cluster(db, cluster_id, by="Nobody")
    assert _log_rows(db)[-1][0::5] == ("Nobody", "refused")


def test_reveal_cli_prints_real_values_only_for_the_key_holder(flagged, key_env, tmp_path):
    db, _, cluster_id, members = flagged
    runner = CliRunner()
    ok = runner.invoke(app, ["reveal", "--db", str(db), "--cluster", cluster_id, "--by", "Zhao Lei"],
                       env={"COLUMNS": "250"})
    assert ok.exit_code == 0, ok.output
    revealed = reveal_cluster(db, cluster_id, by="Zhao Lei")
    assert any(c.rep_id and c.rep_id in ok.output for c in revealed.companies)
    key_file = tmp_path / "wrong.key"
    key_file.write_text("0123456789abcdef0123456789abcdef")
    refused = runner.invoke(app, ["reveal", "--db", str(db), "--cluster", cluster_id, "--by", "Zhao Lei",
                                  "--key-file", str(key_file)])
    assert refused.exit_code == 3
    assert not any(c.rep_id and c.rep_id in refused.output for c in revealed.companies)
    missing_by = runner.invoke(app, ["reveal", "--db", str(db), "--cluster", cluster_id])
    assert missing_by.exit_code != 0


def _log_outcomes(db):
    """(by_name, cluster_id, outcome, detail) of every access-log row, oldest first; [] before the first attempt."""
    if not access_log_path(db).exists():
        return []
    con = duckdb.connect(str(access_log_path(db)), read_only=True)
    try:
        return con.execute("select by_name, cluster_id, outcome, detail from reveal_log "
                           "order by accessed_at").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("by", ["", "   ", "\t"])
def test_reveal_cli_refuses_a_blank_case_handler_and_logs_the_refusal(flagged, key_env, by):
    db, _, cluster_id, members = flagged
    before = _log_outcomes(db)
    result = CliRunner().invoke(app, ["reveal", "--db", str(db), "--cluster", cluster_id, "--by", by])
    assert result.exit_code == 3, result.output
    assert "--by" in result.output
    after = _log_outcomes(db)
    assert after[:len(before)] == before and len(after) == len(before) + 1, "the refusal left no access-log row"
    logged_by, logged_cluster, outcome, detail = after[-1]
    assert (logged_by, logged_cluster, outcome) == (by, cluster_id, "refused") and "--by" in detail


def test_reveal_that_fails_on_an_unreadable_working_db_is_logged(flagged, key_env, tmp_path):
    """Not a refusal the code foresaw, but still an attempt at personal data: it must leave a row."""
    db, run_id, cluster_id, _ = flagged
    empty = tmp_path / "not-a-working.duckdb"
    duckdb.connect(str(empty)).close()
    before = _log_outcomes(db)
    result = CliRunner().invoke(app, ["reveal", "--db", str(db), "--cluster", cluster_id, "--by", "Li Na",
                                      "--working-db", str(empty)])
    assert result.exit_code != 0
    after = _log_outcomes(db)
    assert len(after) == len(before) + 1
    assert after[-1][:3] == ("Li Na", cluster_id, "failed")
