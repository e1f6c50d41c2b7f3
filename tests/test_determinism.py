"""The same input gives the same clusters, scores and stable ids, whatever order rows arrive in, however many
threads DuckDB runs, and whatever other threads of the process draw from Python's random module.

The cluster rules compare summed pair scores with bars; the sum of a set of scores must not depend on the order
they are added in (floating point addition is not associative), and a sum of scores given to a thousandth must
meet a bar its thousandths meet exactly. The oracle is decimal arithmetic: each case's scores are chosen so their
exact sum is the bar.
"""

from __future__ import annotations

import random
import shutil
import sys
import threading
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pytest

from shellring.flows.pipeline.components import attach_leftovers, leiden_refine, merge_dense_clusters

# twelve scores given to a thousandth whose exact sum is 6.0; added in some orders, floats give 5.999999999999999
SCORES_SUMMING_TO_SIX = [0.1, 0.2, 0.3, 0.7, 0.4, 0.6, 0.35, 0.65, 0.45, 0.55, 0.9, 0.8]


def test_the_scores_meet_the_bar_exactly_and_floats_added_in_turn_do_not_always():
    assert sum(Decimal(str(s)) for s in SCORES_SUMMING_TO_SIX) == 6
    rng = random.Random(3)
    sums = {sum(rng.sample(SCORES_SUMMING_TO_SIX, len(SCORES_SUMMING_TO_SIX))) for _ in range(200)}
    assert len(sums) > 1  # the premise of the tests below: the order of adding shows


def test_a_density_exactly_at_the_bar_merges_whatever_order_the_pairs_come_in():
    labels = np.array([0] * 3 + [1] * 4)  # A: 0-2, B: 3-6; all 12 pairs tied, 6.0 / (3 x 4) = 0.5
    pairs = [(i, j) for i in range(3) for j in range(3, 7)]
    rng = np.random.default_rng(5)
    for _ in range(40):
        order = rng.permutation(len(pairs))
        a = np.array([pairs[k][0] for k in order])
        b = np.array([pairs[k][1] for k in order])
        s = np.array(SCORES_SUMMING_TO_SIX)[rng.permutation(len(pairs))]
        merged = merge_dense_clusters(labels, a, b, s, min_density=0.5, min_pairs=3)
        assert len(set(merged.tolist())) == 1


def test_a_leftover_whose_evidence_sums_exactly_to_a_link_joins_whatever_order_it_comes_in():
    labels = np.array([0, 0, 0, 0, 1])  # a ring of four; company 4 left over
    branch, scope = 1, 2
    evidence = [(4, 0, 0.1, branch), (4, 1, 0.2, scope), (4, 2, 0.7, scope)]  # 1.0 exactly: min_weight
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]):
        a, b, s, f = (np.array(column) for column in zip(*(evidence[k] for k in order)))
        joined = attach_leftovers(labels, a, b, s, f, min_weight=1.0)
        assert joined[4] == joined[0], order


def test_leiden_is_not_moved_by_another_thread_drawing_from_random():
    # 300 rings of 8 equal links: CPM cuts each into two halves, and which two is up to the random stream
    rings, size = 300, 8
    a = np.concatenate([np.arange(size) + r * size for r in range(rings)])
    b = np.concatenate([(np.arange(size) + 1) % size + r * size for r in range(rings)])
    weight = np.ones(len(a))
    alone = leiden_refine(rings * size, a, b, weight, 0.2, 7)
    assert len(set(alone.tolist())) == 2 * rings
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()  # as Prefect's clients do for retry jitter

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    drawer = threading.Thread(target=draw)
    drawer.start()
    try:
        beside = [leiden_refine(rings * size, a, b, weight, 0.2, 7) for _ in range(5)]
    finally:
        stop.set()
        drawer.join()
        sys.setswitchinterval(interval)
    for labels in beside:
        assert np.array_equal(labels, alone)


def _shuffled_copy(source: Path, target: Path, seed: int) -> None:
    """The extract with its data rows in another order (header first; bytes, as the demo's encodings vary)."""
    header, *rows = source.read_bytes().splitlines(keepends=True)
    random.Random(seed).shuffle(rows)
    target.write_bytes(header + b"".join(rows))


def _run(data: Path, root: Path, threads: int, monkeypatch) -> dict:
    """The job's stages (no Prefect) on one folder's extracts with DuckDB on `threads` threads; what an analyst
    sees: each cluster's members, score, flag, reasons and stable id, and the links."""
    from shellring.flows.core.settings import Settings
    from shellring.flows.core.workspace import Workspace, write_run_params
    from shellring.flows.pipeline import stages

    monkeypatch.setenv("SHELLRING_THREADS", str(threads))
    settings = Settings()
    ws = Workspace(root)
    root.mkdir()
    registrations, accounts = data / "registrations.csv", data / "accounts.csv"
    write_run_params(ws, run_id="same-input", region="test", since=None, until=None,
                     inputs=[registrations, accounts])
    stages.ingest(ws, [registrations], [accounts], "same-input")
    stages.normalize(ws, settings)
    stages.stage(ws, settings)
    stages.link(ws, settings)
    stages.apply_link_verdicts(ws, settings, None)
    stages.cluster(ws, settings)
    stages.score(ws, settings)
    stages.track_history(ws, settings, None)
    stages.build_marts(ws, settings, b"determinism-test-key-0123456789")
    con = duckdb.connect(str(ws.db), read_only=True)
    try:
        return {
            "clusters": con.execute(
                "select c.cluster_id, c.risk_score, c.flagged, c.reasons::varchar, "
                "list(m.uscc order by m.uscc) from pub_clusters as c join pub_cluster_members as m using (cluster_id) "
                "group by all order by c.cluster_id").fetchall(),
            "links": con.execute("select uscc_a, uscc_b, reason, score, cluster_id from pub_links "
                                 "order by all").fetchall(),
        }
    finally:
        con.close()


@pytest.mark.slow
def test_the_job_gives_the_same_clusters_for_the_same_rows_in_another_order_and_thread_count(tmp_path, monkeypatch):
    from shellring.flows.demo.generate import generate_demo

    files = generate_demo(tmp_path / "demo", n_companies=3000, seed=13, hard=True, variety=True)
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for name in ("registrations.csv", "accounts.csv"):
        _shuffled_copy(tmp_path / "demo" / name, shuffled / name, seed=len(name))
    shutil.copy(files.truth, shuffled / "truth.csv")
    first = _run(tmp_path / "demo", tmp_path / "one-thread", 1, monkeypatch)
    second = _run(shuffled, tmp_path / "four-threads", 4, monkeypatch)
    assert len(first["clusters"]) > 20 and any(flagged for _, _, flagged, _, _ in first["clusters"])
    assert first["clusters"] == second["clusters"]
    assert first["links"] == second["links"]
