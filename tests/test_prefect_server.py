"""Scheduled regional audits: the regions config, and one served deployment run on a real Prefect server.

The server test starts `prefect server start` on loopback with its own PREFECT_HOME, serves the region's
deployment from a child `shellring serve` process, triggers a run through the API and checks the
published results and the artifacts. Every process it starts is stopped, also when a check fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from shellring.flows.core.sqlsteps import run_schema
from shellring.flows.orchestration.artifacts import artifact_keys, region_slug, summary_markdown, top_clusters
from shellring.flows.orchestration.regions import RegionsError, audit_window, load_regions, resolve_extracts, run_date

REPO = Path(__file__).resolve().parents[1]
SHELLRING = Path(sys.executable).with_name("shellring")
PREFECT = Path(sys.executable).with_name("prefect")
RAW_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
RAW_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


REGION_TOML = """
[regions.{name}]
registrations = "{registrations}"
accounts = "{accounts}"
db = "results/{name}.duckdb"
timezone = "{tz}"
cron = "{cron}"
window_days = {days}
"""


# --- regions config -------------------------------------------------------------------------------

def test_example_regions_file_is_valid_and_matches_prefect_yaml():
    regions = load_regions(REPO / "regions.example.toml")
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == set(regions)
    for name, region in regions.items():
        deployment = deployments[name]
        assert deployment["entrypoint"] == "flows/orchestration/scheduled.py:regional_audit"
        assert deployment["parameters"]["region"] == name
        [schedule] = deployment["schedules"]
        assert (schedule["cron"], schedule["timezone"]) == (region.cron, region.timezone)


def test_prefect_yaml_parses_as_prefect_deploy_reads_it():
    from prefect.cli.deploy._models import PrefectYamlModel

    model = PrefectYamlModel.model_validate(yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8")))
    assert model.deployments and all(d.schedules and d.schedules[0].cron for d in model.deployments)


@pytest.mark.parametrize(
    "override, field, message",
    [
        ('timezone = "Mars/Olympus"', "regions.hz.timezone", "unknown timezone"),
        ('cron = "61 * * * *"', "regions.hz.cron", "invalid cron"),
        ("window_days = 0", "regions.hz.window_days", "greater than or equal to 1"),
        ('colour = "red"', "regions.hz.colour", "Extra inputs"),
    ],
)
def test_regions_file_errors_name_file_and_field(tmp_path, override, field, message):
    text = REGION_TOML.format(name="hz", registrations="r/*.csv", accounts="a/*.csv", tz="Asia/Shanghai",
                              cron="0 6 * * 1", days=7)
    key = override.split(" = ")[0]
    text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} ")) + f"\n{override}\n"
    path = _write(tmp_path / "regions.toml", text)
    with pytest.raises(RegionsError) as failure:
        load_regions(path)
    assert str(path) in str(failure.value) and field in str(failure.value) and message in str(failure.value)


def test_region_names_must_be_slugs_and_period_used_in_both(tmp_path):
    bad_name = _write(tmp_path / "a.toml", REGION_TOML.format(
        name="Hang_Zhou", registrations="r", accounts="a", tz="Asia/Shanghai", cron="0 6 * * 1", days=7))
    with pytest.raises(RegionsError, match="lowercase letters"):
        load_regions(bad_name)
    half_period = _write(tmp_path / "b.toml", REGION_TOML.format(
        name="hz", registrations="{period}/r.csv", accounts="a.csv", tz="Asia/Shanghai", cron="0 6 * * 1", days=7))
    with pytest.raises(RegionsError, match=r"\{period\} in both"):
        load_regions(half_period)


def test_latest_period_with_both_extracts_wins_and_paths_are_relative_to_the_file(tmp_path):
    root = tmp_path / "drop"
    for period in ("2026-10-17", "2026-10-24"):
        _write(root / period / "registrations_1.csv", "x")
        _write(root / period / "registrations_2.csv", "x")
        _write(root / period / "accounts" / "part1.csv", "x")
        _write(root / period / "accounts" / ".partial.csv", "x")  # hidden: still being copied
    _write(root / "2026-10-31" / "registrations_1.csv", "x")  # accounts not delivered yet
    path = _write(tmp_path / "conf" / "regions.toml", REGION_TOML.format(
        name="hz", registrations="../drop/{period}/registrations_*.csv", accounts="../drop/{period}/accounts/",
        tz="Asia/Shanghai", cron="0 6 * * 1", days=7))
    region = load_regions(path)["hz"]
    assert region.db == (tmp_path / "conf" / "results" / "hz.duckdb").resolve()
    extracts = resolve_extracts("hz", region)
    assert extracts.period == "2026-10-24"
    assert [p.name for p in extracts.registrations] == ["registrations_1.csv", "registrations_2.csv"]
    assert extracts.accounts == [(root / "2026-10-24" / "accounts" / "part1.csv").resolve()]


def test_missing_extracts_are_named(tmp_path):
    path = _write(tmp_path / "regions.toml", REGION_TOML.format(
        name="hz", registrations="none/*.csv", accounts="none/*.csv", tz="Asia/Shanghai", cron="0 6 * * 1", days=7))
    with pytest.raises(RegionsError, match=r"region hz: no registrations extracts match .*none/\*\.csv"):
        resolve_extracts("hz", load_regions(path)["hz"])


def test_window_is_the_full_days_before_the_run_date_in_the_region_timezone():
    # Monday 06:00 in Beijing is still Sunday in UTC: the run date must be Monday's.
    scheduled = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)
    assert run_date(scheduled, "Asia/Shanghai") == date(2026, 11, 2)
    assert run_date(scheduled, "Europe/London") == date(2026, 11, 1)
    assert audit_window(date(2026, 11, 2), 7) == (date(2026, 10, 26), date(2026, 11, 1))
    assert audit_window(date(2026, 11, 1), 30) == (date(2026, 10, 2), date(2026, 10, 31))
    with pytest.raises(ValueError):
        run_date(datetime(2026, 11, 1, 22, 0), "Asia/Shanghai")


# --- artifacts and the run manifest, without a server ---------------------------------------------

def test_artifact_keys_are_valid_prefect_keys():
    for region in ("hangzhou", "test-hz", "Hang Zhou", "杭州", "HZ_2"):
        for key in artifact_keys(region).values():
            assert re.fullmatch(r"[a-z0-9-]+", key), key
    assert region_slug("杭州") != region_slug("宁波")
    assert artifact_keys("hangzhou")["summary"] == "shellring-hangzhou-summary"


def test_old_results_db_gains_the_dependencies_column(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create table runs (run_id varchar primary key, region varchar, status varchar)")
    con.execute("insert into runs values ('r1', 'hz', 'succeeded')")
    run_schema(con, "published_tables")
    run_schema(con, "published_tables")  # and again, as every later run does
    assert con.execute("select run_id, dependencies from runs").fetchall() == [("r1", None)]
    con.close()


def test_summary_reports_changes_when_the_history_table_exists(demo_run, tmp_path):
    summary, db = demo_run
    copy = tmp_path / "results.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    top = top_clusters(con, summary["run_id"])
    assert top and [row["risk"] for row in top] == sorted((row["risk"] for row in top), reverse=True)
    first = summary_markdown(con, summary["run_id"], copy, None, top)
    assert "no history yet" in first.lower()  # the session's demo run is the first in its results DB
    con.execute("create table if not exists cluster_changes (run_id varchar, cluster_id varchar, change varchar, "
                "related_cluster_ids varchar[], companies_added varchar[], companies_removed varchar[], "
                "previous_run_id varchar)")
    con.execute("delete from cluster_changes where run_id = ?", [summary["run_id"]])
    con.execute("insert into cluster_changes values "
                "(?, 'Cabc', 'merged', ['Cx', 'Cy'], ['u1', 'u2', 'u3'], [], 'prev1'), "
                "(?, 'Cnew', 'new', [], ['u4', 'u5'], [], 'prev1')", [summary["run_id"]] * 2)
    text = summary_markdown(con, summary["run_id"], copy, None, top)
    con.close()
    assert "no history yet" not in text.lower() and "Compared with run `prev1`" in text
    assert "| merged | 1 |" in text and "| new | 1 |" in text and "| Cabc | Cx, Cy | 3 | 0 |" in text
    n_rejected = sum(n for kind in summary["rejects_by_reason"].values() for n in kind.values())
    assert f"| rejected rows | {n_rejected:,} |" in text or n_rejected == 0
    assert not RAW_ID.search(text) and not RAW_MOBILE.search(text)


def test_run_manifest_records_dependency_versions(demo_run):
    summary, db = demo_run
    con = duckdb.connect(str(db), read_only=True)
    dependencies, stage_seconds = con.execute(
        "select dependencies, stage_seconds from runs where run_id = ?", [summary["run_id"]]).fetchone()
    con.close()
    from importlib.metadata import version

    dependencies = json.loads(dependencies)
    for package in ("polars", "duckdb", "rapidfuzz", "prefect", "igraph"):
        assert dependencies[package] == version(package)
    assert {"ingest", "link", "cluster", "marts"} <= set(json.loads(stage_seconds))


# --- a served deployment on a real server ---------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Terminate a child we started (its whole process group: servers and runs spawn their own children)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else ""


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real Prefect server on loopback with a throwaway PREFECT_HOME; yields (api url, base env)."""
    home = tmp_path_factory.mktemp("prefect_home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_UI_ENABLED="false",
               PREFECT_SERVER_API_HOST="127.0.0.1", PREFECT_SERVER_API_PORT=str(port))
    log = home / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui",
             "--analytics-off"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"prefect server exited with {server.returncode}:\n{_tail(log)}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"prefect server not healthy after 90 s:\n{_tail(log)}")
            time.sleep(0.5)
        yield url, env
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def served_region(prefect_server, tmp_path_factory):
    """Demo extracts laid out by period, a regions file, and `shellring serve` running against the server."""
    from shellring.flows.demo.generate import generate_demo

    url, base_env = prefect_server
    root = tmp_path_factory.mktemp("region")
    latest = generate_demo(root / "drop" / "2026-10-31", n_companies=2000, seed=23)
    older = root / "drop" / "2026-10-24"
    older.mkdir()
    shutil.copyfile(latest.registrations, older / "registrations.csv")
    shutil.copyfile(latest.accounts, older / "accounts.csv")
    _write(root / "drop" / "2026-11-07" / "registrations.csv", "accounts of this period not delivered yet")
    regions = _write(root / "regions.toml", REGION_TOML.format(
        name="test-hz", registrations="drop/{period}/registrations*.csv", accounts="drop/{period}/accounts*.csv",
        tz="Asia/Shanghai", cron="0 6 * * 1", days=30))
    key_file = _write(root / "region.key", "shellring-server-test-key-0123456789")
    key_file.chmod(0o600)
    with open(regions, "a", encoding="utf-8") as handle:
        handle.write(f'key_file = "{key_file.name}"\n')
    env = dict(base_env, PREFECT_API_URL=url, PREFECT_RUNNER_POLL_FREQUENCY="1")
    env.pop("SHELLRING_KEY", None)  # the region's key file must be what the run uses
    log = root / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen([str(SHELLRING), "serve", "--regions", str(regions)], cwd=root, env=env,
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield {"url": url, "root": root, "regions": regions, "log": log, "process": serve,
               "db": root / "results" / "test-hz.duckdb"}
    finally:
        _stop(serve)


@pytest.fixture(scope="module")
def api_client(prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url, _ = prefect_server
    with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        yield client


def _wait_for_deployment(client, served: dict, name: str, timeout: float = 60):
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    while True:
        if served["process"].poll() is not None:
            pytest.fail(f"shellring serve exited with {served['process'].returncode}:\n{_tail(served['log'])}")
        try:
            return client.read_deployment_by_name(name)
        except ObjectNotFound:
            if time.monotonic() > deadline:
                pytest.fail(f"deployment {name} not registered after {timeout} s:\n{_tail(served['log'])}")
            time.sleep(0.5)


@pytest.mark.slow
def test_served_deployment_runs_on_schedule_settings_and_publishes(served_region, api_client):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    client = api_client
    deployment = _wait_for_deployment(client, served_region, "shellring-regional-audit/test-hz")
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == ("0 6 * * 1", "Asia/Shanghai", True)
    assert deployment.parameters == {"region": "test-hz", "regions_file": str(served_region["regions"])}

    triggered_at = datetime.now(UTC)
    flow_run = client.create_flow_run_from_deployment(deployment.id, parameters={"as_of": "2026-11-01"})
    deadline = time.monotonic() + 150
    while not (flow_run.state and flow_run.state.is_final()):
        if time.monotonic() > deadline:
            pytest.fail(f"flow run still {flow_run.state_name} after 150 s:\n{_tail(served_region['log'])}")
        time.sleep(1)
        flow_run = client.read_flow_run(flow_run.id)
    assert flow_run.state.is_completed(), f"{flow_run.state}:\n{_tail(served_region['log'])}"

    con = duckdb.connect(str(served_region["db"]), read_only=True)
    try:
        run_id, since, until, inputs, dependencies, n_flagged = con.execute(
            "select run_id, since, until, inputs, dependencies, n_flagged from runs where region = 'test-hz'"
        ).fetchone()
        top_db = con.execute("select cluster_id from clusters where run_id = ? and flagged "
                             "order by risk_score desc, n_companies desc, cluster_id limit 1", [run_id]).fetchone()[0]
    finally:
        con.close()
    assert (since, until) == (date(2026, 10, 2), date(2026, 10, 31))
    assert inputs and all("/drop/2026-10-31/" in path for path in json.loads(inputs))
    assert json.loads(dependencies)["prefect"] and n_flagged > 0

    keys = artifact_keys("test-hz")
    artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=list(keys.values()))))
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == set(keys.values())
    assert all(a.created >= triggered_at for a in artifacts)
    table = by_key[keys["top_clusters"]]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert table.type == "table" and len(rows) == min(n_flagged, 20) and rows[0]["cluster_id"] == top_db
    summary = by_key[keys["summary"]]
    assert summary.type == "markdown" and run_id in summary.data and str(served_region["db"]) in summary.data
    assert "no history yet" in summary.data.lower()
    for text in (summary.data, json.dumps(rows, ensure_ascii=False)):
        assert not RAW_ID.search(text) and not RAW_MOBILE.search(text)


# --- prefect.yaml deployed to a process work pool and run by a worker -----------------------------

def _prefect(args: list[str], env: dict, cwd: Path, timeout: float = 180) -> str:
    done = subprocess.run([str(PREFECT), "--no-prompt", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"prefect {' '.join(args)} exited {done.returncode}:\n{output[-4000:]}"
    return output


@pytest.mark.slow
def test_prefect_yaml_deploys_to_a_process_pool_and_a_worker_runs_it(prefect_server, api_client, tmp_path):
    """`prefect deploy` of the repository's prefect.yaml, then `prefect worker start` runs one flow run of it.

    The only change to prefect.yaml is its pull step's directory (/opt/shellring in the file): here the worker's
    flow-run process must change into this checkout, where the entrypoint lives."""
    from shellring.flows.demo.generate import generate_demo

    url, base_env = prefect_server
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    [pull_step] = spec["pull"]
    assert pull_step == {"prefect.deployments.steps.set_working_directory": {"directory": "/opt/shellring"}}
    pull_step["prefect.deployments.steps.set_working_directory"]["directory"] = str(REPO)
    prefect_file = _write(tmp_path / "prefect.yaml", yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    [deployment_spec] = [d for d in spec["deployments"] if d["name"] == "hangzhou"]
    pool = deployment_spec["work_pool"]["name"]

    generate_demo(tmp_path / "drop" / "2026-10-31", n_companies=300, seed=31)
    regions = _write(tmp_path / "regions.toml", REGION_TOML.format(
        name="hangzhou", registrations="drop/{period}/registrations*.csv", accounts="drop/{period}/accounts*.csv",
        tz="Asia/Shanghai", cron="0 6 * * 1", days=30))
    env = dict(base_env, PREFECT_API_URL=url, SHELLRING_KEY="shellring-worker-test-key-0123456789",
               PREFECT_LOGGING_LEVEL="WARNING", COLUMNS="200")

    _prefect(["work-pool", "create", pool, "--type", "process"], env, tmp_path)
    _prefect(["deploy", "--name", "hangzhou", "--prefect-file", str(prefect_file)], env, REPO)
    deployment = api_client.read_deployment_by_name("shellring-regional-audit/hangzhou")
    assert deployment.work_pool_name == pool and deployment.entrypoint == deployment_spec["entrypoint"]
    assert deployment.parameters == {"region": "hangzhou", "regions_file": "regions.toml"}
    assert deployment.pull_steps == spec["pull"]

    params = json.dumps({"regions_file": str(regions), "as_of": "2026-11-01"})
    _prefect(["deployment", "run", "shellring-regional-audit/hangzhou", "--params", params], env, tmp_path)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:  # --run-once: poll once, run what is due, wait for it (--limit) and exit
        worker = subprocess.Popen([str(PREFECT), "--no-prompt", "worker", "start", "--pool", pool, "--run-once",
                                   "--limit", "1"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        worker.wait(timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail(f"worker still running after 300 s:\n{_tail(log)}")
    finally:
        _stop(worker)
    assert worker.returncode == 0, _tail(log)

    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    runs = [r for r in api_client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])))
        if r.parameters.get("regions_file") == str(regions)]
    [flow_run] = runs
    assert flow_run.state.is_completed(), f"{flow_run.state}:\n{_tail(log)}"
    assert flow_run.work_pool_name == pool

    db = tmp_path / "results" / "hangzhou.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        region, status, since, until, n_clusters = con.execute(
            "select region, status, since, until, n_clusters from runs").fetchone()
    assert (region, status) == ("hangzhou", "succeeded") and n_clusters > 0
    assert (since, until) == (date(2026, 10, 2), date(2026, 10, 31))
