"""`shellring explain CLUSTER_ID`: one cluster's reasons, masked members and strongest links in the terminal."""

from __future__ import annotations

import duckdb
import pytest
from personal_data import personal_data_in_text, redacted
from typer.testing import CliRunner

from shellring.flows.cli.app import app
from shellring.flows.core.rules import SENTENCES

pytestmark = pytest.mark.slow


def _explain(*args: str):
    return CliRunner().invoke(app, ["explain", *args], env={"COLUMNS": "400"})


def test_explain_prints_reasons_members_and_strongest_links(demo_run):
    summary, db = demo_run
    con = duckdb.connect(str(db), read_only=True)
    cluster_id, reasons = con.execute(
        "select cluster_id, reasons from clusters where run_id = ? and flagged order by n_companies desc, cluster_id "
        "limit 1", [summary["run_id"]]).fetchone()
    members = [u for (u,) in con.execute("select uscc from cluster_members where run_id = ? and cluster_id = ?",
                                         [summary["run_id"], cluster_id]).fetchall()]
    strongest = con.execute("select uscc_a, uscc_b from links where run_id = ? and cluster_id = ? "
                            "order by score desc, uscc_a, uscc_b limit 1", [summary["run_id"], cluster_id]).fetchone()
    con.close()
    result = _explain(cluster_id, "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.output
    assert cluster_id in out and SENTENCES["zh"]["page.reasons"] in out
    for line in reasons.split("; "):  # the run wrote its reasons in Chinese, the terminal says the same
        assert line in out
    assert all(uscc in out for uscc in members)
    assert SENTENCES["zh"]["page.strongest_links"] in out and all(u in out for u in strongest)
    assert [(kind, redacted(f)) for kind, f in personal_data_in_text(out)] == []

    english = _explain(cluster_id, "--db", str(db), "--lang", "en")
    assert english.exit_code == 0 and SENTENCES["en"]["page.reasons"] in english.output
    assert SENTENCES["zh"]["page.reasons"] not in english.output


def test_explain_names_an_unknown_cluster(demo_run):
    _, db = demo_run
    result = _explain("Cdoesnotexist", "--db", str(db))
    assert result.exit_code == 1 and "no cluster Cdoesnotexist" in result.output
