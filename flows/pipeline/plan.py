"""The audit job as a declared plan: stages of steps, each with what it reads, writes and needs.

A SQL step is a file of sql/ (it declares its reads and variables in its header, and writes the table
named after it: flows/core/sqlsteps.py). A Python step does what SQL is weak at (parsing, fuzzy
scores, graph clustering) or reads from outside the working DB (extracts, the verdict store, the
published results); it declares the same things here. The stages in flows/pipeline/stages.py run
exactly these steps in this order, so the plan that `shellring plan` prints is the plan that runs.

`check_plan` is what the plan test and the job's start-up rely on: every table a step reads is
written by an earlier step (a temp table only within its stage), every variable is bound by the
settings, the run's parameters or an earlier step, nothing is written twice, the SQL headers say
what the SQL does, and the rule registry and the SQL agree.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from shellring.flows.core import rules
from shellring.flows.core.rules import RuleRegistryError
from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import SqlStep, load_query, load_step, run_sql
from shellring.flows.core.workspace import Workspace

# Bound from the run's parameters (flows/core/workspace.py write_run_params) in every stage.
RUN_PARAMETERS = ("run_id", "region", "since", "until", "memory_limit")


@dataclass
class RunContext:
    """What a Python step may need besides the connection: settings, files, the key."""

    ws: Workspace
    settings: Settings
    run_id: str | None = None
    registrations: tuple[Path, ...] = ()
    accounts: tuple[Path, ...] = ()
    mapping: Path | None = None
    results_db: Path | None = None
    key: bytes | None = None
    regions: dict[str, str] = field(default_factory=dict)  # extract file -> its region, in a national run
    national_hubs: Path | None = None  # a national results DB whose published hubs are hubs here too
    outcomes: dict = field(default_factory=dict)  # each Python step's return value, by step name


@dataclass(frozen=True)
class PythonStep:
    name: str
    doc: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    run: Callable[[duckdb.DuckDBPyConnection, RunContext], object]
    params: tuple[str, ...] = ()  # settings it uses
    binds: tuple[str, ...] = ()  # variables it sets for the steps after it
    outside: str = ""  # what it reads from outside the working DB
    module: str = ""  # where its logic lives, when not in this file
    queries: tuple[str, ...] = ()  # the sql/queries/ files it reads through


Step = SqlStep | PythonStep


def _ingest(con, ctx: RunContext):
    from shellring.flows.pipeline.ingest import load_extracts

    con.execute("drop table if exists rejected_rows")
    # the region of each extract file, as the file is named in src_*.src_file (none: the run's region)
    con.execute("create or replace table extract_regions (src_file varchar, region varchar)")
    if ctx.regions:
        con.executemany("insert into extract_regions values (?, ?)", sorted(ctx.regions.items()))
    return {kind: load_extracts(con, list(paths), kind, run_id=ctx.run_id, workdir=ctx.ws.scratch,
                                mapping=ctx.mapping).__dict__
            for kind, paths in (("registrations", ctx.registrations), ("accounts", ctx.accounts))}


def _normalize(con, ctx: RunContext):
    from shellring.flows.core.sqlsteps import memory_limit_mib
    from shellring.flows.pipeline.normalize import normalize_all

    # This stage's SQL is only DISTINCT queries; the memory belongs to the Python parsers, so
    # DuckDB gives back cached extract pages above half its budget.
    con.execute("set memory_limit = ?", [f"{max(64, int(memory_limit_mib(con) / 2))}MiB"])
    return normalize_all(con, ctx.ws.scratch)


def _national_hubs(con, ctx: RunContext):
    from shellring.flows.pipeline.national_hubs import build_national_hub_values

    return build_national_hub_values(con, ctx.national_hubs, ctx.key)


def _fuzzy(con, ctx: RunContext):
    from shellring.flows.pipeline.fuzzy_evidence import build_fuzzy_evidence

    return build_fuzzy_evidence(con, ctx.settings.address_min_similarity)


def _verdict_snapshot(con, ctx: RunContext):
    from shellring.flows.results.verdicts import snapshot_verdicts

    return snapshot_verdicts(con, ctx.results_db)


def _clusters(con, ctx: RunContext):
    from shellring.flows.pipeline.components import build_company_clusters

    return build_company_clusters(con, ctx.settings)


def _history_inputs(con, ctx: RunContext):
    from shellring.flows.pipeline.lineage import read_history

    return read_history(con, ctx.results_db)


def _inherited_ids(con, ctx: RunContext):
    from shellring.flows.pipeline.lineage import build_inherited_ids

    return build_inherited_ids(con)


def _pseudonyms(con, ctx: RunContext):
    from shellring.flows.core.masking import create_masking_macros
    from shellring.flows.pipeline.pseudonyms import build_pseudonyms

    if ctx.key is None:
        raise RuleRegistryError("the marts stage needs the pseudonymisation key")
    create_masking_macros(con)
    return build_pseudonyms(con, ctx.key)


def _rule_tables(con, ctx: RunContext):
    ctx.settings.apply(con)


RULE_TABLES = PythonStep(
    "rule_tables", "the rule registry and settings as tables and variables (set at the start of every stage)",
    reads=(), writes=("link_reasons", "risk_terms", "verdict_kinds"), run=_rule_tables)

STAGES: dict[str, tuple[str | PythonStep, ...]] = {
    "ingest": (
        PythonStep("ingest", "load the extracts, rejecting rows that cannot load (file, line, column, reason)",
                   reads=(), writes=("src_registrations", "src_accounts", "rejected_rows", "extract_regions"),
                   run=_ingest,
                   outside="the registration and account extracts (CSV, XLSX, Parquet)"),
    ),
    "normalize": (
        PythonStep("normalize", "parse each distinct raw value once into a lookup table (matchers/)",
                   reads=("src_registrations", "src_accounts", "norm_uscc"),
                   writes=("norm_uscc", "norm_resident_id", "norm_person_name", "norm_company_name", "norm_address",
                           "norm_phone"), run=_normalize,
                   queries=("queries/unique_uscc", "queries/unique_resident_ids", "queries/unique_person_names",
                            "queries/unique_company_names", "queries/unique_addresses", "queries/unique_phones")),
    ),
    "stage": (
        "staging/business_scopes", "staging/company_base", "staging/room_blocks", "staging/stg_accounts",
        "staging/company_people", "staging/company_contact", "staging/stg_companies", "staging/company_regions",
    ),
    "link": (
        "linking/company_attributes",
        PythonStep("national_hub_values", "values this run's companies share that a national run published as hubs",
                   reads=("company_attributes",), writes=("national_hub_values",), run=_national_hubs,
                   outside="the national results DB's hubs (read-only, --national-hubs)",
                   module="shellring.flows.pipeline.national_hubs"),
        "linking/attribute_values", "linking/shared_value_evidence",
        "linking/weak_evidence", "linking/batch_evidence", "linking/room_neighbour_evidence",
        "linking/rep_id_candidates", "linking/address_candidates",
        PythonStep("fuzzy_evidence", "REP_ID_TYPO and SIMILAR_ADDRESS pairs from the candidates (rapidfuzz)",
                   reads=("rep_id_candidates", "address_candidates"), writes=("fuzzy_evidence",), run=_fuzzy,
                   params=("address_min_similarity",), module="shellring.flows.pipeline.fuzzy_evidence"),
        "linking/pair_evidence", "linking/company_links",
    ),
    "verdicts": (
        PythonStep("analyst_verdicts", "snapshot of the analysts' verdicts, read-only",
                   reads=(), writes=("analyst_verdicts",), run=_verdict_snapshot,
                   outside="the verdict store, RESULTS.verdicts.duckdb"),
        "history/effective_verdicts", "history/dropped_links", "history/company_links_kept",
    ),
    "cluster": (
        PythonStep("company_clusters", "components, Leiden refinement and the cluster rules (igraph, scipy)",
                   reads=("company_links_kept", "stg_companies", "stg_accounts", "link_reasons",
                          "company_attributes", "attribute_values", "pair_evidence"),
                   writes=("company_clusters",), run=_clusters,
                   queries=("queries/own_value_carriers", "queries/fresh_openings",
                            "queries/fresh_registrations", "queries/batch_pairs", "queries/crowded_buildings"),
                   params=("link_threshold", "cluster_resolution", "cluster_seed", "max_cluster_size", "recut_step",
                           "recut_max_rounds", "recut_dense_share", "merge_density", "merge_min_pairs",
                           "merge_context_density",
                           "cluster_min_size", "nominee_min_companies", "nominee_merge_min_pairs",
                           "nominee_half_share", "attach_context_families", "attach_fresh_days", "attach_min_weight",
                           "attach_min_coverage",
                           "attach_min_reach",
                           "attach_cover_share", "attach_cover_min_members", "attach_cover_families",
                           "attach_own_min_members", "scope_min_length", "hub_limit_scope", "weak_days",
                           "batch_cluster_share", "fresh_days", "batch_min_age", "batch_member_max_age",
                           "branch_days", "hometown_days", "batch_straggler_chance", "place_pendant_building",
                           "roomed_building_share"),
                   module="shellring.flows.pipeline.components"),
    ),
    "score": ("clusters/company_features", "clusters/cluster_features", "clusters/cluster_shape",
              "clusters/cluster_terms", "clusters/cluster_scores"),
    "history": (
        PythonStep("history_inputs", "the region's previous run's clusters, the ids ever issued, verdicts' members",
                   reads=("effective_verdicts",),
                   writes=("prev_members", "used_cluster_ids", "verdict_members", "pub_run_history"),
                   run=_history_inputs, binds=("previous_run_id",), outside="the published results DB (read-only)"),
        "history/cur_members", "history/cur_clusters", "history/lineage_edges",
        PythonStep("inherited_ids", "previous ids handed over one to one along the strongest overlaps",
                   reads=("lineage_edges",), writes=("inherited_ids",), run=_inherited_ids),
        "history/stable_cluster_ids", "history/pub_cluster_lineage", "history/pub_cluster_changes",
        "history/member_verdict_flags", "history/cluster_verdict_effects", "clusters/cluster_flags",
    ),
    "marts": (
        PythonStep("pseudonyms", "HMAC pseudonyms of the IDs and phones the published tables show",
                   reads=("company_attributes", "stg_companies", "pair_evidence", "company_clusters",
                          "attribute_values"), writes=("pseudonyms",), run=_pseudonyms,
                   queries=("queries/pseudonym_values",)),
        "marts/pub_hub_members", "marts/pub_hubs", "marts/pub_cluster_hubs", "marts/pub_clusters",
        "marts/in_cluster_pairs", "marts/linked_members", "marts/pub_cluster_members", "marts/pub_links",
        "marts/pub_cluster_values",
    ),
}


def stage_steps(stage: str) -> list[Step]:
    return [load_step(step) if isinstance(step, str) else step for step in STAGES[stage]]


def plan() -> Iterator[tuple[str, Step]]:
    yield "settings", RULE_TABLES
    for stage in STAGES:
        for step in stage_steps(stage):
            yield stage, step


# DuckDB settings of one stage's connection, e.g. {"link": {"force_compression": "uncompressed"}}.
# stage: choosing DICT_FSST for each string segment is two thirds of the CPU of writing stg_companies and
# stg_accounts (1M + 1M: 7.7 -> 2.6 and 3.2 -> 1.1 CPU-s); the price is disk, 175 -> 646 and 70 -> 184 MiB
# (bench/RESULTS-scale.md). The working DB is scratch, as for the lookups (normalize.py).
# ingest: the same for src_registrations and src_accounts (writing them at 1M + 1M: 7.4 -> 2.6 CPU-s; working DB
# after ingest 0.21 -> 0.88 GB; bench/RESULTS-scale.md, s8-perf-ingest). Only DICT_FSST is off: the other
# methods stay. Fully uncompressed writes (force_compression) were tried for ingest, link and marts and cost
# wall time on the shared disk (perf-sql 2026-12-05).
# link and marts: the same again (1M + 1M, each table written alone, CPU-s: pub_links 4.3 -> 1.4, company_attributes
# 2.4 -> 1.2, pub_cluster_members 0.55 -> 0.25; pair_evidence and company_links the same either way). The price is
# disk: the working DB +1.1 GB at 1M + 1M (pair_evidence 50 -> 434 MiB, pub_links 200 -> 540, company_attributes
# 73 -> 210; bench/RESULTS-scale.md, s9-perf-link). The stages in between write small tables and follow suit;
# normalize sets its own (normalize.py) and cluster writes integers only.
_WITHOUT_DICT_FSST = {"disabled_compression_methods": "dict_fsst"}
STAGE_SETTINGS: dict[str, dict[str, str]] = {
    stage: _WITHOUT_DICT_FSST for stage in ("ingest", "stage", "link", "verdicts", "score", "history", "marts")}


def prepare_stage(con: duckdb.DuckDBPyConnection, stage: str) -> None:
    """Apply the stage's own DuckDB settings (STAGE_SETTINGS) to its connection."""
    for name, value in STAGE_SETTINGS.get(stage, {}).items():
        con.execute(f"set {name} = ?", [value])


def run_stage(con: duckdb.DuckDBPyConnection, stage: str, ctx: RunContext) -> RunContext:
    """Run one stage's steps in order on the run's working DB."""
    prepare_stage(con, stage)
    for step in stage_steps(stage):
        if isinstance(step, PythonStep):
            ctx.outcomes[step.name] = step.run(con, ctx)
        else:
            run_sql(con, step)
    return ctx


def writes(step: Step) -> tuple[str, ...]:
    return (step.output,) if isinstance(step, SqlStep) else step.writes


def _header_problems(sql: SqlStep) -> list[str]:
    """A step's or query's header against what its SQL reads and uses."""
    problems = []
    derived = sql.derived_reads()
    if set(sql.reads) != derived:
        problems.append(f"{sql.path} declares reads {sorted(sql.reads)} but its SQL reads {sorted(derived)}")
    if set(sql.params) != sql.used_params():
        problems.append(f"{sql.path} declares params {sorted(sql.params)} but its SQL uses {sorted(sql.used_params())}")
    return problems


def check_plan(steps: list[tuple[str, Step]] | None = None, settings: Settings | None = None) -> list[str]:
    """What is wrong with the plan, in words; empty when it holds."""
    steps = list(plan()) if steps is None else steps
    settings = settings or Settings()
    problems: list[str] = []
    bound = set(settings.variables()) | set(RUN_PARAMETERS)
    settings_fields = set(Settings.model_fields)  # what a Python step may use directly
    written: dict[str, tuple[str, bool]] = {}  # table -> (stage, temporary)
    for stage, step in steps:
        label = step.path if isinstance(step, SqlStep) else f"python step {step.name}"
        if isinstance(step, SqlStep):
            problems += _header_problems(step)
        for query in map(load_query, getattr(step, "queries", ())):
            problems += _header_problems(query)
            undeclared = set(query.reads) - set(step.reads)
            if undeclared:
                problems.append(f"{label} reads {', '.join(sorted(undeclared))} through {query.path} "
                                "without declaring it")
        for table in step.reads:
            if table in writes(step):
                continue  # a step that reads back what it wrote itself (norm_uscc gives the others their hints)
            if table not in written:
                problems.append(f"{label} reads {table}, which no earlier step writes")
            elif written[table][1] and written[table][0] != stage:
                problems.append(f"{label} reads temp table {table} of stage {written[table][0]}")
        for name in step.params:
            if name not in bound and not (isinstance(step, PythonStep) and name in settings_fields):
                problems.append(f"{label} needs variable {name}, which nothing binds")
        for table in writes(step):
            if table in written:
                problems.append(f"{label} writes {table}, already written in stage {written[table][0]}")
            written[table] = (stage, isinstance(step, SqlStep) and step.temporary)
        if isinstance(step, PythonStep):
            bound |= set(step.binds)
    used = {name for _, step in steps for name in step.params}
    for code, term in settings.risk_terms.items():
        for name in term.thresholds:
            if f"{code}__{name}" not in used:
                problems.append(f"risk term {code}: no step uses its threshold {name} ({code}__{name})")
    problems += check_rules_against_steps(dict((s.name if isinstance(s, PythonStep) else s.output, s)
                                               for _, s in steps))
    return problems


# Which step applies each verdict effect; None: recorded and shown, nothing else to apply.
EFFECT_STEPS = {
    rules.VerdictEffect.ALWAYS_FLAG: "cluster_verdict_effects",
    rules.VerdictEffect.UNFLAG_UNLESS_GROWN: "cluster_verdict_effects",
    rules.VerdictEffect.AS_SCORED: "cluster_verdict_effects",
    rules.VerdictEffect.DROP_LINK: "dropped_links",
    rules.VerdictEffect.KEEP_LINK: None,
}


def _source(step: Step) -> str:
    if isinstance(step, SqlStep):
        return step.sql
    if not step.module:
        return inspect.getsource(inspect.getmodule(step.run))
    return Path(importlib.util.find_spec(step.module).origin).read_text(encoding="utf-8")  # without importing it


def check_rules_against_steps(by_name: dict[str, Step]) -> list[str]:
    """Every link reason is emitted by the step the registry names; every verdict effect is applied."""
    problems = []
    for reason in rules.LINK_REASONS:
        producer = by_name.get(reason.produced_by)
        if producer is None:
            problems.append(f"link reason {reason.code}: its producer {reason.produced_by} is not in the plan")
            continue
        text = _source(producer)
        if f"'{reason.code}'" not in text and f'"{reason.code}"' not in text:
            problems.append(f"link reason {reason.code}: {reason.produced_by} never emits it")
    for kind in rules.VERDICT_KINDS:
        if kind.effect not in EFFECT_STEPS:
            problems.append(f"verdict {kind.code}: no step applies its effect {kind.effect.value}")
            continue
        step_name = EFFECT_STEPS[kind.effect]
        if step_name is not None and f"'{kind.effect.value}'" not in _source(by_name[step_name]):
            problems.append(f"verdict {kind.code}: {step_name} does not handle its effect {kind.effect.value}")
    return problems


def assert_plan(settings: Settings | None = None) -> None:
    """Refuse to start on a plan or rule set that does not hold together."""
    problems = check_plan(settings=settings)
    if problems:
        raise RuleRegistryError("the pipeline plan does not hold:\n  " + "\n  ".join(problems))


def _value(bound: dict, name: str) -> str:
    return f"{name}={bound[name]!r}" if name in bound else f"{name} (set by the run)"


def describe(settings: Settings | None = None) -> list[dict]:
    """The plan as rows for printing: stage, step, kind, what it is, reads, writes, parameters in force."""
    settings = settings or Settings()
    bound = {**settings.model_dump(exclude={"weights", "risk_terms"}), **settings.variables()}
    described = []
    for stage, step in plan():
        sql = isinstance(step, SqlStep)
        reads = list(step.reads) + ([] if sql or not step.outside else [f"({step.outside})"])
        described.append({
            "stage": stage,
            "step": step.path if sql else step.name,
            "kind": ("sql, temp table" if step.temporary else "sql") if sql else "python",
            "doc": step.doc,
            "reads": reads,
            "writes": list(writes(step)),
            "params": [_value(bound, name) for name in step.params],
            "binds": [] if sql else list(step.binds),
        })
    return described
