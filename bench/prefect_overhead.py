"""What Prefect orchestration costs a shellring run, on the same demo extracts.

Three ways to run the same job, each repetition in a fresh Python process (that is what a cron job or a
served deployment's flow run pays):
  direct     the plain stage functions of shellring.flows.pipeline.stages plus publish, no Prefect at all
  ephemeral  audit_flow with PREFECT_API_URL unset: Prefect starts a temporary server in the process
  server     audit_flow against an already running `prefect server start` (loopback, started once, not timed)

For each: the process wall time (start to exit, as the parent sees it), the time of the job call inside
the process, and the sum of the stage timings. Medians of --reps (default 3) are printed and, with
--write, recorded in bench/RESULTS-prefect.md with the command that produced them.

    /work/venv/bin/python bench/prefect_overhead.py --companies 10000 --reps 3 --write
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEY = "prefect-overhead-bench-key-0123456789"
MODES = ("direct", "ephemeral", "server")


# --- child: one run, prints one JSON line -------------------------------------------------------------

def _direct(registrations: Path, accounts: Path, db: Path) -> dict:
    """The audit without Prefect (shellring.flows.orchestration.audit imports Prefect, so its run-id helpers are
    not used)."""
    import hashlib

    from shellring.flows.core.settings import Settings
    from shellring.flows.core.workspace import Workspace, write_run_params
    from shellring.flows.pipeline import stages
    from shellring.flows.pipeline.pseudonyms import load_key
    from shellring.flows.results.publish import publish

    settings, key = Settings(), load_key(None)
    run_id = hashlib.sha256(b"".join(p.read_bytes() for p in (registrations, accounts))).hexdigest()[:16]
    ws = Workspace.for_results(db.resolve(), run_id)
    write_run_params(ws, run_id=run_id, region="bench", since=None, until=None, inputs=[registrations, accounts])
    timings = {}

    def timed(name, fn, *args):
        started = time.perf_counter()
        result = fn(*args)
        timings[name] = time.perf_counter() - started
        return result

    # The same sequence as shellring.flows.orchestration.audit.audit_flow (keep in step with it).
    loaded = timed("ingest", stages.ingest, ws, [registrations], [accounts], run_id, None)
    for name, fn in (("normalize", stages.normalize), ("stage", stages.stage), ("link", stages.link)):
        timed(name, fn, ws, settings)
    timed("verdicts", stages.apply_link_verdicts, ws, settings, db.resolve())
    timed("cluster", stages.cluster, ws, settings)
    timed("score", stages.score, ws, settings)
    timed("history", stages.track_history, ws, settings, db.resolve())
    marts = timed("marts", stages.build_marts, ws, settings, key)
    now = datetime.now(UTC).replace(tzinfo=None)
    run_row = {"run_id": run_id, "region": "bench", "started_at": now, "finished_at": now, "status": "succeeded",
               "n_registrations": loaded["registrations"]["rows_loaded"],
               "n_accounts": loaded["accounts"]["rows_loaded"],
               "n_rejected": marts["rejected"], "n_clusters": marts["clusters"], "n_flagged": marts["flagged"]}
    timed("publish", publish, ws.db, db, run_row)
    return timings


def child(mode: str, registrations: Path, accounts: Path, db: Path) -> None:
    if mode == "direct":
        import shellring.flows.pipeline.stages
        import shellring.flows.results.publish  # noqa: F401 - imports outside the timed call, as below

        started = time.perf_counter()
        timings = _direct(registrations, accounts, db)
    else:
        from shellring.flows.orchestration.audit import audit_flow

        started = time.perf_counter()
        summary = audit_flow(registrations=[str(registrations)], accounts=[str(accounts)], db=str(db), region="bench")
        timings = summary["stage_seconds"]
    call = time.perf_counter() - started
    print(json.dumps({"call_s": call, "stages_s": sum(timings.values()), "stages": timings}))


# --- parent -------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(home: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    log = open(home / "server.log", "wb")
    server = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start", "--host",
                               "127.0.0.1", "--port", str(port), "--no-ui", "--analytics-off"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.5)
    _stop(server)
    raise RuntimeError("prefect server did not become healthy in 120 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _run_child(mode: str, files, work: Path, env: dict) -> dict:
    results = Path(tempfile.mkdtemp(dir=work))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--registrations", str(files.registrations),
                           "--accounts", str(files.accounts), "--db", str(results / "results.duckdb")],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(results)
    return {"process_s": wall, **figures}


def _load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS-prefect.md")
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--registrations", type=Path)
    parser.add_argument("--accounts", type=Path)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.registrations, args.accounts, args.db)
        return

    from shellring.flows.demo.generate import generate_demo

    work = Path(tempfile.mkdtemp(prefix="prefect-overhead-"))
    server = None
    try:
        files = generate_demo(work / "demo", n_companies=args.companies, seed=args.seed)
        base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        base.update(SHELLRING_KEY=KEY, PREFECT_LOGGING_LEVEL="WARNING")
        ephemeral_home, server_home = work / "prefect-ephemeral", work / "prefect-server"
        ephemeral_home.mkdir()
        server_home.mkdir()
        server_started = time.perf_counter()
        server, url = _start_server(server_home)
        server_start_s = time.perf_counter() - server_started
        envs = {
            "direct": base,
            "ephemeral": dict(base, PREFECT_HOME=str(ephemeral_home)),
            "server": dict(base, PREFECT_HOME=str(server_home), PREFECT_API_URL=url),
        }
        # One untimed ephemeral run creates its SQLite DB: later runs on the same machine find it there.
        _run_child("ephemeral", files, work, envs["ephemeral"])
        runs = {mode: [] for mode in MODES}
        loads = []
        for rep in range(args.reps):
            for mode in MODES:  # interleaved, so load changes on the shared box hit every mode alike
                loads.append(_load())
                runs[mode].append(_run_child(mode, files, work, envs[mode]))
                print(f"rep {rep + 1} {mode:9s} process {runs[mode][-1]['process_s']:6.2f} s  "
                      f"call {runs[mode][-1]['call_s']:6.2f} s  stages {runs[mode][-1]['stages_s']:6.2f} s",
                      flush=True)
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(work, ignore_errors=True)

    table = _table(runs)
    print(table)
    if args.write:
        _write(args, table, server_start_s, loads, runs)


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def _table(runs: dict) -> str:
    def outside(r):  # everything the process spends outside the stage work itself
        return r["process_s"] - r["stages_s"]

    direct = statistics.median(outside(r) for r in runs["direct"])
    lines = ["| mode | process wall s | job call s | sum of stages s | in call, outside stages s "
             "| process − stages s | overhead vs direct s |", "|---|---|---|---|---|---|---|"]
    for mode in MODES:
        rows = runs[mode]
        lines.append(f"| {mode} | {_median([r['process_s'] for r in rows])} | {_median([r['call_s'] for r in rows])} | "
                     f"{_median([r['stages_s'] for r in rows])} | "
                     f"{_median([r['call_s'] - r['stages_s'] for r in rows])} | "
                     f"{_median([outside(r) for r in rows])} | "
                     f"{statistics.median(outside(r) for r in rows) - direct:+.2f} |")
    return "\n".join(lines)


def _write(args, table: str, server_start_s: float, loads: list[float], runs: dict) -> None:
    from importlib.metadata import version

    command = f"/work/venv/bin/python bench/prefect_overhead.py --companies {args.companies} --reps {args.reps} --write"
    stage_rows = []
    for mode in MODES:
        names = list(runs[mode][0]["stages"])
        stage_rows.append(f"| {mode} | " + " | ".join(
            f"{statistics.median(r['stages'].get(n, 0) for r in runs[mode]):.2f}" for n in names) + " |")
    text = f"""# Prefect orchestration overhead

Command: `{command}`
Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}
({os.cpu_count()} CPUs), Python {platform.python_version()}, prefect {version('prefect')}, duckdb {version('duckdb')}.
Demo extracts: {args.companies:,} companies (seed {args.seed}). Each repetition is a fresh process; the three modes
are interleaved; medians of {args.reps} with min–max. 1-minute load average when each run started:
{min(loads):.1f}–{max(loads):.1f} (the machine is shared; other engineers' test suites were running).

{table}

- **process wall**: from starting `python` to its exit, as a cron job or a served flow run pays it (imports,
  temporary-server start and stop, the job, interpreter exit).
- **job call**: the `audit_flow(...)` call (flow modes, after imports) or the stage sequence (direct).
- **sum of stages**: the stage timings the run records; the flow's figure is measured around each task call
  (so a task run's own bookkeeping is inside it).
- **process − stages**: the part that does not scale with the data (imports, Prefect server start/stop, flow-run
  and task-run bookkeeping, artifacts, interpreter exit). On a shared box the stage work itself varies by ±30 %
  between reps, so compare modes on this column rather than on the wall time.
- The running server was started once before the reps ({server_start_s:.1f} s to healthy) and is not counted.
- The ephemeral mode's first ever run on a machine also creates its SQLite DB; one untimed run did that first.

Median seconds per stage:

| mode | {' | '.join(runs['direct'][0]['stages'])} |
|---|{'---|' * len(runs['direct'][0]['stages'])}
""" + "\n".join(stage_rows) + "\n"
    (HERE / "RESULTS-prefect.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
