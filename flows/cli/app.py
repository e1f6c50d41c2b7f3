"""The `shellring` command line: run an audit, try it on demo data, evaluate, normalize values."""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shellring.flows.cli.inputs import require_files

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=False)
err = Console(stderr=True)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-10-31", param_hint=option) from None


def _quiet(quiet: bool) -> None:
    # Must happen before prefect is imported: its logging is configured at import.
    if quiet:
        os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
        os.environ["PREFECT_LOGGING_SERVER_LEVEL"] = "WARNING"


def _run_flow(cluster=None, shared: Path | None = None, quiet: bool = False, **kwargs) -> dict:
    """The audit flow, on a Dask cluster when `cluster` (a ClusterSpec) says so; the flow stays here."""
    from shellring.flows.orchestration import digests, progress
    from shellring.flows.orchestration.audit import audit_flow
    from shellring.flows.orchestration.temporary_server import patient_temporary_server

    digests.start([*kwargs.get("registrations", []), *kwargs.get("accounts", [])])  # while the server starts
    with patient_temporary_server(), progress.shown(err, quiet):
        if cluster is None:
            return audit_flow(**kwargs)
        from shellring.flows.distributed.cluster import dask_client, partitions_for

        with dask_client(cluster) as client:
            dask = {"address": client.scheduler.address, "partitions": partitions_for(client, cluster),
                    "shared": str(shared.resolve()) if shared else None}
            return audit_flow(dask=dask, **kwargs)


def _settings(lang: str | None):
    """The run's settings: the defaults, in another language if asked (the language is part of the run id)."""
    if lang is None:
        return None
    from shellring.flows.core.rules import LANGUAGES
    from shellring.flows.core.settings import Settings

    if lang not in LANGUAGES:
        raise typer.BadParameter(f"{lang!r} is not one of {', '.join(LANGUAGES)}", param_hint="--lang")
    return Settings(language=lang)


def _failure(exc: Exception) -> str:
    from shellring.flows.orchestration.temporary_server import explain_startup_failure

    return explain_startup_failure(exc) or str(exc)


def _by_reason(per_kind: dict[str, dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for reasons in per_kind.values():
        for reason, n in reasons.items():
            totals[reason] = totals.get(reason, 0) + n
    return totals


def _print_summary(summary: dict) -> None:
    table = Table(title=f"shellring run {summary['run_id']}", show_header=False)
    for label, key in [
        ("companies", "companies"), ("accounts", "accounts"), ("links", "links"), ("hub values", "hub_values"),
        ("clusters (>= 2 companies)", "clusters"), ("flagged clusters", "flagged"), ("rejected rows", "rejected"),
    ]:
        table.add_row(label, str(summary[key]))
    reasons = _by_reason(summary["rejects_by_reason"])
    if reasons:
        table.add_row("rejections by reason", ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())))
    skipped = _by_reason(summary.get("skipped_by_reason", {}))
    if skipped:
        table.add_row("non-data rows skipped", ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items())))
    layout = [f"{kind}: {note}" for kind, notes in summary.get("extract_layout", {}).items() for note in notes]
    if layout:
        table.add_row("extracts read", escape("\n".join(layout)))
    for advice in summary.get("advice", []):
        table.add_row("[bold]Excel lost digits[/bold]", escape(advice))
    table.add_row("stage seconds", ", ".join(f"{k} {v:.1f}" for k, v in summary["stage_seconds"].items()))
    table.add_row("results", summary["db"])
    console.print(table)


@app.command()
def run(
    registrations: list[Path] = typer.Option([], "--registrations",
                                             help="registration extract(s): CSV, XLSX or Parquet"),
    accounts: list[Path] = typer.Option([], "--accounts", help="account-opening extract(s)"),
    db: Path = typer.Option(..., "--db", help="published results DuckDB file (runs append)"),
    region: str = typer.Option("default", "--region", help="region name recorded with the run"),
    since: str | None = typer.Option(None, "--since", help="first account-opening date under audit (YYYY-MM-DD)"),
    until: str | None = typer.Option(None, "--until", help="last account-opening date under audit (YYYY-MM-DD)"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML file mapping other headers to ours"),
    key_file: Path | None = typer.Option(None, "--key-file", help="pseudonymisation key (else $SHELLRING_KEY)"),
    quiet: bool = typer.Option(False, "--quiet", help="only the summary"),
    national: Path | None = typer.Option(None, "--national",
                                         help="folder of region folders, each with registrations*/accounts* "
                                              "extracts: one run over all, recording each company's region"),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="run the distributed stages on a local Dask cluster of N processes"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="run them on an existing Dask cluster "
                                         "(tcp://HOST:8786); needs --shared-dir"),
    partitions: int | None = typer.Option(None, "--partitions", min=1,
                                          help="partitions per distributed stage (default: 2 x the cluster's threads)"),
    threads_per_worker: int = typer.Option(1, "--threads-per-worker", min=1, help="local cluster: threads each"),
    memory_per_worker: str = typer.Option("auto", "--memory-per-worker",
                                          help="local cluster: memory limit of each worker (e.g. 4GB)"),
    national_hubs: Path | None = typer.Option(None, "--national-hubs", help="a national results DB (same key): "
                                              "the values it published as hubs are hubs in this run too"),
    shared_dir: Path | None = typer.Option(None, "--shared-dir", help="folder every worker sees at this path, for "
                                           "the partitions (default: beside the results DB)"),
    lang: str | None = typer.Option(None, "--lang", help="language of the published reasons: zh (default) or en"),
) -> None:
    """Run the audit flow on extracts and publish the results."""
    window = (_date(since, "--since"), _date(until, "--until"))
    settings = _settings(lang)
    regions = None
    if national is not None:
        from shellring.flows.orchestration.national import NationalFolderError, national_extracts

        try:
            found = national_extracts(national)
        except NationalFolderError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from None
        registrations, accounts, regions = [*registrations, *found.registrations], [*accounts, *found.accounts], \
            found.regions
        region = "national" if region == "default" else region
    if not registrations or not accounts:
        err.print("[red]error:[/red] give --registrations and --accounts extracts, or --national FOLDER")
        raise typer.Exit(2)
    if scheduler and not shared_dir:
        err.print("[red]error:[/red] --scheduler needs --shared-dir: a folder the workers see at the same path")
        raise typer.Exit(2)
    cluster = None
    if workers or scheduler:
        from shellring.flows.distributed.cluster import ClusterSpec

        cluster = ClusterSpec(workers=workers, scheduler=scheduler, threads_per_worker=threads_per_worker,
                              memory_limit=memory_per_worker, partitions=partitions)
    require_files(*registrations, *accounts, *[p for p in (mapping, national_hubs) if p])
    from shellring.flows.pipeline.pseudonyms import MissingKeyError, load_key

    try:
        load_key(key_file)  # refuse before any work (and before Prefect starts a server)
    except (MissingKeyError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    _quiet(quiet)
    try:
        summary = _run_flow(
            cluster=cluster, shared=shared_dir, quiet=quiet,
            registrations=[str(p) for p in registrations], accounts=[str(p) for p in accounts], db=str(db),
            region=region, since=window[0], until=window[1], mapping=str(mapping) if mapping else None,
            key_file=str(key_file) if key_file else None, settings=settings, regions=regions,
            national_hubs=str(national_hubs) if national_hubs else None,
        )
    except Exception as exc:  # the flow's own errors name file, row and column
        err.print(f"[red]error:[/red] {escape(_failure(exc))}")
        raise typer.Exit(1) from None
    _print_summary(summary)


def _print_evaluation(ev) -> None:
    table = Table(title=f"evaluation of run {ev.run_id}", show_header=False)
    table.add_row("pair precision / recall / F1", f"{ev.pair_precision:.3f} / {ev.pair_recall:.3f} / {ev.pair_f1:.3f}")
    table.add_row("ring recall", f"{ev.ring_recall:.3f} ({ev.rings_found} of {ev.rings} rings)")
    for kind, value in ev.ring_recall_by_kind.items():
        table.add_row(f"  ring recall: {kind}", f"{value:.3f} of {ev.rings_by_kind.get(kind, 0)}")
    for level, value in ev.ring_recall_by_sophistication.items():
        table.add_row(f"  ring recall: {level}", f"{value:.3f} of {ev.rings_by_sophistication.get(level, 0)}")
    for tag, value in ev.ring_recall_by_tag.items():
        table.add_row(f"  ring recall: rings tagged {tag}", f"{value:.3f} of {ev.rings_by_tag.get(tag, 0)}")
    table.add_row("rings flagged only in pieces", f"{ev.rings_in_pieces} (ring coverage {ev.ring_coverage:.3f})")
    for kind, n in ev.rings_in_pieces_by_kind.items():
        table.add_row(f"  in pieces: {kind}", f"{n} of {ev.rings_by_kind.get(kind, 0)}")
    table.add_row("false alarms on look-alikes", f"{ev.lookalike_false_alarm_rate:.3f} of {ev.lookalike_companies}")
    for kind, value in ev.false_alarm_by_kind.items():
        table.add_row(f"  false alarms: {kind}", f"{value:.3f}")
    table.add_row("false alarms on all legitimate", f"{ev.legit_false_alarm_rate:.4f}")
    table.add_row("flagged clusters / companies", f"{ev.flagged_clusters} / {ev.flagged_companies}")
    table.add_row("  holding more than one ring", f"{ev.clusters_multi_ring} ({ev.multi_ring_cluster_share:.3f})")
    table.add_row("  holding a legitimate company", f"{ev.clusters_with_legit} ({ev.legit_cluster_share:.3f})")
    table.add_row("  purity mean / median", f"{ev.purity_mean:.3f} / {ev.purity_median:.3f}")
    console.print(table)


@app.command()
def evaluate(
    truth: Path = typer.Option(..., "--truth", help="ground-truth CSV: uscc, kind, group_id, is_ring"),
    db: Path = typer.Option(..., "--db", help="published results DuckDB file"),
    run_id: str | None = typer.Option(None, "--run-id", help="a run other than the latest"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Pairwise precision/recall/F1, ring recall per kind and sophistication, cluster purity, false alarms."""
    from shellring.flows.results.evaluate import evaluate as run_evaluation

    require_files(truth, db)
    result = run_evaluation(truth, db, run_id)
    if as_json:
        console.print_json(json.dumps(result.__dict__))
    else:
        _print_evaluation(result)


@app.command()
def demo(
    companies: int = typer.Option(20_000, "--companies", min=200, help="how many companies to generate"),
    out: Path = typer.Option(Path("shellring-demo"), "--out", help="folder for extracts, truth and results"),
    seed: int = typer.Option(7, "--seed"),
    quiet: bool = typer.Option(False, "--quiet"),
    lang: str | None = typer.Option(None, "--lang", help="language of the published reasons: zh (default) or en"),
    hard: bool = typer.Option(False, "--hard", help="every knob below on, with values drawn per run (seeded)"),
    sophistication: str | None = typer.Option(
        None, "--sophistication",
        help="naive | medium | sophisticated, or a mix like naive=.4,medium=.3,sophisticated=.3"),
    density: float | None = typer.Option(None, "--density", min=0.0, max=1.0,
                                         help="share of rings placed in busy shared buildings"),
    landline_dealers: float | None = typer.Option(None, "--landline-dealers", min=0.0, max=1.0,
                                                  help="share of dealer-phone rings run from a landline"),
    profile_only: float | None = typer.Option(None, "--profile-only", min=0.0, max=1.0,
                                              help="share of student-batch members linked by profile and timing only"),
    vary: bool | None = typer.Option(None, "--vary/--no-vary",
                                     help="draw proportions, noise, formats and headers per run"),
    variety: bool = typer.Option(False, "--variety",
                                 help="phones, addresses and names in further real spellings, ring proportions "
                                      "from wider ranges (not part of --hard)"),
    accounts: int | None = typer.Option(None, "--accounts", min=0,
                                        help="exactly this many account openings (default ~0.7 per company): "
                                             "legitimate companies open further accounts at other banks"),
) -> None:
    """Generate demo extracts with planted rings, run the audit on them and evaluate."""
    from shellring.flows.demo.generate import generate_demo
    from shellring.flows.demo.knobs import parse_mix

    settings = _settings(lang)

    _quiet(quiet)
    out.mkdir(parents=True, exist_ok=True)
    try:
        files = generate_demo(out, n_companies=companies, seed=seed, hard=hard,
                              sophistication=parse_mix(sophistication) if sophistication else None,
                              density=density, landline_dealers=landline_dealers, profile_only=profile_only,
                              vary=vary, variety=variety, accounts=accounts)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    key_file = out / "demo.key"  # a throwaway key: demo data holds no real people
    key_file.write_text(secrets.token_hex(32))
    os.chmod(key_file, 0o600)
    db = out / "results.duckdb"
    try:
        summary = _run_flow(quiet=quiet, registrations=[str(files.registrations)], accounts=[str(files.accounts)],
                            db=str(db), region="demo", key_file=str(key_file), settings=settings)
    except Exception as exc:
        err.print(f"[red]error:[/red] {escape(_failure(exc))}")
        raise typer.Exit(1) from None
    _print_summary(summary)
    from shellring.flows.results.evaluate import evaluate as run_evaluation

    _print_evaluation(run_evaluation(files.truth, db))
    console.print(f"truth: {files.truth}\nresults: {db}  (open read-only: duckdb -readonly {db})")


@app.command()
def normalize(
    kind: str = typer.Option(..., "--kind", help="address | name | phone | id | company"),
    source: Path | None = typer.Argument(None, help="file with one value per line (default: stdin)"),
    chunk: int = typer.Option(50_000, "--chunk", min=1, help="lines read and parsed at a time"),
    progress: bool | None = typer.Option(None, "--progress/--no-progress",
                                         help="lines done on stderr (default: on once the input exceeds a chunk)"),
) -> None:
    """Show how the job reads values: one JSON object per input line, in input order.

    Streams the input a chunk at a time and parses each distinct value once (a repeated value reuses its line)."""
    import time

    from shellring.matchers.api import normalize_lines

    kinds = {"address", "name", "phone", "id", "company"}
    if kind not in kinds:
        raise typer.BadParameter(f"choose one of {', '.join(sorted(kinds))}", param_hint="--kind")
    stream = source.open(encoding="utf-8", newline=None) if source else sys.stdin
    seen: dict[str, str] = {}  # value -> its JSON line; bounded so that a huge file cannot hold every value
    done = distinct = 0
    started = time.perf_counter()
    out = sys.stdout
    try:
        while True:
            lines = [line.rstrip("\r\n") for line in _take(stream, chunk)]
            if not lines:
                break
            new = list(dict.fromkeys(v for v in lines if v not in seen))
            if len(seen) + len(new) > 2_000_000:
                seen.clear()
                new = list(dict.fromkeys(lines))
            for value, line in zip(new, normalize_lines(kind, new), strict=True):
                seen[value] = line + "\n"
            distinct += len(new)
            out.write("".join(seen[v] for v in lines))
            done += len(lines)
            if progress or (progress is None and (done > chunk or len(lines) == chunk)):
                rate = done / max(time.perf_counter() - started, 1e-9)
                err.print(f"normalize {kind}: {done:,} lines, {distinct:,} parsed, {rate:,.0f} lines/s",
                          highlight=False)
    finally:
        if source:
            stream.close()


def _take(stream, n: int) -> list[str]:
    lines = []
    for line in stream:
        lines.append(line)
        if len(lines) == n:
            break
    return lines


@app.command()
def plan() -> None:
    """Print the pipeline's steps in order: what each reads and writes, and the parameters in force."""
    from shellring.flows.pipeline.plan import check_plan, describe

    def out(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    stage = None
    for row in describe():
        if row["stage"] != stage:
            stage = row["stage"]
            out(f"\n[bold]stage {stage}[/bold]")
        out(f"  [cyan]{row['step']}[/cyan] ({row['kind']}): {escape(row['doc'])}")
        out(f"      reads:  {escape(', '.join(row['reads']) or '-')}")
        out(f"      writes: {', '.join(row['writes'])}")
        if row["params"]:
            out(f"      params: {escape(', '.join(row['params']))}")
        if row["binds"]:
            out(f"      binds:  {', '.join(row['binds'])}")
    problems = check_plan()
    if problems:
        err.print("[red]the plan does not hold:[/red]\n  " + "\n  ".join(problems))
        raise typer.Exit(1)


from shellring.flows.cli.serve import serve  # noqa: E402  (imports no Prefect until run)

app.command(name="serve")(serve)
from shellring.flows.results.reveal import reveal_command  # noqa: E402

app.command(name="reveal")(reveal_command)
from shellring.flows.cli.report import report_command  # noqa: E402

app.command(name="report")(report_command)
from shellring.flows.cli.review import review_command  # noqa: E402

app.command(name="review")(review_command)
from shellring.flows.cli.explain import explain_command  # noqa: E402

app.command(name="explain")(explain_command)
from shellring.flows.cli.verdict import app as verdict_app  # noqa: E402

app.add_typer(verdict_app)  # the `verdict` and `verdicts` commands

if __name__ == "__main__":
    app()
