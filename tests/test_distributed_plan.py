"""The distributed stages follow the declared plan: they write what the plan's normalize step declares, and each
partitioned step reads the table it is partitioned over (so the partition key is the key its SQL uses)."""

from __future__ import annotations

from shellring.flows.core.sqlsteps import SqlStep
from shellring.flows.distributed.stages import DRIVER_LOOKUPS, PARSED_ON_WORKERS, PARTITIONED_STEPS
from shellring.flows.pipeline.plan import stage_steps


def test_the_distributed_normalize_builds_every_lookup_the_plan_declares_from_the_declared_queries():
    (step,) = stage_steps("normalize")
    lookups = [*DRIVER_LOOKUPS, *[(table, query) for table, query, _, _ in PARSED_ON_WORKERS]]
    assert sorted(table for table, _ in lookups) == sorted(step.writes)
    assert sorted(query for _, query in lookups) == sorted(step.queries)


def test_each_partitioned_step_is_a_link_step_reading_its_partitioned_table():
    link = {step.output: step for step in stage_steps("link") if isinstance(step, SqlStep)}
    for name, (table, key) in PARTITIONED_STEPS.items():
        assert name in link
        produced_in_batch = {other for other, (t, _) in PARTITIONED_STEPS.items() if t == table}
        assert table in link[name].reads or set(link[name].reads) & produced_in_batch, name
        for column in key.split(", "):
            assert column in link[name].sql, (name, column)
