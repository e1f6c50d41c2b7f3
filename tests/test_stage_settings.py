"""A stage's own DuckDB settings (flows/pipeline/plan.py STAGE_SETTINGS) reach its connection and no other's."""

from __future__ import annotations

import duckdb

from shellring.flows.pipeline import plan


def test_every_stage_setting_names_a_stage():
    assert set(plan.STAGE_SETTINGS) <= set(plan.STAGES)


def test_a_stage_setting_applies_to_that_stage_only(monkeypatch):
    monkeypatch.setattr(plan, "STAGE_SETTINGS", {"link": {"force_compression": "uncompressed"}})
    setting = "select current_setting('force_compression')"
    with duckdb.connect() as link, duckdb.connect() as score:
        plan.prepare_stage(link, "link")
        plan.prepare_stage(score, "score")
        assert link.execute(setting).fetchone()[0] == "uncompressed"
        assert score.execute(setting).fetchone()[0] != "uncompressed"
