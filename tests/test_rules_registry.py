"""The rule registry refuses an incomplete rule set, and the job refuses to start on one.

Settings must give every link reason a weight and every risk term its declared thresholds; the plan
check (shellring.flows.pipeline.plan.assert_plan) must find every reason emitted by its producer and every
verdict effect applied by a step; the audit flow runs both checks before it touches anything.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest

from shellring.flows.core import rules
from shellring.flows.core.rules import RuleRegistryError, VerdictEffect
from shellring.flows.core.settings import RiskTermSetting, Settings
from shellring.flows.pipeline import plan


def without_weight(code: str) -> tuple[rules.LinkReason, ...]:
    return tuple(dataclasses.replace(r, weight=None) if r.code == code else r for r in rules.LINK_REASONS)


def test_settings_without_a_reasons_weight_refuse_naming_it():
    weights = {code: w for code, w in Settings().weights.items() if code != "SIMILAR_PHONE"}
    with pytest.raises(RuleRegistryError, match="link reason.*without a weight: SIMILAR_PHONE"):
        Settings(weights=weights)


def test_settings_with_a_weight_for_an_unknown_reason_refuse_naming_it():
    with pytest.raises(RuleRegistryError, match="unknown link reason.*SAME_EMAIL"):
        Settings(weights={**Settings().weights, "SAME_EMAIL": 1.0})


def test_a_retired_or_misspelt_setting_refuses_naming_it():
    # batch_chance_cells was a chance per run; its successor batch_chance_rate is per test, 25x apart at 5M
    with pytest.raises(ValueError, match="batch_chance_cells"):
        Settings(batch_chance_cells=0.01)
    assert Settings(batch_chance_rate=1e-4).batch_chance_rate == 1e-4


def test_a_risk_term_missing_a_threshold_refuses_naming_it():
    terms = dict(Settings().risk_terms)
    terms["nominee"] = RiskTermSetting(weight=1.6, thresholds={"window_days": 180, "full_at": 3, "partial_at": 2})
    with pytest.raises(RuleRegistryError, match="risk term nominee needs thresholds"):
        Settings(risk_terms=terms)


def test_a_registry_reason_without_a_weight_refuses_to_make_settings(monkeypatch):
    monkeypatch.setattr(rules, "LINK_REASONS", without_weight("SAME_BUILDING"))
    with pytest.raises(RuleRegistryError, match="link reason SAME_BUILDING has no weight"):
        Settings()


def test_no_reason_sentence_holds_the_separator_of_published_reasons():
    """The published reasons are one text joined by '; ' and the report splits it there again
    (flows/results/phrases.py): a sentence holding '; ' would be shown as two broken lines."""
    for language, sentences in rules.SENTENCES.items():
        for key, text in sentences.items():
            if key.startswith(("risk.", "reason.")):
                assert "; " not in text, (language, key)


def test_an_unknown_language_refuses():
    with pytest.raises(RuleRegistryError, match="language must be one of en, zh"):
        Settings(language="fr")


def test_the_plan_holds_as_shipped():
    assert plan.check_plan() == []


def test_a_verdict_effect_no_step_applies_stops_the_plan(monkeypatch):
    monkeypatch.delitem(plan.EFFECT_STEPS, VerdictEffect.ALWAYS_FLAG)
    with pytest.raises(RuleRegistryError, match="verdict confirmed_ring: no step applies its effect always_flag"):
        plan.assert_plan()


def test_a_verdict_effect_its_step_does_not_handle_stops_the_plan(monkeypatch):
    monkeypatch.setitem(plan.EFFECT_STEPS, VerdictEffect.AS_SCORED, "dropped_links")
    with pytest.raises(RuleRegistryError,
                       match="verdict needs_review: dropped_links does not handle its effect as_scored"):
        plan.assert_plan()


def test_a_reason_its_producer_never_emits_stops_the_plan(monkeypatch):
    moved = tuple(dataclasses.replace(r, produced_by="shared_value_evidence") if r.code == "SAME_SCOPE" else r
                  for r in rules.LINK_REASONS)
    monkeypatch.setattr(rules, "LINK_REASONS", moved)
    with pytest.raises(RuleRegistryError, match="link reason SAME_SCOPE: shared_value_evidence never emits it"):
        plan.assert_plan()


@pytest.fixture
def audit(monkeypatch):
    """The audit flow's undecorated function; outside a Prefect run its logger is a plain one."""
    from shellring.flows.orchestration import audit

    monkeypatch.setattr(audit, "get_run_logger", lambda: logging.getLogger("audit-test"))
    return audit


def run_audit(audit, tmp_path):
    # the extracts need not exist: the flow must refuse before it reads them
    audit.audit_flow.fn(registrations=[str(tmp_path / "registrations.csv")],
                        accounts=[str(tmp_path / "accounts.csv")], db=str(tmp_path / "results.duckdb"))


def test_the_audit_refuses_to_start_on_an_unapplied_verdict_effect(audit, tmp_path, monkeypatch):
    monkeypatch.delitem(plan.EFFECT_STEPS, VerdictEffect.UNFLAG_UNLESS_GROWN)
    with pytest.raises(RuleRegistryError, match="no step applies its effect unflag_unless_grown"):
        run_audit(audit, tmp_path)
    assert list(tmp_path.iterdir()) == []  # no working DB, no workspace, no results


def test_the_audit_refuses_to_start_on_a_reason_without_a_weight(audit, tmp_path, monkeypatch):
    monkeypatch.setattr(rules, "LINK_REASONS", without_weight("REP_ID_TYPO"))
    with pytest.raises(RuleRegistryError, match="link reason REP_ID_TYPO has no weight"):
        run_audit(audit, tmp_path)
    assert list(tmp_path.iterdir()) == []
