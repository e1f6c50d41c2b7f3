"""The audit on a real Dask LocalCluster (2 worker processes, 1 thread each) publishes exactly what one process
publishes, with 1, 3 and 7 partitions and with a worker killed in the middle of a stage; a national run over
several regions' extracts finds the rings planted across regions that regional runs cannot see."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import duckdb
import pytest

from shellring.flows.core.settings import Settings

pytestmark = pytest.mark.slow
BENCH = Path(__file__).parents[1] / "bench"
# Hub limits low enough that 3,000 demo companies have hubs of each kind to compare.
SETTINGS = Settings(hub_limit_person=6, hub_limit_phone=6, hub_limit_room=6)


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kill_order(tmp_path_factory) -> Path:
    """Where a test writes the step whose first task must kill its worker (read by the workers' tasks)."""
    from shellring.flows.distributed.tasks import KILL_ORDER_ENV

    order = tmp_path_factory.mktemp("kill") / "order"
    previous = os.environ.get(KILL_ORDER_ENV)
    os.environ[KILL_ORDER_ENV] = str(order)  # before the cluster starts: its workers inherit the environment
    yield order
    if previous is None:
        os.environ.pop(KILL_ORDER_ENV, None)
    else:
        os.environ[KILL_ORDER_ENV] = previous


@pytest.fixture(scope="module")
def client(kill_order):
    from shellring.flows.distributed.cluster import ClusterSpec, dask_client

    with dask_client(ClusterSpec(workers=2, threads_per_worker=1, memory_limit="1GB")) as open_client:
        yield open_client


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    from shellring.flows.demo.generate import generate_demo

    return generate_demo(tmp_path_factory.mktemp("dask-demo"), n_companies=3000, seed=23)


def _audit(extracts, db: Path, client=None, partitions: int = 1, regions=None, registrations=None, accounts=None,
           region: str = "dask-test", settings: Settings = SETTINGS, national_hubs: Path | None = None) -> dict:
    from shellring.flows.orchestration.audit import audit_flow
    from shellring.flows.orchestration.temporary_server import patient_temporary_server

    dask = {"address": client.scheduler.address, "partitions": partitions} if client is not None else None
    with patient_temporary_server():
        return audit_flow(registrations=[str(p) for p in registrations or [extracts.registrations]],
                          accounts=[str(p) for p in accounts or [extracts.accounts]], db=str(db), region=region,
                          settings=settings, regions=regions, dask=dask,
                          national_hubs=str(national_hubs) if national_hubs else None)


@pytest.fixture(scope="module")
def single_process(extracts, key_env, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("single") / "results.duckdb"
    _audit(extracts, db)
    return db


def _published(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def test_the_comparison_has_clusters_links_and_hubs_to_compare(single_process):
    for table in ("clusters", "cluster_members", "links", "hubs"):
        assert _published(single_process, table) > 0, table


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_distributed_runs_publish_what_one_process_publishes(partitions, extracts, single_process, client,
                                                             key_env, tmp_path, capsys):
    db = tmp_path / "results.duckdb"
    summary = _audit(extracts, db, client, partitions)
    assert summary["stage_seconds"]["link"] > 0
    assert _bench("compare_published").compare(str(single_process), str(db)), capsys.readouterr().out
    parts = db.parent / f".{db.name}.work" / summary["run_id"] / "parts"
    assert parts.is_dir() and not list(parts.rglob("*.parquet"))  # each stage removed its partitions


def test_a_worker_killed_mid_stage_changes_nothing(extracts, single_process, client, kill_order, key_env, tmp_path,
                                                   capsys):
    kill_order.write_text("shared_value_evidence")
    db = tmp_path / "results.duckdb"
    _audit(extracts, db, client, partitions=3)
    assert Path(str(kill_order) + ".done").exists(), "no task killed its worker"
    assert not list((db.parent / f".{db.name}.work").rglob("*.tmp"))
    assert _bench("compare_published").compare(str(single_process), str(db)), capsys.readouterr().out


def test_a_national_run_finds_the_rings_planted_across_regions_that_regional_runs_miss(client, key_env,
                                                                                        tmp_path):
    from shellring.flows.demo.national import generate_national_demo
    from shellring.flows.orchestration.national import national_extracts

    demo = generate_national_demo(tmp_path / "national", n_companies=600, seed=5, cross_rings=5, hub_phones=1)
    found = national_extracts(demo.root)
    national_db = tmp_path / "national.duckdb"
    _audit(None, national_db, client, partitions=3, regions=found.regions, registrations=found.registrations,
           accounts=found.accounts, region="national", settings=Settings())
    bench = _bench("national_demo")
    national = bench.ring_findings(national_db, demo.ring_members)
    assert sum(f["found"] for f in national.values()) == len(demo.ring_members)
    key = key_env.encode()
    (hub_companies,) = bench.hub_status(national_db, demo.hub_phones, key).values()
    assert hub_companies == 3 * 30  # 30 companies in each of three regions: a hub only nationally
    for region, files in demo.regions.items():
        db = tmp_path / f"{region}.duckdb"
        _audit(files, db, region=region, settings=Settings())
        regional = bench.ring_findings(db, demo.ring_members)
        assert not any(f["found"] for f in regional.values()), region
        assert all(f["held"] <= 2 for f in regional.values())  # at most the region's own two companies
        assert bench.hub_status(db, demo.hub_phones, key) == {demo.hub_phones[0]: None}
    # a regional run reading the national hub list treats the phone as the hub it is (its 30 companies here)
    region, files = next(iter(demo.regions.items()))
    with_list = tmp_path / f"{region}-with-national-hubs.duckdb"
    _audit(files, with_list, region=region, settings=Settings(), national_hubs=national_db)
    assert bench.hub_status(with_list, demo.hub_phones, key) == {demo.hub_phones[0]: 30}
    # every member carries the region whose extract it came from
    con = duckdb.connect(str(national_db), read_only=True)
    regions = dict(con.execute("select uscc, region from cluster_members").fetchall())
    con.close()
    for ring, companies in demo.ring_members.items():
        assert sorted(regions[u] for u in companies) == sorted([*demo.regions] * 2), ring
