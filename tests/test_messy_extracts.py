"""Extracts as banks and registries export them, through the real flow: the same data as a clean CSV must
publish the same clusters, members, links and hubs, and every row that is not a record must be in
`rejected_rows` with its reason.

The oracle is a small demo (generate_demo) re-saved in the shapes core systems produce: registrations as a
GB18030 CSV with `;` separators, title lines, spacer lines, a total and a signature line, and ID cells that
went through Excel (`3.30106E+17`); accounts as a workbook with a cover sheet, one sheet per bank with a
merged title, a two-row merged header, a spacer, a subtotal, and on the last sheet the total and signature,
identifiers stored as Excel numbers (exact when they fit in 15 digits, broken when longer) and dates as date
cells. The clean CSV holds the same data minus what Excel destroyed: the broken optional values blank, the
rows whose account number was broken left out. The test's own list of what it planted is the oracle for
`rejected_rows`.

A second test shows that an identifier Excel broke is never a link key: two companies whose ID cells became
the same number are not linked by it, while the same value written as text does link them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from demo_extracts import ACC_ENCODING, REG_ENCODING, read_rows, run_audit  # tests/demo_extracts.py

pytestmark = pytest.mark.slow

PUBLISHED = ["clusters", "cluster_members", "links", "hubs", "cluster_hubs"]
RUN_SPECIFIC = {"run_id", "previous_run_id"}
ID_DIGITS = re.compile(r"[1-9][0-9]{17}")  # an 18-digit ID without X: Excel would have taken it for a number


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return text.getvalue()


def _excel_shows(digits: str) -> str:
    """What Excel shows (and saves to CSV) of a long number in General format: 11 characters."""
    return f"{float(digits):.5E}"


def _bank(branch: str) -> str:
    found = re.match(r"^(.*?银行|.*?信用社)", branch)
    return found.group(1)[:20] if found else "其他"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    """(clean registrations, clean accounts, messy registrations, messy accounts, planted rows, records)."""
    from shellring.flows.demo.generate import generate_demo

    root = tmp_path_factory.mktemp("messy")
    files = generate_demo(root / "demo", n_companies=300, seed=41)
    reg_header, *reg = read_rows(files.registrations, REG_ENCODING)
    acc_header, *acc = read_rows(files.accounts, ACC_ENCODING)
    planted = []  # (file name, sheet, line, column, reason, action): what rejected_rows must hold beyond the clean run

    # registrations: a semicolon CSV saved from Excel; every fifth 18-digit rep ID went through a number cell
    rep_id = reg_header.index("法定代表人证件号码")
    messy_reg, clean_reg = [], []
    lines = ["XX市市场监督管理局 企业登记信息（2023年1月—2024年12月）", "数据日期：2024-12-31", ""]
    line = len(lines) + 1  # the header
    for i, row in enumerate(reg):
        if i and i % 120 == 0:
            line += 1
            messy_reg.append([""] * len(reg_header))  # a spacer line: only separators
            planted.append(("registrations.csv", None, line, None, "blank_row", "skipped"))
        line += 1
        clean = list(row)
        if ID_DIGITS.fullmatch(row[rep_id]) and i % 5 == 0:
            row = [*row[:rep_id], _excel_shows(row[rep_id]), *row[rep_id + 1:]]
            clean[rep_id] = ""
            planted.append(("registrations.csv", None, line, "legal_rep_id", "excel_precision_lost", "nulled"))
        messy_reg.append(row)
        clean_reg.append(clean)
    planted += [("registrations.csv", None, 1, None, "title_row", "skipped"),
                ("registrations.csv", None, 2, None, "title_row", "skipped"),
                ("registrations.csv", None, line + 1, None, "total_row", "skipped"),
                ("registrations.csv", None, line + 2, None, "signature_row", "skipped")]
    messy_reg_file = root / "registrations.csv"
    messy_reg_file.write_bytes(("\n".join(lines) + "\n" + _csv([reg_header, *messy_reg], ";")
                                + f"合计：{len(reg)}户\n制表人：张三;;审核：李四\n").encode(REG_ENCODING))
    clean_reg_file = root / "clean_registrations.csv"
    clean_reg_file.write_bytes(_csv([reg_header, *clean_reg]).encode(REG_ENCODING))

    # accounts: a workbook, a cover sheet then one sheet per bank, two-row header from row 3
    col = {name: i for i, name in enumerate(acc_header)}
    top = ["账号", "开户网点", "开户日期", "统一社会信用代码", "单位名称", "法定代表人", "", "经办人", "", "",
           "联系电话", "联系地址"]
    sub = ["", "", "", "", "", "姓名", "证件号码", "姓名", "证件号码", "电话", "", ""]
    order = ["账号", "开户网点", "开户日期", "统一社会信用代码", "单位名称", "法定代表人", "法定代表人证件号码",
             "经办人", "经办人证件号码", "经办人电话", "联系电话", "联系地址"]
    assert sorted(order) == sorted(acc_header)
    banks: dict[str, list[list[str]]] = {}
    for row in acc:
        banks.setdefault(_bank(row[col["开户网点"]]), []).append(row)
    messy_acc_file = root / "accounts.xlsx"
    book = xlsxwriter.Workbook(str(messy_acc_file))
    title, center = book.add_format({"bold": True, "align": "center"}), book.add_format({"align": "center"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    cover = book.add_worksheet("填表说明")
    cover.write_column(0, 0, ["填表说明", "1. 本表由核心系统导出", "2. 金额单位：元", "字段", "账号", "开户日期"])
    clean_acc: list[list[str]] = []
    kinds = Counter()
    for n_sheet, (bank, rows) in enumerate(sorted(banks.items())):
        sheet = book.add_worksheet(bank)
        sheet.merge_range(0, 0, 0, len(top) - 1, f"{bank} 对公账户开户明细表（2023年1月—2024年12月）", title)
        sheet.write(1, 0, "单位：户")
        for c, text in enumerate(top):
            if text and not sub[c]:
                sheet.merge_range(2, c, 3, c, text, center)
        sheet.merge_range(2, 5, 2, 6, "法定代表人", center)
        sheet.merge_range(2, 7, 2, 9, "经办人", center)
        sheet.write_row(3, 5, sub[5:10])
        planted += [("accounts.xlsx", bank, 1, None, "title_row", "skipped"),
                    ("accounts.xlsx", bank, 2, None, "title_row", "skipped")]
        at = 4  # 0-based: sheet row 5
        for i, row in enumerate(rows):
            if i == 5:
                planted.append(("accounts.xlsx", bank, at + 1, None, "blank_row", "skipped"))
                at += 1  # a spacer row left empty
            values = {name: row[col[name]] for name in order}
            clean = dict(values)
            for c, name in enumerate(order):
                value = values[name]
                # broken account numbers on some rows, broken agent IDs on others (a rejected row reports
                # only why it was rejected)
                if re.fullmatch(r"[1-9][0-9]{15,18}", value) and (name, i % 4) in (("账号", 1), ("经办人证件号码", 2)):
                    sheet.write_number(at, c, int(value))  # Excel kept 15 of its digits
                    reason_action = "rejected" if name == "账号" else "nulled"
                    column = "account_no" if name == "账号" else "agent_id"
                    planted.append(("accounts.xlsx", bank, at + 1, column, "excel_precision_lost", reason_action))
                    clean[name] = None if name == "账号" else ""
                    kinds["lost " + column] += 1
                elif name in ("账号", "经办人电话") and re.fullmatch(r"[1-9][0-9]{6,14}", value):
                    sheet.write_number(at, c, int(value))  # fits: exact
                    kinds["exact " + name] += 1
                elif name == "开户日期" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and i % 2 == 0:
                    sheet.write_datetime(at, c, dt.datetime.strptime(value, "%Y-%m-%d"), day)
                    kinds["date cell"] += 1
                elif value:
                    sheet.write_string(at, c, value)
            if clean["账号"] is not None:
                clean_acc.append([clean[name] for name in acc_header])
            at += 1
        sheet.write_row(at, 0, [f"{bank}小计", "", "", f"{len(rows)}户"])
        planted.append(("accounts.xlsx", bank, at + 1, None, "subtotal_row", "skipped"))
        if n_sheet == len(banks) - 1:
            sheet.write(at + 1, 0, f"合计：{len(acc)}户")
            sheet.write(at + 3, 0, "制表人：王五        复核：赵六")
            sheet.write(at + 3, 9, "（盖章）")
            planted += [("accounts.xlsx", bank, at + 2, None, "total_row", "skipped"),
                        ("accounts.xlsx", bank, at + 3, None, "blank_row", "skipped"),
                        ("accounts.xlsx", bank, at + 4, None, "signature_row", "skipped")]
    book.close()
    assert len(banks) >= 3 and all(kinds[k] for k in ("lost account_no", "lost agent_id", "exact 账号",
                                                      "exact 经办人电话", "date cell")), kinds
    clean_acc_file = root / "clean_accounts.csv"
    clean_acc_file.write_bytes(_csv([acc_header, *clean_acc]).encode(ACC_ENCODING))
    records = {"registrations": len(reg), "accounts": len(acc)}
    return clean_reg_file, clean_acc_file, messy_reg_file, messy_acc_file, planted, records


def _run(reg: Path, acc: Path, db: Path) -> dict:
    return run_audit(reg, acc, db, region="messy")


@pytest.fixture(scope="module")
def runs(extracts, key_env, tmp_path_factory):
    clean_reg, clean_acc, messy_reg, messy_acc, _, _ = extracts
    root = tmp_path_factory.mktemp("messy-results")
    clean = _run(clean_reg, clean_acc, root / "clean" / "results.duckdb")
    messy = _run(messy_reg, messy_acc, root / "messy" / "results.duckdb")
    return (clean, Path(clean["db"])), (messy, Path(messy["db"]))


def test_messy_exports_publish_what_the_same_data_in_a_clean_csv_publishes(runs):
    (clean, clean_db), (messy, messy_db) = runs
    con = duckdb.connect()
    con.execute("attach ? as a (read_only)", [str(clean_db)])
    con.execute("attach ? as b (read_only)", [str(messy_db)])
    for table in PUBLISHED:
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'a' and table_name = ? "
            "order by ordinal_position", [table]).fetchall() if r[0] not in RUN_SPECIFIC]
        select = ", ".join(columns)
        n = con.execute(f"select count(*) from a.{table}").fetchone()[0]
        only_clean = con.execute(f"select count(*) from (select {select} from a.{table} "
                                 f"except all select {select} from b.{table})").fetchone()[0]
        only_messy = con.execute(f"select count(*) from (select {select} from b.{table} "
                                 f"except all select {select} from a.{table})").fetchone()[0]
        assert (only_clean, only_messy) == (0, 0), f"{table}: {only_clean} rows only clean, {only_messy} only messy"
        assert n > 0 or table in ("hubs", "cluster_hubs")
    assert messy["clusters"] == clean["clusters"] > 0 and messy["links"] == clean["links"]
    counts = "select n_registrations, n_accounts from runs"
    assert con.execute(counts.replace("runs", "a.runs")).fetchall() == con.execute(
        counts.replace("runs", "b.runs")).fetchall()


def test_every_record_is_kept_and_every_other_row_is_in_rejected_rows_with_its_reason(extracts, runs):
    *_, planted, records = extracts
    (clean, clean_db), (messy, messy_db) = runs
    query = "select file, sheet, line, column_name, reason, action from rejected_rows"
    with duckdb.connect(str(messy_db), read_only=True) as con:
        published = [(Path(f).name, *rest) for f, *rest in con.execute(query).fetchall()]
        n_registrations, n_accounts = con.execute("select n_registrations, n_accounts from runs").fetchone()
    with duckdb.connect(str(clean_db), read_only=True) as con:
        clean_reasons = Counter(r[0] for r in con.execute("select reason from rejected_rows").fetchall())
    # what the demo's own noise rejects (both runs alike) plus exactly what was planted, with sheet and row
    planted_set = Counter(planted)
    extra = Counter(published) - planted_set
    assert Counter(published) - extra == planted_set, sorted(planted_set - Counter(published), key=str)[:5]
    assert Counter(r[4] for r in extra.elements()) == clean_reasons
    # every record is kept: all of them but the rejected ones, as in the clean run
    lost_accounts = sum(1 for p in planted if p[3] == "account_no")
    rejected = Counter(r[0] for r in published if r[5] == "rejected")
    assert n_registrations == records["registrations"] - rejected["registrations.csv"]
    assert n_accounts == records["accounts"] - rejected["accounts.xlsx"]
    assert lost_accounts > 0
    assert messy["rejected"] == sum(1 for r in published if r[5] != "skipped")
    assert messy["skipped"] == sum(1 for r in published if r[5] == "skipped")


def test_the_summary_says_where_the_records_were_and_what_excel_broke(extracts, runs):
    *_, planted, _ = extracts
    _, (messy, _) = runs
    layout = messy["extract_layout"]
    assert layout["registrations"] == [
        "registrations.csv: header on line 4 (2 title row(s) above it skipped), semicolon-separated"]
    assert layout["accounts"][0] == ("accounts.xlsx sheet '填表说明': skipped, no header: none of its first 30 rows "
                                     "names 2 or more known columns")
    assert all(note.endswith("header on row 3-4 (2 title row(s) above it skipped)") for note in layout["accounts"][1:])
    lost = Counter((p[0], p[3]) for p in planted if p[4] == "excel_precision_lost")
    assert messy["precision_lost"] == {
        "registrations": {"legal_rep_id": lost[("registrations.csv", "legal_rep_id")]},
        "accounts": {"account_no": lost[("accounts.xlsx", "account_no")],
                     "agent_id": lost[("accounts.xlsx", "agent_id")]}}
    assert len(messy["advice"]) == 2 and all("as text" in advice for advice in messy["advice"])
    skipped = Counter(p[4] for p in planted if p[5] == "skipped" and p[0] == "accounts.xlsx")
    assert messy["skipped_by_reason"]["accounts"] == dict(skipped)


# ---------------------------------------------------------------- a broken identifier is never a link key

REG_HEADER = ["统一社会信用代码", "企业名称", "法定代表人", "法定代表人证件号码", "成立日期"]
ACC_HEADER = ["账号", "开户日期", "统一社会信用代码", "单位名称", "经办人", "经办人证件号码"]
COMPANIES = [("91330106MA2B00001A", "杭州甲科技有限公司"), ("91330106MA2B00002B", "杭州乙贸易有限公司"),
             ("91330106MA2B00003C", "杭州丙商务有限公司"), ("91330106MA2B00004D", "杭州丁咨询有限公司")]
# A's and B's representatives are two people whose IDs differ only in digits Excel drops: as numbers they are
# the same 15 digits. C's and D's accounts carry an agent ID that was already Excel's 6.22202123456789E+18.
REPS = ["330106199001011237", "330106199001011245", "330106198502023316", "330106197803034414"]
AGENTS = ["420102198504046789", "420102197001016112", "6.22202123456789E+18", "6.22202123456789E+18"]
# two account rows of two companies whose all-digit USCCs Excel rounded to the same number
NUMERIC_USCCS = ["913301060000000011", "913301060000000022"]


def _link_extracts(root: Path, broken: str) -> tuple[Path, Path]:
    """broken='excel': the cells as the exports hold them (numbers, E+18 text); broken='digits': the digits a
    loader would read from them, as text (what must not happen: the control that shows the test can fail)."""
    root.mkdir()
    reg, acc = root / "reg.xlsx", root / "acc.xlsx"
    book = xlsxwriter.Workbook(str(reg))
    sheet = book.add_worksheet("登记")
    sheet.write_row(0, 0, REG_HEADER)
    for i, ((uscc, name), rep) in enumerate(zip(COMPANIES, REPS), start=1):
        sheet.write_row(i, 0, [uscc, name, f"代表{i}"])
        if i <= 2 and broken == "excel":
            sheet.write_number(i, 3, int(rep))
        elif i <= 2:
            sheet.write_string(i, 3, rep[:15] + "000")
        else:
            sheet.write_string(i, 3, rep)
        sheet.write_string(i, 4, f"2024-03-0{i}")
    book.close()
    book = xlsxwriter.Workbook(str(acc))
    sheet = book.add_worksheet("开户")
    sheet.write_row(0, 0, ACC_HEADER)
    rows = [(uscc, name, agent) for (uscc, name), agent in zip(COMPANIES, AGENTS)]
    rows += [(uscc, f"杭州数字{k}号有限公司", f"42010219900{k}016112") for k, uscc in enumerate(NUMERIC_USCCS, 1)]
    for i, (uscc, name, agent) in enumerate(rows, start=1):
        sheet.write_row(i, 0, [f"62220212345678912{i:02d}", f"2024-04-0{i}"])
        if uscc in NUMERIC_USCCS and broken == "excel":
            sheet.write_number(i, 2, int(uscc))
        elif uscc in NUMERIC_USCCS:
            sheet.write_string(i, 2, uscc[:15] + "000")
        else:
            sheet.write_string(i, 2, uscc)
        sheet.write_row(i, 3, [name, f"经办{i}"])
        sheet.write_string(i, 5, agent if broken == "excel" or "E+" not in agent else "6222021234567890000")
    book.close()
    return reg, acc


def _evidence(root: Path) -> tuple[set, list, list, list]:
    """(person evidence pairs as (uscc, uscc, reason), person attribute values, precision rejects, USCCs)."""
    from shellring.flows.core.settings import Settings
    from shellring.flows.core.workspace import Workspace, write_run_params
    from shellring.flows.pipeline import stages

    ws = Workspace(root / "ws")
    ws.root.mkdir()
    write_run_params(ws, run_id="keys", region="x", since=None, until=None)
    stages.ingest(ws, [root / "reg.xlsx"], [root / "acc.xlsx"], "keys")
    for step in ("normalize", "stage", "link"):
        getattr(stages, step)(ws, Settings())
    with duckdb.connect(str(ws.db), read_only=True) as con:
        pairs = {(*sorted(r[:2]), r[2]) for r in con.execute(
            "select ca.uscc, cb.uscc, e.reason from pair_evidence as e "
            "join stg_companies as ca on ca.company_id = e.company_a "
            "join stg_companies as cb on cb.company_id = e.company_b where e.attr_kind = 'person'").fetchall()}
        people = [r[0] for r in con.execute("select distinct attr_value from company_attributes "
                                            "where attr_kind = 'person' order by 1").fetchall()]
        lost = con.execute("select line, column_name, action from rejected_rows "
                           "where reason = 'excel_precision_lost' order by all").fetchall()
        usccs = [r[0] for r in con.execute("select uscc from stg_companies order by 1").fetchall()]
    return pairs, people, lost, usccs


def test_an_identifier_excel_broke_is_never_a_link_key(tmp_path):
    a, b, c, d = (uscc for uscc, _ in COMPANIES)
    # control: read as the digits they show, the broken cells make one person of A's and B's representatives,
    # one agent of C's and D's, and one company of the two numeric USCCs
    _link_extracts(tmp_path / "digits", broken="digits")
    pairs, people, lost, usccs = _evidence(tmp_path / "digits")
    assert (a, b, "SAME_REP") in pairs and (c, d, "SAME_AGENT") in pairs
    assert lost == [] and "913301060000000000" in usccs
    # as the exports hold them: nulled, in rejected_rows, and linking nobody
    _link_extracts(tmp_path / "excel", broken="excel")
    pairs, people, lost, usccs = _evidence(tmp_path / "excel")
    assert lost == [(2, "legal_rep_id", "nulled"), (3, "legal_rep_id", "nulled"), (4, "agent_id", "nulled"),
                    (5, "agent_id", "nulled"), (6, "uscc", "rejected"), (7, "uscc", "rejected")]
    assert not [pair for pair in pairs if {a, b} <= set(pair) or {c, d} <= set(pair)]
    assert not [value for value in people if value.startswith("330106199001011") or "E+" in value
                or value.startswith("622202")]
    assert not [uscc for uscc in usccs if uscc.startswith("9133010600000000")]
    assert {a, b, c, d} <= set(usccs)  # the companies themselves are all there
