"""The declared pipeline holds: every read has a producer, every variable is bound, nothing is written
twice, each SQL header says what its SQL does; and the check catches each kind of breakage."""

from __future__ import annotations

from importlib import resources

import duckdb
import pytest
from typer.testing import CliRunner

from shellring.flows.cli.app import app
from shellring.flows.core.sqlsteps import SqlStep, SqlStepError, load_step, parse_step, run_sql
from shellring.flows.pipeline.plan import PythonStep, check_plan, plan


def _steps() -> list:
    return list(plan())


def _replace(steps: list, name: str, new_step) -> list:
    return [(stage, new_step if isinstance(step, SqlStep) and step.name == name else step) for stage, step in steps]


def test_the_plan_holds():
    assert check_plan() == []


def test_every_sql_file_outside_schema_is_a_step_of_the_plan():
    root = resources.files("shellring.sql")
    files = {f"{folder.name}/{f.name[:-4]}" for folder in root.iterdir() if folder.is_dir()
             and folder.name not in ("schema", "queries", "__pycache__")
             for f in folder.iterdir() if f.name.endswith(".sql")}
    planned = {step.name for _, step in _steps() if isinstance(step, SqlStep)}
    assert files == planned


def test_each_step_writes_its_own_table_and_the_stages_run_in_dependency_order():
    steps = _steps()
    stages = [stage for stage, _ in steps]
    assert stages.index("link") < stages.index("verdicts") < stages.index("cluster") < stages.index("marts")
    for _, step in steps:
        if isinstance(step, SqlStep):
            assert step.output == step.name.rsplit("/", 1)[1]


BROKEN_READ = """-- A copy of company_links that reads a table no step writes.
--
-- reads: pair_evidence, link_reasons, ghost_table
-- params: fixed_line_factor, weak_rarity_size, link_threshold

create or replace table company_links as
select e.* from pair_evidence as e join ghost_table as g using (company_a)
where getvariable('fixed_line_factor') > 0 and getvariable('weak_rarity_size') > 0
    and getvariable('link_threshold') > 0 and e.reason in (select reason from link_reasons)
"""


def test_a_step_reading_a_table_nobody_writes_breaks_the_plan():
    broken = _replace(_steps(), "linking/company_links", parse_step("linking/company_links", BROKEN_READ))
    assert any("reads ghost_table, which no earlier step writes" in p for p in check_plan(broken))


def test_a_step_using_an_unbound_variable_breaks_the_plan():
    sql = load_step("clusters/cluster_scores").sql.replace(
        "-- params: flag_threshold, explain_min_contribution",
        "-- params: flag_threshold, explain_min_contribution, flag_treshold").replace(
        ">= getvariable('flag_threshold')", ">= getvariable('flag_treshold')")
    broken = _replace(_steps(), "clusters/cluster_scores", parse_step("clusters/cluster_scores", sql))
    problems = check_plan(broken)
    assert any("needs variable flag_treshold, which nothing binds" in p for p in problems), problems


def test_a_header_that_does_not_match_its_sql_breaks_the_plan():
    sql = load_step("history/cur_clusters").sql.replace("-- reads: cur_members", "-- reads: cur_members, stg_companies")
    broken = _replace(_steps(), "history/cur_clusters", parse_step("history/cur_clusters", sql))
    assert any("declares reads ['cur_members', 'stg_companies'] but its SQL reads ['cur_members']" in p
               for p in check_plan(broken))
    sql = load_step("linking/company_links").sql.replace("-- params: fixed_line_factor, ", "-- params: ")
    broken = _replace(_steps(), "linking/company_links", parse_step("linking/company_links", sql))
    assert any("declares params" in p and "fixed_line_factor" in p for p in check_plan(broken))


def test_a_table_written_twice_or_read_before_it_is_written_breaks_the_plan():
    steps = _steps()
    twice = steps + [("marts", load_step("linking/company_links"))]
    assert any("writes company_links, already written in stage link" in p for p in check_plan(twice))
    scores = next(i for i, (_, s) in enumerate(steps) if isinstance(s, SqlStep) and s.output == "cluster_scores")
    early = [steps[scores]] + steps[:scores] + steps[scores + 1:]
    assert any("reads cluster_terms, which no earlier step writes" in p for p in check_plan(early))


def test_a_temp_table_is_read_only_within_its_stage():
    steps = _steps()
    moved = [(("marts" if isinstance(s, SqlStep) and s.output == "stg_companies" else stage), s) for stage, s in steps]
    assert any("reads temp table company_base of stage stage" in p for p in check_plan(moved))


def test_a_python_step_that_reads_what_nobody_writes_breaks_the_plan():
    ghost = PythonStep("ghost", "reads a ghost", reads=("ghost_table",), writes=("ghost_out",),
                       run=lambda con, ctx: None)
    assert any("python step ghost reads ghost_table" in p for p in check_plan(_steps() + [("marts", ghost)]))


def test_a_file_that_creates_two_tables_or_declares_nothing_is_refused():
    two = "-- reads: a\ncreate or replace table x as select 1;\ncreate or replace table y as select 2;"
    with pytest.raises(SqlStepError, match="must create exactly one table, x; it creates x, y"):
        parse_step("linking/x", two)
    with pytest.raises(SqlStepError, match="does not declare what it reads"):
        parse_step("linking/x", "create or replace table x as select 1")


def test_a_step_refuses_to_run_while_a_variable_it_needs_is_unset():
    """An unset getvariable() is NULL in DuckDB: the filter would silently keep nothing."""
    con = duckdb.connect()
    con.execute("create table cluster_terms (cluster_no integer, term varchar, contribution double, says varchar)")
    with pytest.raises(SqlStepError, match="needs variable\\(s\\) explain_min_contribution, flag_threshold"):
        run_sql(con, load_step("clusters/cluster_scores"))


def test_shellring_plan_lists_every_step_with_its_inputs_output_and_parameters():
    result = CliRunner().invoke(app, ["plan"])
    assert result.exit_code == 0, result.output
    for stage, step in _steps():
        name = step.path if isinstance(step, SqlStep) else step.name
        assert name in result.output
        assert f"stage {stage}" in result.output
    assert "params: flag_threshold=50.0, explain_min_contribution=0.3" in result.output
    assert "reads:  company_links_kept, stg_companies, stg_accounts, link_reasons" in result.output


def test_a_registry_threshold_no_step_reads_breaks_the_plan():
    sql = load_step("clusters/cluster_features").sql.replace(
        "getvariable('multi_bank__min_banks')", "2").replace("-- params: multi_bank__min_banks, ", "-- params: ")
    broken = _replace(_steps(), "clusters/cluster_features", parse_step("clusters/cluster_features", sql))
    assert "risk term multi_bank: no step uses its threshold min_banks (multi_bank__min_banks)" in check_plan(broken)


def test_the_readme_rule_tables_and_pipeline_outline_match_the_registry():
    """The README's reason, risk-term and verdict tables and its pipeline outline are rendered from the
    registry and the plan; regenerate with `python -m shellring.flows.pipeline.readme README.md`."""
    from pathlib import Path

    from shellring.flows.core import rules
    from shellring.flows.pipeline.readme import rendered

    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert rendered(text) == text
    for reason in rules.LINK_REASONS:
        assert f"| `{reason.code}` |" in text
    for kind in rules.VERDICT_KINDS:
        assert f"| `{kind.code}` | {kind.target} | `{kind.effect.value}` |" in text


def test_every_query_file_is_read_by_a_python_step_that_declares_its_tables():
    root = resources.files("shellring.sql").joinpath("queries")
    files = {f"queries/{f.name[:-4]}" for f in root.iterdir() if f.name.endswith(".sql")}
    used = {q for _, step in _steps() if isinstance(step, PythonStep) for q in step.queries}
    assert files == used
    normalize = next(step for _, step in _steps() if isinstance(step, PythonStep) and step.name == "normalize")
    hidden = PythonStep(**{**normalize.__dict__, "reads": ("src_registrations", "src_accounts")})
    steps = [(stage, hidden if s is normalize else s) for stage, s in _steps()]
    assert any("reads norm_uscc through sql/queries/unique_addresses.sql without declaring it" in p
               for p in check_plan(steps))


def test_every_setting_is_read_by_a_declared_step():
    """A setting no step declares would reach the run id and the manifest but change nothing. Weights and risk
    terms reach the SQL as the rule tables (link_reasons, risk_terms); the language also as those tables'
    sentences, and pub_clusters records it."""
    from shellring.flows.core.settings import Settings

    used = {name for _, step in _steps() for name in step.params}
    assert set(Settings.model_fields) - used == {"weights", "risk_terms"}
