"""The same companies written in other people's formats give the same clusters.

bench/reformat.py rewrites every value of a small hard demo in another format that Chinese registries and bank
systems use for the same value (phones with +86/86-0/brackets/extension words, IDs and USCCs quoted, grouped,
full-width or lower-case, dates in fifteen spellings, capital in 万元/元/人民币 forms, addresses with their parts
spaced, numerals in Chinese, building and room words swapped, names spaced, every cell padded). The oracle is the
original extract's own result: the published clusters, their members' keys, reasons and links must be equal.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest
from demo_extracts import run_audit  # tests/demo_extracts.py

pytestmark = pytest.mark.slow

SPEC = importlib.util.spec_from_file_location("reformat", Path(__file__).parents[1] / "bench" / "reformat.py")
reformat = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(reformat)

# the members' columns that show the text as the extract wrote it (display only, never a key)
AS_WRITTEN = {"run_id", "company_name", "reg_address", "legal_rep_name_masked", "legal_rep_id_masked", "phone_masked"}


def _published(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for table, order in (("clusters", "cluster_id"), ("cluster_members", "cluster_id, uscc"),
                         ("links", "cluster_id, uscc_a, uscc_b")):
        columns = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in AS_WRITTEN]
        out[table] = con.execute(f"select {', '.join(columns)} from {table} order by {order}").fetchall()
    con.close()
    return out


@pytest.fixture(scope="module")
def runs(key_env, tmp_path_factory):
    from shellring.flows.demo.generate import generate_demo

    root = tmp_path_factory.mktemp("formats")
    files = generate_demo(root / "original", n_companies=2500, seed=5, hard=True)
    counts = reformat.rewrite_extracts(root / "original", root / "rewritten", seed=3)
    results = {}
    for name in ("original", "rewritten"):
        db = root / f"{name}.duckdb"
        run_audit(root / name / files.registrations.name, root / name / files.accounts.name, db, region="formats")
        results[name] = _published(db)
    return results, reformat.rates(counts)


def test_every_value_format_gives_the_same_clusters_members_reasons_and_links(runs):
    results, rates = runs
    original, rewritten = results["original"], results["rewritten"]
    assert sum(1 for row in original["clusters"] if row[4]) >= 5  # flagged clusters to lose (column 4: flagged)
    for table in ("clusters", "cluster_members", "links"):
        lost = set(original[table]) - set(rewritten[table])
        gained = set(rewritten[table]) - set(original[table])
        assert not lost and not gained, (
            f"{table}: {len(lost)} rows only in the original, {len(gained)} only after the rewrite, e.g. "
            f"{sorted(lost, key=str)[:2]} / {sorted(gained, key=str)[:2]}; rewrite rate per column: {rates}")


def test_the_rewrite_touches_every_value_column(runs):
    _, rates = runs
    for column, family in (("registrations.uscc", "uscc"), ("registrations.phone", "phone"),
                           ("registrations.legal_rep_id", "id"), ("registrations.reg_date", "date"),
                           ("registrations.reg_capital", "capital"), ("registrations.reg_address", "address"),
                           ("registrations.legal_rep_name", "name"), ("accounts.agent_phone", "phone"),
                           ("accounts.open_date", "date"), ("accounts.contact_address", "address"),
                           ("accounts.agent_id", "id"), ("accounts.uscc", "uscc")):
        assert rates[column][family] >= 0.85 and rates[column]["space"] >= 0.99, (column, rates[column])
