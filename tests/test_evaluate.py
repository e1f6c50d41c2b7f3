"""evaluate_assignments on a tiny hand-made truth whose figures are worked out by hand below."""

from __future__ import annotations

import polars as pl
import pytest

from shellring.flows.results.evaluate import evaluate_assignments

# Rings: R1 (nominee) A1..A5, R2 (agent) B1..B3, R3 (nominee) C1..C2.
# Legitimate: look-alikes (incubator) L1..L4, ordinary O1..O8.
TRUTH = (
    [(f"A{i}", "nominee", "R1", "true") for i in range(1, 6)]
    + [(f"B{i}", "agent", "R2", "true") for i in range(1, 4)]
    + [(f"C{i}", "nominee", "R3", "true") for i in range(1, 3)]
    + [(f"L{i}", "incubator", "", "false") for i in range(1, 5)]
    + [(f"O{i}", "ordinary", "", "false") for i in range(1, 9)]
)

# K1: 4 of R1's 5 (exactly 80%) with one look-alike (exactly 20% legitimate) -> R1 found.
# K2: 2 of R2's 3 but half legitimate -> too impure, R2 not found.
# K3: one member each of R2 and R3 -> neither found, no true pair.
# K4: legitimate companies only.
ASSIGNMENTS = {
    "K1": ["A1", "A2", "A3", "A4", "L1"],
    "K2": ["B1", "B2", "O1", "O2"],
    "K3": ["B3", "C1"],
    "K4": ["L2", "O3"],
}


@pytest.fixture
def truth_csv(tmp_path):
    path = tmp_path / "truth.csv"
    pl.DataFrame(TRUTH, schema=["uscc", "kind", "group_id", "is_ring"], orient="row").write_csv(path)
    return path


def _assignments(clusters: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(cluster, uscc) for cluster, members in clusters.items() for uscc in members]
    return pl.DataFrame(rows, schema=["cluster_id", "uscc"], orient="row")


def test_hand_computed_figures(truth_csv):
    ev = evaluate_assignments(truth_csv, _assignments(ASSIGNMENTS), "hand")

    # predicted pairs: K1 10 + K2 6 + K3 1 + K4 1 = 18; true pairs among them: R1 in K1 6 + R2 in K2 1 = 7;
    # truth pairs: R1 10 + R2 3 + R3 1 = 14
    assert ev.run_id == "hand"
    assert ev.pair_precision == round(7 / 18, 4)
    assert ev.pair_recall == 0.5
    assert ev.pair_f1 == round(7 / 16, 4)
    assert (ev.rings, ev.rings_found, ev.ring_recall) == (3, 1, round(1 / 3, 4))
    assert ev.ring_recall_by_kind == {"agent": 0.0, "nominee": 0.5}
    # flagged legitimate: L1, L2 of 4 look-alikes; O1, O2, O3 of 8 ordinary
    assert ev.lookalike_companies == 4
    assert ev.lookalike_false_alarm_rate == 0.5
    assert ev.false_alarm_by_kind == {"incubator": 0.5, "ordinary": 0.375}
    assert ev.legit_false_alarm_rate == round(5 / 12, 4)
    assert (ev.flagged_clusters, ev.flagged_companies) == (4, 13)


def test_one_more_legitimate_member_spoils_the_found_ring(truth_csv):
    clusters = dict(ASSIGNMENTS, K1=ASSIGNMENTS["K1"] + ["O4"])  # 2 of 6 legitimate > 20%
    ev = evaluate_assignments(truth_csv, _assignments(clusters))
    assert ev.rings_found == 0
    assert ev.ring_recall_by_kind["nominee"] == 0.0


def test_a_ring_flagged_in_clean_pieces_counts_in_coverage_not_in_recall(truth_csv):
    # R1 in two clean clusters (2 + 3 of 5): in pieces. R2: B1, B2 clean, B3 in a half-legitimate cluster: 2 of 3
    # flagged clean < 80%, not in pieces. R3 found whole in K5: neither in pieces nor missed.
    pieces = {"K1": ["A1", "A2"], "K2": ["A3", "A4", "A5"], "K3": ["B1", "B2"], "K4": ["B3", "O1"],
              "K5": ["C1", "C2"]}
    ev = evaluate_assignments(truth_csv, _assignments(pieces))
    assert (ev.rings_found, ev.rings_in_pieces, ev.rings_in_pieces_by_kind) == (1, 1, {"nominee": 1})
    assert ev.ring_coverage == round(2 / 3, 4)
    # a legitimate member in R1's smaller piece (1 of 3, > 20%): 3 of 5 left in clean pieces, not in pieces
    ev = evaluate_assignments(truth_csv, _assignments(dict(pieces, K1=pieces["K1"] + ["O2"])))
    assert (ev.rings_in_pieces, ev.ring_coverage) == (0, round(1 / 3, 4))


def test_three_of_five_is_not_found_and_integer_cluster_ids_work(truth_csv):
    assignments = pl.DataFrame({"cluster_id": [7, 7, 7], "uscc": ["A1", "A2", "A3"]})
    ev = evaluate_assignments(truth_csv, assignments)
    assert (ev.rings_found, ev.pair_precision, ev.pair_recall) == (0, 1.0, round(3 / 14, 4))
    assert ev.legit_false_alarm_rate == 0.0


def test_nothing_flagged(truth_csv):
    empty = pl.DataFrame(schema={"cluster_id": pl.String, "uscc": pl.String})
    ev = evaluate_assignments(truth_csv, empty)
    assert (ev.pair_precision, ev.pair_recall, ev.pair_f1, ev.rings_found) == (0.0, 0.0, 0.0, 0)
    assert (ev.flagged_clusters, ev.flagged_companies) == (0, 0)


def test_rejects_assignments_without_the_columns(truth_csv):
    with pytest.raises(ValueError, match="cluster_id"):
        evaluate_assignments(truth_csv, pl.DataFrame({"uscc": ["A1"]}))


# The same rings with a sophistication level and tags (a ring carries a tag when any member does).
LEVELS = {"R1": "sophisticated", "R2": "naive", "R3": "naive"}
TAGS = {"B1": "dense", "C2": "landline+dense"}


@pytest.fixture
def rich_truth_csv(tmp_path):
    rows = [(u, kind, group, ring, LEVELS.get(group, ""), TAGS.get(u, "")) for u, kind, group, ring in TRUTH]
    path = tmp_path / "truth.csv"
    pl.DataFrame(rows, schema=["uscc", "kind", "group_id", "is_ring", "sophistication", "tags"],
                 orient="row").write_csv(path)
    return path


def test_recall_by_sophistication_and_tag(rich_truth_csv):
    ev = evaluate_assignments(rich_truth_csv, _assignments(ASSIGNMENTS))
    # only R1 (sophisticated) is found; R2 and R3 (naive) are not
    assert ev.ring_recall_by_sophistication == {"naive": 0.0, "sophisticated": 1.0}
    assert ev.rings_by_sophistication == {"naive": 2, "sophisticated": 1}
    # dense: R2 (via B1) and R3 (via C2); landline: R3
    assert ev.rings_by_tag == {"dense": 2, "landline": 1}
    assert ev.ring_recall_by_tag == {"dense": 0.0, "landline": 0.0}
    assert ev.rings_by_kind == {"agent": 1, "nominee": 2}


def test_cluster_purity(rich_truth_csv):
    ev = evaluate_assignments(rich_truth_csv, _assignments(ASSIGNMENTS))
    # K3 holds R2 and R3; K1, K2 and K4 hold legitimate companies
    assert (ev.clusters_multi_ring, ev.multi_ring_cluster_share) == (1, 0.25)
    assert (ev.clusters_with_legit, ev.legit_cluster_share) == (3, 0.75)
    # purity: K1 4/5, K2 2/4, K3 1/2, K4 0 -> mean 0.45, median 0.5
    assert (ev.purity_mean, ev.purity_median) == (0.45, 0.5)


def test_purity_when_every_cluster_is_one_clean_ring(rich_truth_csv):
    clean = {"K1": ["A1", "A2", "A3", "A4", "A5"], "K2": ["B1", "B2", "B3"]}
    ev = evaluate_assignments(rich_truth_csv, _assignments(clean))
    assert (ev.purity_mean, ev.purity_median, ev.clusters_multi_ring, ev.clusters_with_legit) == (1.0, 1.0, 0, 0)
    assert ev.ring_recall_by_sophistication == {"naive": 0.5, "sophisticated": 1.0}


def test_truth_without_sophistication_has_no_breakdown(truth_csv):
    ev = evaluate_assignments(truth_csv, _assignments(ASSIGNMENTS))
    assert ev.ring_recall_by_sophistication == {} and ev.ring_recall_by_tag == {}
    assert ev.purity_median == 0.5


def test_published_tables_score_only_the_flagged_clusters_of_the_latest_run(rich_truth_csv, tmp_path):
    """A results DB written by hand: the latest succeeded run's flagged clusters are the predictions."""
    import duckdb

    from shellring.flows.results.evaluate import evaluate

    db = tmp_path / "results.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table runs (run_id varchar, status varchar, finished_at timestamp)")
    con.execute("insert into runs values ('old', 'succeeded', '2026-01-01'), ('new', 'succeeded', '2026-02-01'), "
                "('broken', 'failed', '2026-03-01')")
    con.execute("create table clusters (run_id varchar, cluster_id varchar, flagged boolean)")
    con.execute("create table cluster_members (run_id varchar, cluster_id varchar, uscc varchar)")
    rows = [(cluster, uscc) for cluster, members in ASSIGNMENTS.items() for uscc in members]
    for run in ("new", "broken"):
        con.executemany("insert into cluster_members values (?, ?, ?)", [(run, c, u) for c, u in rows])
        con.executemany("insert into clusters values (?, ?, true)", [(run, c) for c in ASSIGNMENTS])
    # an unflagged cluster of the latest run, and an old run that found every ring, do not count
    con.execute("insert into clusters values ('new', 'K5', false)")
    con.executemany("insert into cluster_members values ('new', 'K5', ?)", [("A5",), ("C2",)])
    con.execute("insert into clusters values ('old', 'K9', true)")
    con.executemany("insert into cluster_members values ('old', 'K9', ?)", [(f"A{i}",) for i in range(1, 6)])
    con.close()

    ev = evaluate(rich_truth_csv, db)
    assert ev.run_id == "new"
    assert (ev.flagged_clusters, ev.clusters_multi_ring, ev.clusters_with_legit) == (4, 1, 3)
    assert (ev.purity_mean, ev.purity_median) == (0.45, 0.5)
    assert ev.ring_recall_by_sophistication == {"naive": 0.0, "sophisticated": 1.0}
    assert evaluate(rich_truth_csv, db, "old").ring_recall_by_sophistication == {"naive": 0.0,
                                                                                   "sophisticated": 1.0}
    assert evaluate(rich_truth_csv, db, "old").purity_mean == 1.0
