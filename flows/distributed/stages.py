"""Stages whose work the driver maps over partitions with the Dask client; the rest of each stage runs on the
driver's working DB exactly as in one process (flows/pipeline/stages.py).

What runs where (each partition exact because it holds every row its SQL joins or groups on):
- normalize: the distinct raw names, company names, addresses and phones, split by a hash of the value (and
  its hint) and parsed on the workers; the USCC and resident-ID checks are vectorised and stay on the driver.
- link: `attribute_values` and `shared_value_evidence` over `company_attributes` split by a hash of
  (attr_kind, attr_value), the national key index: every company holding a value sits in one partition, so a
  hub's count is national and a pair across regions is an ordinary pair; `company_links` over
  `pair_evidence` split by a hash of the pair. The building, branch, scope and hometown evidence and the
  fuzzy steps group on other keys and run on the driver.
- ingest, stage, verdicts, cluster (components and Leiden need the whole graph, which is only the links),
  score, history, marts and publish run on the driver.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import SqlStep, fetch_frame, load_query, run_sql
from shellring.flows.core.workspace import Workspace, connect
from shellring.flows.distributed import tasks
from shellring.flows.distributed.partitions import export_partitioned, export_whole, gather
from shellring.flows.pipeline.plan import RunContext, prepare_stage, stage_steps

# Step -> (the table it is partitioned over, the key). Consecutive steps over the same table and key run
# together in one task per partition.
PARTITIONED_STEPS: dict[str, tuple[str, str]] = {
    "attribute_values": ("company_attributes", "attr_kind, attr_value"),
    "shared_value_evidence": ("company_attributes", "attr_kind, attr_value"),
    "company_links": ("pair_evidence", "company_a, company_b"),
}
RULE_TABLES = {"link_reasons", "risk_terms", "verdict_kinds"}  # every task makes these from the settings

# (lookup table, its distinct-value query) checked on the driver: vectorised, and norm_uscc gives the others hints
DRIVER_LOOKUPS = [("norm_uscc", "queries/unique_uscc"), ("norm_resident_id", "queries/unique_resident_ids")]
# (lookup table, its distinct-value query, parser, parsed with a hint) parsed on the workers
PARSED_ON_WORKERS = [
    ("norm_person_name", "queries/unique_person_names",
     "shellring.matchers.names:parse_person_names_for_linking", False),
    ("norm_company_name", "queries/unique_company_names", "shellring.matchers.company:parse_company_names", False),
    ("norm_address", "queries/unique_addresses", "shellring.matchers.address:parse_addresses", True),
    ("norm_phone", "queries/unique_phones", "shellring.matchers.phone:parse_phones", True),
]


def _run_variables(con: duckdb.DuckDBPyConnection) -> dict:
    result = con.execute("select * from run_params")
    names = [column[0] for column in result.description]
    return {k: v for k, v in zip(names, result.fetchall()[0]) if k != "memory_limit"}


def _store_frame(con: duckdb.DuckDBPyConnection, table: str, frame) -> None:
    con.register("_lookup", frame.to_arrow())
    con.execute(f"create or replace table {table} as select * from _lookup")
    con.unregister("_lookup")


def normalize(ws: Workspace, settings: Settings, client, n_parts: int, shared: Path) -> dict:
    """The norm_* lookup tables, the per-value parsers' share computed on the workers."""
    from shellring.matchers.ids import parse_resident_ids, parse_usccs

    folder = shared / "normalize"
    stats: dict[str, dict[str, float]] = {}
    with connect(ws, settings) as con:
        parsers = {"norm_uscc": parse_usccs, "norm_resident_id": parse_resident_ids}
        for table, query in DRIVER_LOOKUPS:
            parse = parsers[table]
            started = time.perf_counter()
            unique = fetch_frame(con, load_query(query).sql)
            _store_frame(con, table, parse(unique["input"].to_list()))
            stats[table] = {"unique_values": unique.height, "seconds": round(time.perf_counter() - started, 3)}
        started = time.perf_counter()
        futures = {}
        for table, query, parser, hinted in PARSED_ON_WORKERS:
            con.execute(f"create or replace temp table _unique_{table} as {load_query(query).sql}")
            key = "input, hint" if hinted else "input"
            parts = export_partitioned(con, f"_unique_{table}", key, n_parts, folder / "in")
            futures[table] = [
                client.submit(tasks.parse_values, files, parser, hinted,
                              str(folder / "out" / table / f"part-{part:05d}.parquet"), pure=False)
                for part, files in enumerate(parts)]
        for table, *_ in PARSED_ON_WORKERS:
            results = client.gather(futures[table])
            gather(con, table, [path for path, _, _ in results])
            stats[table] = {"unique_values": sum(rows for _, rows, _ in results),
                            "seconds": round(time.perf_counter() - started, 3),
                            "task_seconds": round(sum(seconds for _, _, seconds in results), 3)}
            con.execute(f"drop table _unique_{table}")
    shutil.rmtree(folder, ignore_errors=True)
    return stats


def _batches(steps: list) -> list[tuple[str | None, list]]:
    """Consecutive steps grouped: (partition table, [steps]) for partitioned runs, (None, [step]) otherwise."""
    batches: list[tuple[str | None, list]] = []
    for step in steps:
        name = step.output if isinstance(step, SqlStep) else step.name
        over = PARTITIONED_STEPS.get(name)
        if over and batches and batches[-1][0] == over:
            batches[-1][1].append(step)
        else:
            batches.append((over, [step]))
    return batches


def _run_partitioned(con: duckdb.DuckDBPyConnection, over: tuple[str, str], steps: list[SqlStep], client,
                     n_parts: int, folder: Path, settings: Settings) -> float:
    """Run the steps as one task per partition and gather their outputs; returns the tasks' summed seconds."""
    table, key = over
    made = {step.output for step in steps}
    reads = {t for step in steps for t in step.reads} - made - RULE_TABLES
    inputs_per_part = [{} for _ in range(n_parts)]
    for name in sorted(reads):
        if name == table:
            for part, files in enumerate(export_partitioned(con, name, key, n_parts, folder / "in")):
                inputs_per_part[part][name] = files
        else:
            whole = export_whole(con, name, folder / "in")
            for inputs in inputs_per_part:
                inputs[name] = whole
    outputs = [step.output for step in steps if not step.temporary]
    names = [step.name for step in steps]
    futures = [client.submit(tasks.run_steps, inputs, names, outputs, _run_variables(con), settings,
                             str(folder / "out"), part, pure=False)
               for part, inputs in enumerate(inputs_per_part)]
    results = client.gather(futures)
    for output in outputs:
        gather(con, output, [result[output][0] for result in results])
    return sum(result["seconds"] for result in results)


def link(ws: Workspace, settings: Settings, client, n_parts: int, shared: Path, national_hubs: Path | None = None,
         key: bytes | None = None) -> dict:
    """The link stage with its value-keyed and pair-keyed steps on the workers."""
    folder = shared / "link"
    ctx = RunContext(ws, settings, national_hubs=national_hubs, key=key)
    seconds: dict[str, float] = {}  # per batch: the workers' summed task seconds, or the driver's seconds
    with connect(ws, settings) as con:
        prepare_stage(con, "link")
        for over, steps in _batches(stage_steps("link")):
            started = time.perf_counter()
            if over is not None:
                tasks_seconds = _run_partitioned(con, over, steps, client, n_parts, folder / steps[0].output,
                                                 settings)
                seconds["+".join(s.output for s in steps)] = {
                    "wall": round(time.perf_counter() - started, 3), "task_seconds": round(tasks_seconds, 3)}
                continue
            step = steps[0]
            if isinstance(step, SqlStep):
                run_sql(con, step)
            else:
                ctx.outcomes[step.name] = step.run(con, ctx)
            seconds[step.output if isinstance(step, SqlStep) else step.name] = round(time.perf_counter() - started, 3)
        summary = {
            "evidence_rows": con.execute("select count(*) from pair_evidence").fetchone()[0],
            "links": con.execute("select count(*) from company_links where is_link").fetchone()[0],
            "hub_values": con.execute("select count(*) from attribute_values where is_hub").fetchone()[0],
            "partitions": n_parts,
            "seconds": seconds,
        }
    shutil.rmtree(folder, ignore_errors=True)
    return summary

