"""The Dask client the driver maps stage functions with: a LocalCluster it starts, or an existing scheduler.

Workers are separate processes started with spawn, never fork: DuckDB, polars and Arrow run thread pools
that a forked child inherits in an unknown state. Prefect stays on the driver; workers only ever run the
plain functions of shellring.flows.distributed.tasks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shellring.flows.core.errors import ShellringError

_CLIENTS: dict[str, object] = {}  # scheduler address -> the driver's open Client (Prefect tasks look it up)


class ClusterError(ShellringError, RuntimeError):
    """The Dask cluster could not be started or reached."""


@dataclass(frozen=True)
class ClusterSpec:
    """How the driver gets its workers: `workers` local processes, or an existing `scheduler`."""

    workers: int | None = None
    scheduler: str | None = None
    threads_per_worker: int = 1
    memory_limit: str = "auto"  # per worker; "auto" = the machine's memory divided among the workers
    partitions: int | None = None  # partitions per distributed stage; default: twice the cluster's threads


def partitions_for(client, spec: ClusterSpec) -> int:
    if spec.partitions:
        return spec.partitions
    threads = sum(client.nthreads().values()) or 1
    return 2 * threads


@contextmanager
def dask_client(spec: ClusterSpec) -> Iterator[object]:
    """An open Client for the run, registered by address for the flow's tasks; closed (and a local cluster
    shut down) when the run ends."""
    import dask
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.WARNING)  # the run logs its own stages
    cluster = None
    try:
        if spec.scheduler:
            client = Client(spec.scheduler, timeout="60s")
        else:
            with dask.config.set({"distributed.worker.multiprocessing-method": "spawn",
                                  "distributed.worker.daemon": True}):
                cluster = LocalCluster(n_workers=spec.workers or os.cpu_count() or 1,
                                       threads_per_worker=spec.threads_per_worker, processes=True,
                                       memory_limit=spec.memory_limit, dashboard_address=":0")
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        where = spec.scheduler or f"a local cluster of {spec.workers} workers"
        raise ClusterError(f"could not reach the Dask scheduler at {where}: {exc}") from exc
    address = client.scheduler.address
    _CLIENTS[address] = client
    try:
        yield client
    finally:
        _CLIENTS.pop(address, None)
        client.close()
        if cluster is not None:
            cluster.close()


def client_for(address: str):
    """The driver's client for a scheduler address (opened by dask_client), or a new one."""
    if address in _CLIENTS:
        return _CLIENTS[address]
    from distributed import Client

    client = Client(address, timeout="60s")
    _CLIENTS[address] = client
    return client
