"""Bad rows and bad files through the real flow: what `rejected_rows` and the summary say, and what a failed run
leaves behind.

Small demo extracts get deliberately broken rows; the test's own list of what it planted is the oracle for the
published `rejected_rows` and for the summary's counts by reason. A whole-file failure (an undecodable encoding,
a missing required header) is run through `shellring run` against a results DB that already holds a good run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from demo_extracts import ACC_ENCODING, REG_ENCODING, read_rows, run_audit  # tests/demo_extracts.py
from personal_data import personal_data_hits, redacted  # tests/personal_data.py

pytestmark = pytest.mark.slow

AMOUNT = "unparseable amount (expected e.g. 100, 1,000.5, 100万元, 1000000元)"


def _write(path: Path, rows: list[list[str]], encoding: str) -> None:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))


def _line(index: int) -> int:
    """File line of data row `index` (0-based): the header is line 1."""
    return index + 2


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Demo extracts with bad rows planted; returns (registrations, accounts, planted rejects, rows per file)."""
    from shellring.flows.demo.generate import generate_demo

    root = tmp_path_factory.mktemp("rejects")
    files = generate_demo(root / "demo", n_companies=300, seed=29)
    reg_header, *reg = read_rows(files.registrations, REG_ENCODING)
    acc_header, *acc = read_rows(files.accounts, ACC_ENCODING)
    col = {name: i for i, name in enumerate(reg_header)}
    uscc, reg_date, capital, phone = (col[h] for h in ("统一社会信用代码", "成立日期", "注册资本(万元)", "联系电话"))
    acc_col = {name: i for i, name in enumerate(acc_header)}
    account_no, open_date = acc_col["账号"], acc_col["开户日期"]
    reg_file, acc_file = root / "registrations.csv", root / "accounts.csv"
    rejects = []  # (file, line, column_name, reason, action): what rejected_rows must hold, nothing more

    # registrations; the first rejected row has a landline written +86-5xx-..., so its raw_row shows whether that
    # form is masked
    r_empty = next(i for i, row in enumerate(reg) if re.fullmatch(r"\+86-5\d\d-\d{8}", row[phone]))
    r_date, r_amount, r_ragged, r_both = [i for i in range(len(reg)) if i != r_empty][:4]
    reg[r_empty][uscc] = ""
    rejects.append((reg_file, _line(r_empty), "uscc", "empty required value", "rejected"))
    reg[r_date][reg_date] = "2026-02-30"
    rejects.append((reg_file, _line(r_date), "reg_date", "unparseable date", "rejected"))
    reg[r_amount][capital] = "lots"  # an optional value: the row is kept, the value set to NULL
    rejects.append((reg_file, _line(r_amount), "reg_capital", AMOUNT, "nulled"))
    reg[r_ragged] = reg[r_ragged][:-3]
    rejects.append((reg_file, _line(r_ragged), None, f"ragged row: fewer than {len(reg_header)} fields", "rejected"))
    # a rejected row is reported for why it was rejected; its optional values are not listed as nulled too
    reg[r_both][reg_date], reg[r_both][capital] = "yesterday", "lots"
    rejects.append((reg_file, _line(r_both), "reg_date", "unparseable date", "rejected"))

    # accounts
    a_empty, a_date, a_ragged, a_copied = 3, 4, 5, 6
    acc[a_empty][account_no] = "  "  # blank after trimming
    rejects.append((acc_file, _line(a_empty), "account_no", "empty required value", "rejected"))
    acc[a_date][open_date] = "31/12/2026"
    rejects.append((acc_file, _line(a_date), "open_date", "unparseable date", "rejected"))
    acc[a_ragged] = [*acc[a_ragged], "surplus"]
    rejects.append((acc_file, _line(a_ragged), None, f"ragged row: more than {len(acc_header)} fields", "rejected"))
    acc.append(list(acc[a_copied]))  # an exact duplicate: the later copy is rejected, naming the first
    rejects.append((acc_file, _line(len(acc) - 1), None, f"exact duplicate account row of line {_line(a_copied)}",
                    "rejected"))

    _write(reg_file, [reg_header, *reg], REG_ENCODING)
    _write(acc_file, [acc_header, *acc], ACC_ENCODING)
    return reg_file, acc_file, rejects, {reg_file: len(reg), acc_file: len(acc)}


@pytest.fixture(scope="module")
def rejects_run(planted, key_env, tmp_path_factory):
    reg_file, acc_file, _, _ = planted
    db = tmp_path_factory.mktemp("rejects-results") / "results.duckdb"
    return run_audit(reg_file, acc_file, db, region="rejects"), db


def test_published_rejected_rows_are_exactly_the_planted_ones(planted, rejects_run):
    _, _, rejects, _ = planted
    summary, db = rejects_run
    with duckdb.connect(str(db), read_only=True) as con:
        published = con.execute("select file, line, column_name, reason, action from rejected_rows where run_id = ?",
                                [summary["run_id"]]).fetchall()
        raw_rows = dict(con.execute("select line, raw_row from rejected_rows where run_id = ? and column_name = 'uscc'",
                                    [summary["run_id"]]).fetchall())
    assert sorted(published, key=str) == sorted(((str(f), *rest) for f, *rest in rejects), key=str)
    [raw] = raw_rows.values()  # the rejected row is kept for a reader to find, its ID and phone masked
    assert raw and "*" in raw


def test_summary_and_run_row_count_the_planted_rejects_by_reason(planted, rejects_run):
    reg_file, acc_file, rejects, rows = planted
    summary, db = rejects_run

    def by_reason(file: Path) -> dict[str, int]:
        return dict(Counter(reason.split(" of line ")[0] for f, _, _, reason, _ in rejects if f == file))

    assert summary["rejects_by_reason"] == {"registrations": by_reason(reg_file), "accounts": by_reason(acc_file)}
    assert summary["rejected"] == len(rejects)
    rejected_lines = {f: {line for f2, line, _, _, action in rejects if f2 == f and action == "rejected"}
                      for f in (reg_file, acc_file)}
    with duckdb.connect(str(db), read_only=True) as con:
        n_registrations, n_accounts, n_rejected = con.execute(
            "select n_registrations, n_accounts, n_rejected from runs where run_id = ?", [summary["run_id"]]).fetchone()
    assert n_rejected == len(rejects)
    assert n_registrations == rows[reg_file] - len(rejected_lines[reg_file])
    assert n_accounts == rows[acc_file] - len(rejected_lines[acc_file])


def test_rejected_rows_publish_no_raw_identifiers_or_phones(rejects_run):
    _, db = rejects_run
    with duckdb.connect(str(db), read_only=True) as con:
        hits = personal_data_hits(con)
    leaks = [(t, c, kind, redacted(f)) for t, c, kind, f in hits]  # pytest would print `hits` raw
    assert not leaks, leaks


# ---- a whole-file failure through `shellring run` leaves the published results as they were ------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _contents(db: Path) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_type = 'BASE TABLE' order by 1").fetchall()]
        return {t: con.execute(f'select * from "{t}" order by all').fetchall() for t in tables}


def _undecodable(good: Path, bad: Path) -> str:
    """Neither UTF-8 nor GB18030: 0xFF never occurs in either (and is no BOM in the middle of a file)."""
    lines = good.read_bytes().split(b"\n")
    lines[5] = lines[5][:20] + b"\xff\xff" + lines[5][20:]
    bad.write_bytes(b"\n".join(lines))
    return "cannot detect the encoding"


def _missing_header(good: Path, bad: Path) -> str:
    text = good.read_bytes().decode(ACC_ENCODING)
    header, rest = text.split("\n", 1)
    bad.write_bytes((header.replace("账号", "colour", 1) + "\n" + rest).encode(ACC_ENCODING))
    return "missing required column(s) ['account_no']"


@pytest.mark.parametrize("breakage, which", [(_undecodable, "registrations"), (_missing_header, "accounts")],
                         ids=["undecodable-registrations", "accounts-without-account-number"])
def test_run_with_a_bad_file_exits_1_names_it_and_leaves_published_results_alone(planted, rejects_run, tmp_path,
                                                                                 breakage, which):
    reg_file, acc_file, _, _ = planted
    summary, published = rejects_run
    db = tmp_path / "results" / "results.duckdb"
    db.parent.mkdir()
    shutil.copyfile(published, db)  # a results DB holding one good run
    sha_before, contents_before = _sha256(db), _contents(db)
    assert contents_before["runs"] and contents_before["rejected_rows"]

    good = reg_file if which == "registrations" else acc_file
    bad = tmp_path / f"bad-{which}.csv"
    expected_message = breakage(good, bad)
    files = {"registrations": reg_file, "accounts": acc_file, which: bad}
    env = dict(os.environ, SHELLRING_KEY="shellring-test-key-0123456789abcdef", PREFECT_HOME=str(tmp_path / "prefect"),
               COLUMNS="1000")  # the CLI gives its temporary server 180 s itself
    done = subprocess.run(
        [sys.executable, "-m", "shellring.flows.cli.app", "run", "--registrations", str(files["registrations"]),
         "--accounts", str(files["accounts"]), "--db", str(db), "--region", "rejects", "--quiet"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    error_lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert error_lines and str(bad) in error_lines[-1] and expected_message in error_lines[-1], output[-3000:]
    assert _sha256(db) == sha_before
    assert _contents(db) == contents_before
    assert list(db.parent.glob(".results.duckdb.*.publishing*")) == []  # publication never began
