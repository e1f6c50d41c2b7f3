"""What the demo quality tests share: one audited demo and floors one ring below what was measured."""

from __future__ import annotations

import math
from pathlib import Path

from shellring.flows.results.evaluate import Evaluation, evaluate
from tests.demo_extracts import run_audit


def one_ring_below(measured: float, rings: int) -> float:
    return math.floor((measured - 1 / rings) * 100) / 100 if rings else 0.0


def audited_demo(out: Path, companies: int, seed: int, tag: str, **knobs) -> Evaluation:
    """Generate the demo into `out`, run the whole audit on it and evaluate against its truth.csv."""
    from shellring.flows.demo.generate import generate_demo

    files = generate_demo(out, n_companies=companies, seed=seed, **knobs)
    run_audit(files.registrations, files.accounts, out / "results.duckdb", tag)
    return evaluate(files.truth, out / "results.duckdb")


def assert_kind_holds(r: Evaluation, kind: str, measured: float, demo: str) -> None:
    assert r.rings_by_kind[kind] > 0, f"the {demo} demo planted no {kind} ring"
    floor = one_ring_below(measured, r.rings_by_kind[kind])
    assert r.ring_recall_by_kind[kind] >= floor, (kind, r.ring_recall_by_kind, r.rings_by_kind)


def assert_level_holds(r: Evaluation, level: str, measured: float, demo: str) -> None:
    assert r.rings_by_sophistication[level] > 0, f"the {demo} demo planted no {level} ring"
    floor = one_ring_below(measured, r.rings_by_sophistication[level])
    assert r.ring_recall_by_sophistication[level] >= floor, (level, r.ring_recall_by_sophistication)
