"""shellring vs Splink 5 on the same demo extracts: quality, wall time and peak memory side by side.

    .venv/bin/python bench/compare_splink.py --companies 200000 --seed 7 [--data /work/data1m]

Each system runs in a fresh subprocess (this script re-invoked as `worker <system>`); the parent samples
the VmRSS of the worker's whole process tree every 20 ms (Prefect's temporary API server is a child
process, so it counts) and scores every system's flagged (uscc, cluster_id) assignment with
`shellring.flows.results.evaluate.evaluate_assignments`, the same figures as `shellring evaluate`.

Systems:
  shellring-flow    `audit_flow` (Prefect 3, temporary local server), published DB, flagged clusters
  shellring-served  the same flow against a running `prefect server` (loopback, started once by this script
                    and not timed), as scheduled deployments run; the server's own memory is reported apart
  shellring-stages  the same stage functions called directly (no Prefect, no publish step)
  splink-user       "Splink (user prep)": what a Splink user has. Both extracts read with polars (GBK,
                    Chinese headers), a plain per-row Python normaliser (bench/splink_user_prep.py, nothing
                    of shellring), one row per company with its first account, then Splink 5 on DuckDB.
                    Prediction blocking `--splink-blocking`: "issue" (default) = the representative's name
                    and ID issuing region together, as issue 15 measured; "identifiers" = one rule per
                    identifier. THE TIME AND MEMORY RATIOS OF THE TARGET CHECK ARE AGAINST THIS SYSTEM.
  splink            "Splink (shellring prep)": Splink fed shellring's own ingest/normalize/stage output (the
                    project's normalized values; a user does not have them), blocking on each identifier.
                    Reported beside the other to show Splink's matching at its best input.
Both Splink systems: EM training as Splink's docs describe, predict, connected components at several
thresholds; every cluster >= 2 is "flagged" (Splink has no risk notion), and separately only clusters >= 3.
Their input prep and Splink's own work (training + predict + clustering) are timed and sampled apart, so
the ratio against Splink's own work alone is in the report too.

Needs the dev extra: pip install -e '.[bench]'  (splink==5.0.0).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
SYSTEMS = ("shellring-flow", "shellring-served", "shellring-stages", "splink-user", "splink")
BLOCKINGS = ("issue", "identifiers")
DEFAULT_THRESHOLDS = (0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999)
BENCH_KEY = "shellring-bench-throwaway-key-0123456789"  # demo data holds no real people
# a busy shared machine can take longer than Prefect's 20 s to start its temporary server (as `shellring run`
# allows for); a run that would otherwise fail is slower instead, and the wait counts in its wall time
PATIENT_PREFECT = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
SAMPLE_SECONDS = 0.02
RESULTS_MD = REPO / "bench" / "RESULTS-splink.md"

# Flagged clusters exactly as `shellring.flows.results.evaluate.evaluate` reads them from a published DB.
FLAGGED_PUBLISHED = """
select m.cluster_id, m.uscc from results.cluster_members as m
join results.clusters as c using (run_id, cluster_id) where m.run_id = ? and c.flagged
"""
FLAGGED_WORKING = """
select m.cluster_id, m.uscc from pub_cluster_members as m join pub_clusters as c using (cluster_id) where c.flagged
"""

# One row per company for Splink: the registration fields plus the company's first account opening.
SPLINK_INPUT = """
create table splink_input as
with first_account as (
    select *, row_number() over (partition by company_id order by open_date nulls last, account_id) as nth_account
    from work.stg_accounts
)
select
    c.company_id as unique_id,
    c.uscc,
    c.rep_id,
    c.rep_name,
    c.phone,
    c.reg_room_key,
    c.reg_building_key,
    c.reg_address_norm,
    c.reg_date,
    a.agent_id,
    a.agent_phone,
    a.contact_phone,
    a.bank_branch,
    a.open_date
from work.stg_companies as c
left join first_account as a on a.company_id = c.company_id and a.nth_account = 1
"""


# ---------------------------------------------------------------- workers (run in a fresh process each)

def _stage_pipeline(ws, files: dict, settings, run_id: str, through: str) -> dict:
    """shellring's plain stage functions, timed one by one, up to and including `through`."""
    from shellring.flows.pipeline import stages
    from shellring.flows.pipeline.pseudonyms import load_key

    steps = [
        ("ingest", lambda: stages.ingest(ws, [Path(files["registrations"])], [Path(files["accounts"])], run_id)),
        ("normalize", lambda: stages.normalize(ws, settings)),
        ("stage", lambda: stages.stage(ws, settings)),
        ("link", lambda: stages.link(ws, settings)),
        ("verdicts", lambda: stages.apply_link_verdicts(ws, settings, None)),
        ("cluster", lambda: stages.cluster(ws, settings)),
        ("score", lambda: stages.score(ws, settings)),
        ("history", lambda: stages.track_history(ws, settings, None)),
        ("marts", lambda: stages.build_marts(ws, settings, load_key(None))),
    ]
    timings = {}
    for name, step in steps:
        started = time.perf_counter()
        step()
        timings[name] = round(time.perf_counter() - started, 3)
        if name == through:
            break
    return timings


def _fresh_workspace(out: Path, run_id: str, files: dict):
    from shellring.flows.core.workspace import Workspace, write_run_params

    ws = Workspace.for_results(out / "results.duckdb", run_id)
    ws.db.unlink(missing_ok=True)
    write_run_params(ws, run_id=run_id, region="bench", since=None, until=None,
                     inputs=[Path(files["registrations"]), Path(files["accounts"])])
    return ws


def worker_shellring_flow(files: dict, out: Path) -> dict:
    import duckdb

    from shellring.flows.orchestration.audit import audit_flow

    started = time.perf_counter()
    db = out / "results.duckdb"
    summary = audit_flow(registrations=[files["registrations"]], accounts=[files["accounts"]], db=str(db),
                         region="bench")
    flow_seconds = time.perf_counter() - started
    con = duckdb.connect()
    try:
        con.execute("attach ? as results (read_only)", [str(db)])
        con.execute(f"copy ({FLAGGED_PUBLISHED}) to '{out / 'assignments.parquet'}' (format parquet)",
                    [summary["run_id"]])
    finally:
        con.close()
    stage_total = sum(summary["stage_seconds"].values())
    return {"timings": summary["stage_seconds"], "run_id": summary["run_id"], "db": str(db),
            "flow_call_seconds": round(flow_seconds, 3), "stage_seconds_total": round(stage_total, 3),
            "prefect_overhead_in_flow_call": round(flow_seconds - stage_total, 3),
            "companies": summary["companies"], "links": summary["links"], "clusters": summary["clusters"]}


def worker_shellring_stages(files: dict, out: Path) -> dict:
    from shellring.flows.core.settings import Settings
    from shellring.flows.core.workspace import connect

    ws = _fresh_workspace(out, "bench-stages", files)
    timings = _stage_pipeline(ws, files, Settings(), "bench-stages", through="marts")
    with connect(ws) as con:
        con.execute(f"copy ({FLAGGED_WORKING}) to '{out / 'assignments.parquet'}' (format parquet)")
    return {"timings": timings}


def _splink_settings(prediction_rules: list):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    def days(col: str):
        return cl.AbsoluteDateDifferenceAtThresholds(col, input_is_string=False, metrics=["day", "day", "day"],
                                                     thresholds=[1, 7, 30])

    address = cl.CustomComparison(
        output_column_name="reg_address",
        comparison_levels=[
            cll.NullLevel("reg_address_norm"),
            cll.ExactMatchLevel("reg_room_key").configure(tf_adjustment_column="reg_room_key"),
            cll.ExactMatchLevel("reg_building_key").configure(tf_adjustment_column="reg_building_key"),
            cll.JaroWinklerLevel("reg_address_norm", 0.9),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=prediction_rules,
        comparisons=[
            cl.LevenshteinAtThresholds("rep_id", [1, 2]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("rep_name", [0.9, 0.75]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            address,
            cl.LevenshteinAtThresholds("agent_id", [1]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("agent_phone").configure(term_frequency_adjustments=True),
            cl.ExactMatch("contact_phone").configure(term_frequency_adjustments=True),
            cl.ExactMatch("bank_branch").configure(term_frequency_adjustments=True),
            days("reg_date"),
            days("open_date"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def worker_splink(files: dict, out: Path, thresholds: list[float], u_max_pairs: float, seed: int,
                  prep: str = "shellring", blocking: str = "identifiers") -> dict:
    """Splink 5 on DuckDB, its input prepared by shellring's own stages (prep="shellring") or by the plain
    Python normaliser of splink_user_prep.py (prep="user"); blocking as in BLOCKINGS."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    timings: dict[str, float] = {}
    phases = TreeRssSampler(os.getpid())  # peak memory of the prep and of Splink's own work, apart
    phases.start()
    cpu_started = time.process_time()

    def timed(name, fn):
        started = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - started, 3)
        return result

    con = duckdb.connect()  # Splink's own in-memory DuckDB, with DuckDB's defaults as a Splink user has them
    if prep == "user":
        from splink_user_prep import prepare

        con.register("prepared", prepare(Path(files["registrations"]), Path(files["accounts"]), timings).to_arrow())
        timed("prep_splink_input", lambda: con.execute("create table splink_input as select * from prepared"))
        con.unregister("prepared")
    else:
        from shellring.flows.core.settings import Settings

        ws = _fresh_workspace(out, "bench-splink", files)
        timings.update({f"prep_{k}": v for k, v in
                        _stage_pipeline(ws, files, Settings(), "bench-splink", through="stage").items()})
        con.execute("attach ? as work (read_only)", [str(ws.db)])
        timed("prep_splink_input", lambda: con.execute(SPLINK_INPUT))
        con.execute("detach work")
    n_rows = con.execute("select count(*) from splink_input").fetchall()[0][0]
    prep_peak_mib = phases.restart() / 1024
    prep_cpu = time.process_time() - cpu_started
    splink_started = time.perf_counter()

    identifiers = ["rep_id", "phone", "reg_room_key", "agent_id", "agent_phone", "contact_phone"]
    if blocking == "issue":  # issue 15's run: the representative's name and ID issuing region together
        prediction_rules = [block_on("rep_name", "rep_id_region")]
    else:
        prediction_rules = [block_on(col) for col in identifiers]
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("splink_input"), _splink_settings(prediction_rules), log_level=None)
    pairs_per_rule = _count_blocked_pairs(con, identifiers + (["rep_name, rep_id_region"] if blocking == "issue"
                                                               else []))

    training = linker.training
    timed("train_prior", lambda: training.estimate_probability_two_random_records_match(
        [block_on("rep_id", "phone"), block_on("agent_id", "agent_phone")], recall=0.6))
    timed("train_u", lambda: training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed))
    for rule in ("rep_id", "phone", "reg_room_key", "agent_id"):  # each comparison is left free in >= 1 session
        timed(f"train_em_{rule}", lambda: training.estimate_parameters_using_expectation_maximisation(
            block_on(rule)))
    predictions = timed("predict", lambda: linker.inference.predict(
        threshold_match_probability=min(thresholds)))
    n_pairs = con.execute(f"select count(*) from {predictions.physical_name}").fetchall()[0][0]

    frames = []
    for threshold in thresholds:
        clusters = timed(f"cluster_{threshold}", lambda: linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold))
        frames.append(pl.from_arrow(con.sql(
            f"""
            select ?::double as threshold, cluster_id::varchar as cluster_id, uscc,
                count(*) over (partition by cluster_id) as cluster_size
            from {clusters.physical_name}
            qualify count(*) over (partition by cluster_id) >= 2
            """, params=[threshold]).to_arrow_table()))
    pl.concat(frames).write_parquet(out / "assignments.parquet")
    con.close()
    splink_seconds = time.perf_counter() - splink_started
    splink_cpu = time.process_time() - cpu_started - prep_cpu
    phases.stop()
    cluster_seconds = sum(v for k, v in timings.items() if k.startswith("cluster_"))
    return {"timings": timings, "rows": n_rows, "blocked_pairs_per_rule": pairs_per_rule, "prep": prep,
            "blocking": blocking, "prep_cpu_seconds": round(prep_cpu, 2), "splink_cpu_seconds": round(splink_cpu, 2),
            "prep_peak_tree_rss_mib": round(prep_peak_mib), "splink_peak_tree_rss_mib": round(phases.peak_kib / 1024),
            "splink_seconds": round(splink_seconds, 2),
            "predicted_pairs_above_min_threshold": n_pairs,
            "one_threshold_cluster_seconds": round(cluster_seconds / len(thresholds), 3),
            "extra_cluster_seconds": round(cluster_seconds * (1 - 1 / len(thresholds)), 3),
            "match_weights": json.loads(json.dumps(linker.misc.save_model_to_json(), default=str))}


def _count_blocked_pairs(con, columns: list[str]) -> dict[str, int]:
    """Pairs each identifier rule generates before Splink's de-duplication across rules."""
    counts = {}
    for col in columns:
        not_null = " and ".join(f"{c} is not null" for c in col.split(", "))
        counts[col] = con.execute(
            f"select coalesce(sum(n * (n - 1) // 2), 0)::bigint from "
            f"(select count(*) as n from splink_input where {not_null} group by {col})"
        ).fetchall()[0][0]
    return counts


def run_worker(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="compare_splink.py worker")
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("--files", required=True, help="JSON of the demo file paths")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--thresholds", default=",".join(map(str, DEFAULT_THRESHOLDS)))
    parser.add_argument("--u-max-pairs", type=float, default=1e7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--blocking", choices=BLOCKINGS, default="issue")
    args = parser.parse_args(argv)
    files = json.loads(args.files)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.system in ("shellring-flow", "shellring-served"):
        info = worker_shellring_flow(files, args.out)
    elif args.system == "shellring-stages":
        info = worker_shellring_stages(files, args.out)
    else:
        user = args.system == "splink-user"
        info = worker_splink(files, args.out, [float(t) for t in args.thresholds.split(",")], args.u_max_pairs,
                             args.seed, prep="user" if user else "shellring",
                             blocking=args.blocking if user else "identifiers")
    (args.out / "info.json").write_text(json.dumps(info, indent=1, default=str))


# ---------------------------------------------------------------- measurement (parent)

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(pid: int) -> list[int]:
    children, todo, seen = _children_map(), [pid], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo.extend(children.get(current, []))
    return seen


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRssSampler(threading.Thread):
    """Peak of the summed VmRSS of a process and its descendants; the tree is re-walked every 0.5 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.peak_own_kib = pid, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        members, walked = [self.pid], 0.0
        while not self._done.is_set():
            now = time.monotonic()
            if now - walked > 0.5:
                members, walked = _tree(self.pid), now
            sizes = [_rss_kib(p) for p in members]
            self.peak_kib = max(self.peak_kib, sum(sizes))
            self.peak_own_kib = max(self.peak_own_kib, sizes[0] if sizes else 0)
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def restart(self) -> int:
        """The peak so far (KiB); sampling goes on from zero."""
        peak, self.peak_kib, self.peak_own_kib = self.peak_kib, 0, 0
        return peak


def _busy_cpu_seconds() -> float:
    """CPU-seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_idle(max_seconds: float, foreign_cores: float = 0.3) -> float:
    """Wait (at most max_seconds) until the machine is nearly idle; returns the busy cores last seen."""
    deadline, busy = time.monotonic() + max_seconds, 0.0
    while True:
        before = _busy_cpu_seconds()
        time.sleep(2)
        busy = (_busy_cpu_seconds() - before) / 2
        if busy < foreign_cores or time.monotonic() > deadline:
            return busy


def measure_repeated(system: str, files: dict, out: Path, args, server: tuple | None = None) -> dict:
    """`args.repeat` fresh runs; median wall and peak RSS, the spread, and the foreign load seen."""
    runs = []
    for _ in range(args.repeat):
        wait_for_idle(args.idle_wait)
        runs.append(measure(system, files, out, args, server))
    last = dict(runs[-1])
    for key in ("wall_seconds", "peak_tree_rss_mib", "peak_main_rss_mib", "foreign_cores"):
        values = [r[key] for r in runs]
        last[key] = round(statistics.median(values), 2)
        last[f"{key}_all"] = values
    return last


def _warm_prefect_home(root: Path) -> Path:
    """A Prefect home whose SQLite DB already exists, as on any machine after its first run.

    Creating the DB costs a one-off 4-5 s on a machine's first flow run; a fresh home per measurement
    would charge it to every shellring run."""
    home = root / "prefect-home"
    if not (home / "prefect.db").exists():
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", "from prefect import flow; flow(lambda: None)()"], check=True,
                       env=PATIENT_PREFECT | dict(os.environ, PREFECT_HOME=str(home), PREFECT_LOGGING_LEVEL="ERROR"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return home


def measure(system: str, files: dict, out: Path, args, server: tuple | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)  # no published file or Prefect home left from an earlier run
    out.mkdir(parents=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "worker", system, "--files", json.dumps(files),
           "--out", str(out), "--thresholds", args.thresholds, "--u-max-pairs", str(args.u_max_pairs),
           "--seed", str(args.seed), "--blocking", args.splink_blocking]
    env = PATIENT_PREFECT | dict(os.environ, SHELLRING_KEY=BENCH_KEY, PREFECT_HOME=str(_warm_prefect_home(out.parent)),
               PREFECT_LOGGING_LEVEL="WARNING")
    if system == "shellring-served":
        env["PREFECT_API_URL"] = server[1]
    print(f"[{datetime.now():%H:%M:%S}] {system} ...", flush=True)
    started, busy_before = time.perf_counter(), _busy_cpu_seconds()
    own_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out / "worker.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        sampler = TreeRssSampler(proc.pid)
        sampler.start()
        server_sampler = TreeRssSampler(server[0].pid) if system == "shellring-served" else None
        if server_sampler:
            server_sampler.start()
        rc = proc.wait()
        sampler.stop()
        if server_sampler:
            server_sampler.stop()
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_cpu = (own.ru_utime - own_before.ru_utime) + (own.ru_stime - own_before.ru_stime)
    foreign = max(0.0, (_busy_cpu_seconds() - busy_before - own_cpu) / wall)
    if rc != 0:
        raise RuntimeError(f"{system} worker failed (rc {rc}); see {out / 'worker.log'}")
    # the working DB (~2 KB per company) is for inspecting or resuming a run; scoring needs only the outputs,
    # and the shared machine's disk runs out
    shutil.rmtree(out / ".results.duckdb.work", ignore_errors=True)
    info = json.loads((out / "info.json").read_text())
    print(f"    {wall:.1f} s, peak tree RSS {sampler.peak_kib / 1024:.0f} MiB, own cores {own_cpu / wall:.2f}, "
          f"other processes {foreign:.2f} cores", flush=True)
    return {"system": system, "wall_seconds": round(wall, 2), "own_cores": round(own_cpu / wall, 2),
            "foreign_cores": round(foreign, 2), "peak_tree_rss_mib": round(sampler.peak_kib / 1024),
            "peak_main_rss_mib": round(sampler.peak_own_kib / 1024), "info": info,
            **({"server_peak_rss_mib": round(server_sampler.peak_kib / 1024)} if server_sampler else {})}


# ---------------------------------------------------------------- scoring and report

FIGURES = [("pair precision", "pair_precision"), ("pair recall", "pair_recall"), ("pair F1", "pair_f1"),
           ("ring recall", "ring_recall"), ("look-alike false-alarm rate", "lookalike_false_alarm_rate"),
           ("legitimate false-alarm rate", "legit_false_alarm_rate")]
LOWER_IS_BETTER = {"lookalike_false_alarm_rate", "legit_false_alarm_rate"}


def score_splink(truth: Path, assignments: pl.DataFrame, min_size: int) -> tuple[float, dict, list[dict]]:
    """Every threshold's figures; the best threshold by pair F1 (ties: higher ring recall)."""
    from shellring.flows.results.evaluate import evaluate_assignments

    rows = []
    for threshold in assignments["threshold"].unique().sort():
        chosen = assignments.filter((pl.col("threshold") == threshold) & (pl.col("cluster_size") >= min_size))
        ev = evaluate_assignments(truth, chosen.select("cluster_id", "uscc"), f"splink@{threshold}")
        rows.append({"threshold": threshold, **asdict(ev)})
    best = max(rows, key=lambda r: (r["pair_f1"], r["ring_recall"], -r["legit_false_alarm_rate"]))
    return best["threshold"], best, rows


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


SPLINKS = {"splink-user": "Splink (user prep)", "splink": "Splink (shellring prep)"}


def report(args, measured: dict[str, dict], quality: dict[str, dict], scans: dict[str, list[dict]],
           command: str) -> str:
    flow, served, stages_ = (measured[k] for k in ("shellring-flow", "shellring-served", "shellring-stages"))
    ours = [("shellring (flow)", "shellring-flow"), ("shellring (served)", "shellring-served"),
            ("shellring (stages)", "shellring-stages")]
    theirs = [(f"{label} >={k} @ best", f"{system}>={k}") for system, label in SPLINKS.items() for k in (2, 3)]
    columns, keys = [c for c, _ in ours + theirs], [k for _, k in ours + theirs]
    user_info = measured["splink-user"]["info"]
    lines = [f"### {args.companies:,} companies, seed {args.seed}, {measured.get('measured_at', '')[:10]}", "",
             f"Measured {measured.get('measured_at', 'at an unrecorded time')} on {os.cpu_count()} cores, load "
             f"average before {measured.get('load_before', '?')}, after {measured.get('load_after', '?')}. Command:",
             "", f"    {command}", "",
             "Splink runs twice on the same extracts. **Splink (user prep)** is what a Splink user has: both files "
             "read with polars, a plain per-row Python normaliser (bench/splink_user_prep.py), one row per company "
             f"with its first account, prediction blocking `{user_info.get('blocking', 'identifiers')}`"
             + (" (the representative's name and ID issuing region together, as issue 15 measured)"
                if user_info.get("blocking") == "issue" else "")
             + ". The ratios in the target check are against it. **Splink (shellring prep)** feeds Splink "
             "shellring's own ingest/normalize/stage output and blocks on each identifier: it shows Splink's "
             "matching at its best input, not a user's run. Splink's own work (training, predict, clustering) is "
             "given apart from its input prep in both.", "",
             "| figure | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for label, key in FIGURES:
        lines.append(f"| {label} | " + " | ".join(_fmt(quality[k][key]) for k in keys) + " |")
    lines.append("| rings found | " + " | ".join(f"{quality[k]['rings_found']} / {quality[k]['rings']}" for k in keys)
                 + " |")
    for kind in sorted(quality["shellring-flow"]["ring_recall_by_kind"]):
        lines.append(f"| ring recall: {kind} | " + " | ".join(
            _fmt(quality[k]["ring_recall_by_kind"].get(kind, 0.0)) for k in keys) + " |")
    for kind in sorted(quality["shellring-flow"]["false_alarm_by_kind"]):
        lines.append(f"| false alarms: {kind} | " + " | ".join(
            _fmt(quality[k]["false_alarm_by_kind"].get(kind, 0.0)) for k in keys) + " |")
    lines.append("| flagged clusters / companies | " + " | ".join(
        f"{quality[k]['flagged_clusters']} / {quality[k]['flagged_companies']}" for k in keys) + " |")
    lines.append("| Splink threshold (match probability) | – | – | – | "
                 + " | ".join(str(quality[k]["threshold"]) for _, k in theirs) + " |")

    def row(label: str, cells: list[str]) -> str:  # one cell per system; a Splink's spans its two columns
        return f"| {label} | " + " | ".join(cells[:3] + [c for cell in cells[3:] for c in (cell, "(same run)")]) + " |"

    systems = [flow, served, stages_] + [measured[s] for s in SPLINKS]
    for label, key in (("wall s (whole fresh process)", "wall_seconds"),
                       ("peak RSS MiB (process tree)", "peak_tree_rss_mib"),
                       ("peak RSS MiB (main process)", "peak_main_rss_mib"),
                       ("other processes' load, cores", "foreign_cores")):
        lines.append(row(label, [f"{m[key]:g}" + (f" ({', '.join(f'{v:g}' for v in m[key + '_all'])})"
                                                  if len(m.get(key + "_all", [])) > 1 else "") for m in systems]))
    lines.append(row("CPU s (own cores × wall)", [f"{m['own_cores'] * m['wall_seconds']:.0f}" for m in systems]))
    lines.append(row("own cores (CPU s / wall s)", [f"{m['own_cores']}" for m in systems]))
    lines.append(row("running Prefect server's peak RSS MiB (not in the tree above)",
                     ["–", f"{served['server_peak_rss_mib']}", "–", "–", "–"]))
    lines.append(row("Splink's input prep: s / CPU s / peak RSS MiB", ["–"] * 3 + [
        f"{_prep_seconds(measured[s]['info']):g} / {measured[s]['info'].get('prep_cpu_seconds', '?')} / "
        f"{measured[s]['info']['prep_peak_tree_rss_mib']}" for s in SPLINKS]))
    lines.append(row("Splink's own work (train+predict+cluster): s / CPU s / peak RSS MiB", ["–"] * 3 + [
        f"{measured[s]['info']['splink_seconds']:g} / {measured[s]['info'].get('splink_cpu_seconds', '?')} / "
        f"{measured[s]['info']['splink_peak_tree_rss_mib']}" for s in SPLINKS]))

    fi, vi, si = flow["info"], served["info"], stages_["info"]
    lines += ["", "Where the time goes (seconds, inside each worker):", "",
              f"- shellring flow: stages {fi['stage_seconds_total']} ({_stage_list(fi['timings'])}); "
              f"`audit_flow` call {fi['flow_call_seconds']} → Prefect inside the call "
              f"{fi['prefect_overhead_in_flow_call']}; process start, imports and exit "
              f"{round(flow['wall_seconds'] - fi['flow_call_seconds'], 1)}.",
              f"- shellring served: stages {vi['stage_seconds_total']}; `audit_flow` call {vi['flow_call_seconds']} → "
              f"Prefect inside the call {vi['prefect_overhead_in_flow_call']}; process start, imports and exit "
              f"{round(served['wall_seconds'] - vi['flow_call_seconds'], 1)}.",
              f"- shellring stages (no Prefect, no publish): {round(sum(si['timings'].values()), 2)} "
              f"({_stage_list(si['timings'])})."]
    for system, label in SPLINKS.items():
        ki = measured[system]["info"]
        prep = {k: v for k, v in ki["timings"].items() if k.startswith("prep_")}
        own = {k: v for k, v in ki["timings"].items() if not k.startswith("prep_")}
        n_thresholds = len(scans[system])
        lines += [f"- {label}: input prep {_prep_seconds(ki):g} ({_stage_list(prep)}); Splink itself "
                  f"{round(sum(own.values()), 2)} ({_stage_list(own)}). Clustering ran at {n_thresholds} thresholds; "
                  f"a single-threshold run would save ≈ {ki['extra_cluster_seconds']} s. Blocked pairs per rule "
                  "(before de-duplication): " + ", ".join(f"{k} {v:,}" for k, v in ki["blocked_pairs_per_rule"].items())
                  + f"; prediction blocking `{ki.get('blocking', 'identifiers')}`, pairs scored ≥ "
                  f"{min(r['threshold'] for r in scans[system])}: {ki['predicted_pairs_above_min_threshold']:,}."]
    for system, label in SPLINKS.items():
        lines += ["", f"{label} threshold scan (clusters ≥ 2 | clusters ≥ 3):", "",
                  "| threshold | pair P | pair R | pair F1 | ring recall | look-alike FA | legit FA | "
                  "≥3: pair F1 | ≥3: ring recall | ≥3: legit FA |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r2, r3 in zip(scans[system], scans[system + ">=3"], strict=True):
            lines.append(f"| {r2['threshold']} | {_fmt(r2['pair_precision'])} | {_fmt(r2['pair_recall'])} | "
                         f"{_fmt(r2['pair_f1'])} | {_fmt(r2['ring_recall'])} | "
                         f"{_fmt(r2['lookalike_false_alarm_rate'])} | {_fmt(r2['legit_false_alarm_rate'])} | "
                         f"{_fmt(r3['pair_f1'])} | {_fmt(r3['ring_recall'])} | {_fmt(r3['legit_false_alarm_rate'])} |")
    lines += ["", _verdict(quality, measured), ""]
    return "\n".join(lines)


def _prep_seconds(info: dict) -> float:
    return round(sum(v for k, v in info["timings"].items() if k.startswith("prep_")), 2)


def _stage_list(timings: dict) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in timings.items())


def _verdict(quality: dict, measured: dict) -> str:
    """The project's target, checked against Splink as a user runs it (user prep), and the rest beside it."""
    flow, served, stages_ = (measured[k] for k in ("shellring-flow", "shellring-served", "shellring-stages"))
    variants = [f"{s}>={k}" for s in SPLINKS for k in (2, 3)]
    misses = []
    for variant in variants:
        for label, key in FIGURES:
            ours, theirs = quality["shellring-flow"][key], quality[variant][key]
            ahead = ours < theirs if key in LOWER_IS_BETTER else ours > theirs
            if not ahead:
                misses.append(f"{label} vs {variant} ({_fmt(ours)} vs {_fmt(theirs)})")
    behind_by_kind = []
    for field, worse in (("ring_recall_by_kind", lambda a, b: a < b), ("false_alarm_by_kind", lambda a, b: a > b)):
        for kind, ours in quality["shellring-flow"][field].items():
            best_splink = min if field == "false_alarm_by_kind" else max
            theirs = best_splink(quality[v][field].get(kind, 0.0) for v in variants)
            if worse(ours, theirs):
                behind_by_kind.append(f"{field.replace('_by_kind', '').replace('_', ' ')} {kind} "
                                      f"({_fmt(ours)} vs {_fmt(theirs)})")
    text = ""
    for system, label in SPLINKS.items():
        splink = measured[system]
        info = splink["info"]
        wall, mem = splink["wall_seconds"], splink["peak_tree_rss_mib"]
        text += (f"{'Target check' if system == 'splink-user' else 'Beside it'}, against {label}: wall time "
                 f"shellring flow / Splink = {flow['wall_seconds'] / wall:.2f} (served: "
                 f"{served['wall_seconds'] / wall:.2f}, stages: {stages_['wall_seconds'] / wall:.2f}"
                 + ("; target ≤ 0.25" if system == "splink-user" else "")
                 + f"), peak memory = {flow['peak_tree_rss_mib'] / mem:.2f} (served: "
                 f"{served['peak_tree_rss_mib'] / mem:.2f}, stages: {stages_['peak_tree_rss_mib'] / mem:.2f}"
                 + ("; target ≤ 0.5" if system == "splink-user" else "")
                 + f"); against Splink's own work alone (after its prep): time "
                 f"{served['wall_seconds'] / info['splink_seconds']:.2f} (served), memory "
                 f"{served['peak_tree_rss_mib'] / info['splink_peak_tree_rss_mib']:.2f} (served). ")
    text += ("Quality: shellring ahead on every figure." if not misses
             else "Quality: shellring not ahead on " + "; ".join(misses) + ".")
    if behind_by_kind:
        text += " Per kind, shellring is behind the best Splink variant on " + "; ".join(behind_by_kind) + "."
    return text


def write_results(section: str, key: str, path: Path = RESULTS_MD) -> None:
    """Replace the section with this key (size, seed, blocking, day) in the results file, keeping the others."""
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    text = path.read_text() if path.exists() else "# shellring vs Splink 5\n\n"
    block = f"{begin}\n{section}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/shellring-bench"))
    parser.add_argument("--thresholds", default=",".join(map(str, DEFAULT_THRESHOLDS)),
                        help="Splink match-probability thresholds to cluster at (best one reported)")
    parser.add_argument("--u-max-pairs", type=float, default=1e7,
                        help="pairs sampled by estimate_u_using_random_sampling (Splink docs: 1e7 'often adequate', "
                             "1e8-1e9 for a final model; the smaller default favours Splink's wall time)")
    parser.add_argument("--splink-blocking", choices=BLOCKINGS, default="issue",
                        help="prediction blocking of Splink (user prep): 'issue' = representative's name and ID "
                             "issuing region together, as issue 15 measured; 'identifiers' = one rule per "
                             "identifier, as Splink (shellring prep) always blocks")
    parser.add_argument("--data", type=Path,
                        help="a folder the demo generator already wrote (registrations.csv, accounts.csv, truth.csv) "
                             "with --companies companies, instead of generating one")
    parser.add_argument("--results", type=Path, default=RESULTS_MD)
    parser.add_argument("--rescore", action="store_true",
                        help="score and report the workers' saved outputs again without re-running them")
    parser.add_argument("--repeat", type=int, default=1, help="fresh runs per system; the median is reported")
    parser.add_argument("--idle-wait", type=float, default=30,
                        help="before each run, wait up to this many seconds for the shared machine to go idle")
    args = parser.parse_args(argv)
    from shellring.flows.demo.generate import DemoFiles, generate_demo
    from shellring.flows.results.evaluate import evaluate, evaluate_assignments

    root = args.workdir / f"companies-{args.companies}-seed-{args.seed}"
    started = time.perf_counter()
    if args.data:
        demo = DemoFiles(args.data / "registrations.csv", args.data / "accounts.csv", args.data / "truth.csv")
    else:
        demo = generate_demo(root / "data", n_companies=args.companies, seed=args.seed)
        print(f"demo data: {args.companies:,} companies in {time.perf_counter() - started:.1f} s -> {root / 'data'}")
    files = {"registrations": str(demo.registrations), "accounts": str(demo.accounts)}

    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    command = f"{prefix}{sys.executable} bench/compare_splink.py " + " ".join(argv)
    if args.rescore:
        measured = json.loads((root / "measured.json").read_text())
        command = measured.get("command", command)  # the command that measured, not this one
    else:
        from prefect_overhead import _start_server, _stop

        server_home = root / "prefect-server"
        shutil.rmtree(server_home, ignore_errors=True)
        server_home.mkdir(parents=True)
        server = _start_server(server_home)
        load_before = os.getloadavg()
        try:
            measured = {system: measure_repeated(system, files, root / system, args, server) for system in SYSTEMS}
        finally:
            _stop(server[0])
        measured["load_before"] = "/".join(f"{x:.2f}" for x in load_before)
        measured["load_after"] = "/".join(f"{x:.2f}" for x in os.getloadavg())
        measured["command"] = command
        measured["measured_at"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        (root / "measured.json").write_text(json.dumps(measured, indent=1, default=str))
    quality: dict[str, dict] = {}
    for system in ("shellring-flow", "shellring-served", "shellring-stages"):
        assignments = pl.read_parquet(root / system / "assignments.parquet")
        quality[system] = asdict(evaluate_assignments(demo.truth, assignments, system))
    published = asdict(evaluate(demo.truth, Path(measured["shellring-flow"]["info"]["db"])))
    if {k: v for k, v in published.items() if k != "run_id"} != \
            {k: v for k, v in quality["shellring-flow"].items() if k != "run_id"}:
        raise RuntimeError("evaluate() on the published DB disagrees with evaluate_assignments on its clusters")

    scans: dict[str, list[dict]] = {}
    for system in SPLINKS:
        splink_assignments = pl.read_parquet(root / system / "assignments.parquet")
        _, quality[f"{system}>=2"], scans[system] = score_splink(demo.truth, splink_assignments, 2)
        _, quality[f"{system}>=3"], scans[f"{system}>=3"] = score_splink(demo.truth, splink_assignments, 3)
    section = report(args, measured, quality, scans, command.strip())
    print(section)
    (root / "quality.json").write_text(json.dumps(quality, indent=1, default=str))
    write_results(section, f"companies={args.companies} seed={args.seed} splink-blocking={args.splink_blocking} "
                           f"measured={measured['measured_at'][:10]}", args.results)
    print(f"written: {args.results}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        run_worker(sys.argv[2:])
    else:
        main(sys.argv[1:])
