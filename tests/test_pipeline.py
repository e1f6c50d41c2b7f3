"""The published output contract, idempotent reruns, explanations and quality floors on demo data."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
from personal_data import personal_data_hits, redacted  # tests/personal_data.py

from shellring.flows.results.evaluate import evaluate

REQUIRED_COLUMNS = {
    "runs": {"run_id", "region", "started_at", "finished_at", "status"},
    "clusters": {"run_id", "cluster_id", "n_companies", "risk_score", "flagged", "reasons"},
    "cluster_members": {"run_id", "cluster_id", "uscc"},
    "links": {"run_id", "uscc_a", "uscc_b", "reason", "score"},
}
KNOWN_REASONS = {
    "SAME_REP", "REP_IS_AGENT", "SAME_AGENT", "SAME_PHONE", "SAME_ROOM", "SAME_CONTACT_ADDRESS", "REP_ID_TYPO",
    "BATCH_PROFILE", "SIMILAR_ADDRESS", "SAME_BRANCH_DAYS", "SAME_SCOPE", "SIMILAR_PHONE", "SAME_BUILDING",
    "SAME_HOMETOWN", "BATCH_HOME_REGION", "BATCH_COHORT", "BATCH_JOINED", "PHONE_BLOCK",
}


@pytest.fixture(scope="module")
def results(demo_run):
    summary, db = demo_run
    con = duckdb.connect(str(db), read_only=True)
    yield summary, con
    con.close()


def test_published_tables_hold_the_contract_columns(results):
    _, con = results
    for table, columns in REQUIRED_COLUMNS.items():
        found = {r[0] for r in con.execute(f"describe {table}").fetchall()}
        assert columns <= found, f"{table} lacks {columns - found}"


def test_run_row_and_counts_agree(results):
    summary, con = results
    status, region, n_flagged = con.execute(
        "select status, region, n_flagged from runs where run_id = ?", [summary["run_id"]]
    ).fetchone()
    assert (status, region) == ("succeeded", "test-region")
    flagged = con.execute(
        "select count(*) from clusters where run_id = ? and flagged", [summary["run_id"]]
    ).fetchone()[0]
    assert flagged == n_flagged == summary["flagged"] > 0


def test_every_cluster_has_two_or_more_members_and_its_links(results):
    summary, con = results
    bad = con.execute(
        """
        select c.cluster_id, c.n_companies, count(distinct m.uscc) as members
        from clusters as c join cluster_members as m using (run_id, cluster_id)
        where c.run_id = ? group by all having members < 2 or members <> c.n_companies
        """,
        [summary["run_id"]],
    ).fetchall()
    assert bad == []
    unexplained = con.execute(
        """
        select cluster_id from clusters as c where run_id = ? and not exists (
            select 1 from links as l where l.run_id = c.run_id and l.cluster_id = c.cluster_id)
        """,
        [summary["run_id"]],
    ).fetchall()
    assert unexplained == []


def test_every_member_is_explained_by_evidence_inside_its_cluster(results):
    """A company placed by the cluster rules from weaker pairs still shows those pairs (strength 'supporting')."""
    summary, con = results
    rows = con.execute(
        """
        select m.cluster_id, m.uscc, m.joined_by,
               count(l.uscc_a) as pairs, count(l.uscc_a) filter (l.strength = 'link') as strong
        from cluster_members as m
        left join links as l on l.run_id = m.run_id and l.cluster_id = m.cluster_id
            and m.uscc in (l.uscc_a, l.uscc_b)
        where m.run_id = ? group by all
        """,
        [summary["run_id"]],
    ).fetchall()
    assert rows
    assert [r for r in rows if r[3] == 0] == []
    assert all((r[2] == "link") == (r[4] > 0) for r in rows)
    strengths = {r[0] for r in con.execute("select distinct strength from links where run_id = ?",
                                           [summary["run_id"]]).fetchall()}
    assert strengths <= {"link", "supporting"} and "link" in strengths


def test_the_hubs_a_cluster_touches_are_listed(results):
    summary, con = results
    mismatched = con.execute(
        """
        select c.cluster_id, c.n_hubs_touched, count(h.hub_id) as listed
        from clusters as c
        left join cluster_hubs as h using (run_id, cluster_id)
        where c.run_id = ? group by all having listed <> c.n_hubs_touched
        """,
        [summary["run_id"]],
    ).fetchall()
    assert mismatched == []


def test_cluster_hubs_name_each_hub_with_masked_values(demo_files, tmp_path):
    """The 4,000-company demo has no value over the default hub limits, so this run lowers them."""
    from shellring.flows.core.settings import Settings
    from shellring.flows.core.workspace import Workspace, write_run_params
    from shellring.flows.pipeline import stages

    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    write_run_params(ws, run_id="hubs", region="x", since=None, until=None)
    settings = Settings(hub_limit_phone=8, hub_limit_room=8, hub_limit_person=8, hub_limit_building=8)
    stages.ingest(ws, [demo_files.registrations], [demo_files.accounts], "hubs")
    for step in ("normalize", "stage", "link"):
        getattr(stages, step)(ws, settings)
    stages.apply_link_verdicts(ws, settings, None)
    stages.cluster(ws, settings)
    stages.score(ws, settings)
    stages.track_history(ws, settings, None)
    stages.build_marts(ws, settings, b"k" * 20)
    con = duckdb.connect(str(ws.db), read_only=True)
    try:
        rows = con.execute(
            "select h.cluster_id, h.hub_id, h.attr_kind, h.value_display, h.n_members, c.n_companies, c.n_hubs_touched "
            "from pub_cluster_hubs as h join pub_clusters as c using (cluster_id) join pub_hubs using (hub_id)"
        ).fetchall()
    finally:
        con.close()
    assert rows
    per_cluster: dict[str, int] = {}
    for cluster_id, _, kind, display, n_members, size, _touched in rows:
        assert 0 < n_members <= size
        per_cluster[cluster_id] = per_cluster.get(cluster_id, 0) + 1
        if kind in ("phone", "person"):
            assert "*" in display and not re.search(r"\d{11}", display), display
    assert all(per_cluster[c] == touched for c, _, _, _, _, _, touched in rows)


def test_links_carry_known_reason_codes_and_evidence(results):
    summary, con = results
    rows = con.execute("select reason, evidence from links where run_id = ?", [summary["run_id"]]).fetchall()
    assert rows
    for reason, evidence in rows:
        assert set(reason.split("+")) <= KNOWN_REASONS
        assert evidence and evidence.split(" ")[0] in KNOWN_REASONS


def test_flagged_clusters_explain_themselves(results):
    summary, con = results
    rows = con.execute(
        "select risk_score, reasons from clusters where run_id = ? and flagged", [summary["run_id"]]
    ).fetchall()
    assert rows
    for score, reasons in rows:
        assert 0 <= score <= 100
        assert reasons, "a flagged cluster must say why"


# ---- personal data in published tables: an independent scanner, and an oracle that it is not blind ----------

def test_no_raw_identifiers_or_phones_in_any_published_column(results):
    _, con = results
    hits = personal_data_hits(con)
    leaks = [(t, c, kind, redacted(f)) for t, c, kind, f in hits]  # pytest would print `hits` raw
    assert not leaks, leaks


# (table, column, planted text, kind the scanner must report). Synthetic values, not real people.
PLANTED = [
    ("runs", "inputs", "/data/330105200609113794/registrations.csv", "resident_id"),
    ("runs", "parameters", "+8613812345678", "phone_+86"),
    ("runs", "dependencies", "call +86 138 1234 5678", "phone_+86"),
    ("runs", "stage_seconds", "0571-87654321", "landline"),
    ("rejected_rows", "raw_row", "91330105MAT3HQG83T,tel +86-571-65364336", "phone_+86"),
    ("clusters", "reasons", "SAME_PHONE 138-1234-5678", "mobile"),
    ("clusters", "mitigations", "（0571）87654321", "landline"),
    ("cluster_members", "company_name", "杭州(0571)87654321公司", "landline"),
    ("cluster_members", "reg_address", "联系010 8765 4321", "landline"),
    ("links", "evidence", "SAME_REP 33010519900101123X", "resident_id"),
    ("cluster_changes", "companies_added", "13812345678", "mobile"),
    ("cluster_changes", "related_cluster_ids", "6222021234567891234", "long_digits"),
    ("cluster_members", "joined_by", "057187654321", "long_digits"),
]
# Shapes that must not raise an alarm: USCCs (one all digits), masked forms, dates, amounts.
HARMLESS = ("913301006000300041 91110000600037341L 91330105MAT3HQG83T 138****8000 +86 138****5678 "
            "330105********3794 0571-****4321 (0571)****4321 6222****1234 2026-10-31 2026-10-31 06:00:00 "
            "1,000.50 100万元 C0e70e615d74c")


def test_the_scanner_finds_each_planted_form_in_every_column_type(demo_run, tmp_path):
    """Each form planted in a copy of the published DB (JSON, text and list columns) is reported, nothing else is."""
    summary, db = demo_run
    copy = tmp_path / "planted.duckdb"
    shutil.copyfile(db, copy)
    planted = duckdb.connect(str(copy))
    try:
        run_id = summary["run_id"]
        assert planted.execute("select count(*) from rejected_rows").fetchone()[0] == 0
        planted.execute("insert into rejected_rows (run_id, file, line, reason, action) "
                        "values (?, 'r.csv', 2, 'planted', 'rejected')", [run_id])
        types = dict(planted.execute("select table_name || '.' || column_name, data_type "
                                     "from information_schema.columns").fetchall())
        for table, column, text, _ in PLANTED:
            kind = types[f"{table}.{column}"]
            value = {"JSON": "json_object('note', ?)", "VARCHAR[]": "list_append(\"{c}\", ?)"}.get(
                kind, "concat_ws(' ', \"{c}\", ?)").format(c=column)
            changed = planted.execute(
                f'update "{table}" set "{column}" = {value} where run_id = ? and rowid = '
                f'(select min(rowid) from "{table}" where run_id = ?)', [text, run_id, run_id]).fetchone()[0]
            assert changed == 1, (table, column)
        planted.execute("update cluster_members set trade_name = ? where rowid = (select max(rowid) "
                        "from cluster_members)", [HARMLESS])
        assert {"JSON", "VARCHAR", "VARCHAR[]"} <= {types[f"{t}.{c}"] for t, c, _, _ in PLANTED}
        hits = personal_data_hits(planted)
        tables = {t for (t,) in planted.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall()}
    finally:
        planted.close()
    found: dict[tuple[str, str], set[str]] = {}
    for table, column, kind, _ in hits:
        if table in tables:  # views (latest_*) show the same planted rows again
            found.setdefault((table, column), set()).add(kind)
    for table, column, text, kind in PLANTED:
        assert kind in found.get((table, column), set()), f"{table}.{column}: missed {kind} in {redacted(text)!r}"
    assert set(found) == {(t, c) for t, c, _, _ in PLANTED}, "an alarm on something not planted (USCC, masked value?)"
    planted_digits = {re.sub(r"\D", "", text) for _, _, text, _ in PLANTED}
    assert all(any(re.sub(r"\D", "", f) in digits for digits in planted_digits) for *_, f in hits)


def test_rerun_of_the_same_extracts_is_idempotent(demo_run, demo_files):
    from shellring.flows.orchestration.audit import audit_flow

    summary, db = demo_run

    def published() -> dict:
        # Every row and value of the analyst tables (not only counts): string lists such as a link's
        # evidence must come out in the same order on every run, whatever DuckDB's thread scheduling.
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {t: con.execute(f"select * from {t} order by all").fetchall()
                      for t in ("clusters", "cluster_members", "links", "cluster_hubs")}
            tables["runs"] = con.execute("select count(*) from runs").fetchall()
            return tables

    before = published()
    again = audit_flow(registrations=[str(demo_files.registrations)], accounts=[str(demo_files.accounts)],
                       db=str(db), region="test-region")
    assert again["run_id"] == summary["run_id"]
    after = published()
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table


def test_quality_floor_on_small_demo(demo_run, demo_files):
    _, db = demo_run
    result = evaluate(demo_files.truth, db)
    assert result.rings > 0
    # measured on this 4,000-company demo (seed 11): pair F1 0.908, ring recall 0.968 (30 of 31 rings), look-alike
    # false alarms 0.0; the floors allow one more lost ring and a few points of pairs
    assert result.pair_f1 >= 0.88, result
    assert result.ring_recall >= 0.93, result
    assert result.lookalike_false_alarm_rate <= 0.01, result
