"""The flow that deployments schedule: one region's audit over its latest extracts and recent accounts.

It only resolves what a scheduled run needs (files, window, results DB) from the regions config and
then runs the ordinary `audit_flow` as a subflow, so `shellring run` keeps working without a server.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from prefect import flow, get_run_logger

from shellring.flows.orchestration.audit import audit_flow
from shellring.flows.orchestration.regions import (
    audit_window,
    get_region,
    newer_incomplete_periods,
    resolve_extracts,
    run_date,
)


def scheduled_moment() -> datetime:
    """When this flow run was scheduled for (a manual run: when it was created); now outside a run."""
    from prefect.runtime import flow_run

    moment = flow_run.scheduled_start_time
    return datetime.now(UTC) if moment is None else moment


@flow(name="shellring-regional-audit")
def regional_audit(region: str, regions_file: str, window_days: int | None = None,
                   as_of: date | None = None) -> dict:
    """Audit `region` from `regions_file`: accounts opened in the `window_days` full days before `as_of`
    (default: the scheduled date in the region's timezone) over the latest delivered extracts."""
    logger = get_run_logger()
    config = get_region(Path(regions_file), region)
    as_of = as_of or run_date(scheduled_moment(), config.timezone)
    since, until = audit_window(as_of, window_days or config.window_days)
    extracts = resolve_extracts(region, config)
    for period in newer_incomplete_periods(region, config, extracts.period):
        logger.warning("region %s: period %s has only one of the two extracts so far; auditing %s",
                       region, period, extracts.period)
    logger.info("region %s: period %s, %d registration and %d account file(s), accounts opened %s..%s",
                region, extracts.period or "(none)", len(extracts.registrations), len(extracts.accounts),
                since, until)
    return audit_flow(
        registrations=[str(p) for p in extracts.registrations],
        accounts=[str(p) for p in extracts.accounts],
        db=str(config.db),
        region=region,
        since=since,
        until=until,
        mapping=str(config.mapping) if config.mapping else None,
        key_file=str(config.key_file) if config.key_file else None,
    )
