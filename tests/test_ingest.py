"""Loader behaviour on well-formed and broken extracts: encodings, headers, typed cells, rejected rows."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shellring.flows.core.masking import mask_text
from shellring.flows.pipeline.ingest import ExtractError, LoadReport, load_extracts

REG_HEADER = ["统一社会信用代码", "企业名称", "法定代表人", "法定代表人证件号码", "住所", "联系电话", "成立日期",
              "注册资本（万元）", "经营范围", "登记机关", "登记状态"]
GOOD_ROW = ["91110000600037341L", "北京某某科技有限公司", "张三", "11010519491231002X", "北京市朝阳区建国路1号",
            "13800138000", "2024-03-05", "100", "技术开发", "朝阳分局", "存续"]
ACC_HEADER = ["账号", "开户行", "开户日期", "统一社会信用代码", "户名", "经办人", "经办人身份证号", "经办人电话"]
ACC_ROW = ["6222021234567891234", "工行朝阳支行", "2024-04-01", "91110000600037341L", "北京某某科技有限公司", "李四",
           "11010519491231002X", "13900139000"]


def csv_text(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    def quote(value: str) -> str:
        if any(ch in value for ch in (sep, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(sep.join(quote(v) for v in row) + "\n" for row in [header, *rows])


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load(tmp_path: Path, paths, kind="registrations", mapping=None) -> tuple[duckdb.DuckDBPyConnection, LoadReport]:
    con = duckdb.connect()
    report = load_extracts(con, [Path(p) for p in paths], kind, run_id="t", workdir=tmp_path / "work", mapping=mapping)
    return con, report


def rejects(con) -> list[tuple]:
    return con.execute("SELECT line, column_name, reason, action, raw_row FROM rejected_rows ORDER BY line").fetchall()


def assert_accounted(report: LoadReport) -> None:
    assert report.rows_loaded + report.rows_rejected == report.rows_read


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
])
def test_encodings_are_detected_and_text_survives(tmp_path, encoding, expected):
    name = "北京㐀某科技有限公司" if encoding != "gbk" else "北京喆某科技有限公司"
    if encoding == "gb18030":
        name = "北京𠀀㐀科技有限公司"  # outside GBK: only GB18030 can carry these
    rows = [[*GOOD_ROW[:1], name, *GOOD_ROW[2:]]] + [GOOD_ROW] * 30
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows), encoding)
    con, report = load(tmp_path, [path])
    assert report.encodings[str(path)] == expected
    names = [r[0] for r in con.execute("SELECT company_name FROM src_registrations ORDER BY src_row").fetchall()]
    assert names[0] == name and names[1] == GOOD_ROW[1]
    assert report.rows_loaded == 31


@pytest.mark.parametrize("payload", [
    pytest.param(lambda: random.Random(7).randbytes(4000), id="random-bytes"),
    pytest.param(lambda: csv_text(REG_HEADER, [GOOD_ROW] * 5).encode("utf-16-le"), id="utf16-no-bom"),
    pytest.param(lambda: csv_text(["統一社會信用代碼", "企業名稱", "成立日期", "住所"],
                                  [["91110000600037341L", "臺北貿易股份有限公司", "2024-03-05",
                                    "臺北市信義區忠孝東路"]] * 20)
                 .encode("big5"), id="big5"),
])
def test_undetectable_encoding_is_an_error_naming_the_file(tmp_path, payload):
    path = tmp_path / "odd.csv"
    path.write_bytes(payload())
    with pytest.raises(ExtractError, match=r"cannot detect the encoding of .*odd\.csv"):
        load(tmp_path, [path])


def test_gbk_is_checked_and_transcoded_in_one_pass_and_utf8_is_read_in_place(tmp_path, monkeypatch):
    import shellring.flows.pipeline.ingest

    decoded = []
    real_decode = shellring.flows.pipeline.ingest._decode_stream

    def counting_decode(path, encoding, sink):
        decoded.append((path.name, encoding))
        return real_decode(path, encoding, sink)

    monkeypatch.setattr(shellring.flows.pipeline.ingest, "_decode_stream", counting_decode)
    gbk = write(tmp_path, "gbk.csv", csv_text(REG_HEADER, [GOOD_ROW]), "gbk")
    utf8 = write(tmp_path, "utf8.csv", csv_text(REG_HEADER, [GOOD_ROW]))
    con, report = load(tmp_path, [gbk, utf8])
    assert decoded == [("gbk.csv", "utf-8"), ("gbk.csv", "gb18030"), ("utf8.csv", "utf-8")]
    assert [p.name.split(".")[0] for p in (tmp_path / "work").iterdir()] == ["gbk"]
    assert report.rows_loaded == 2


def test_gbk_with_a_bad_byte_after_the_first_chunk_is_an_error_and_leaves_no_copy(tmp_path, monkeypatch):
    monkeypatch.setattr("shellring.flows.pipeline.ingest.CHUNK_BYTES", 64)
    good = csv_text(REG_HEADER, [GOOD_ROW] * 5).encode("gbk")
    path = tmp_path / "reg.csv"
    path.write_bytes(good + b"\x81\x20\n")
    with pytest.raises(ExtractError, match=rf"cannot detect the encoding of .*reg\.csv: not UTF-8 "
                                           rf"\(invalid continuation byte at byte 4\) and not GBK/GB18030 "
                                           rf"\(illegal multibyte sequence at byte {len(good)}\)$"):
        load(tmp_path, [path])
    assert list((tmp_path / "work").iterdir()) == []


# ---------------------------------------------------------------- headers


def test_missing_required_columns_are_listed_with_headers_found(tmp_path):
    path = write(tmp_path, "reg.csv", csv_text(["企业名称", "住所"], [["甲公司", "北京"]]))
    with pytest.raises(ExtractError) as info:
        load(tmp_path, [path])
    message = str(info.value)
    assert "reg.csv" in message and "'uscc'" in message and "'reg_date'" in message
    assert "'company_name'" not in message.split("headers found")[0]
    assert "住所" in message and "mapping" in message


def test_unknown_headers_mapped_with_toml(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[registrations]\n"企业注册号码" = "uscc"\n"核准日期" = "reg_date"\n'
                       '[accounts]\n"客户账号" = "account_no"\n', encoding="utf-8")
    header = ["企业注册号码", "企业名称", "核准日期"]
    path = write(tmp_path, "reg.csv", csv_text(header, [["91110000600037341L", "甲公司", "2024-03-05"]]))
    con, report = load(tmp_path, [path], mapping=mapping)
    assert con.execute("SELECT uscc, reg_date FROM src_registrations").fetchall() == [
        ("91110000600037341L", dt.date(2024, 3, 5))]
    assert "legal_rep_id" in report.missing_optional and report.extra_columns == []


def test_mapping_to_unknown_column_is_an_error(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[registrations]\n"x" = "not_a_column"\n', encoding="utf-8")
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [GOOD_ROW]))
    with pytest.raises(ExtractError, match="not_a_column"):
        load(tmp_path, [path], mapping=mapping)


def test_duplicate_headers_name_both_columns(tmp_path):
    header = ["统一社会信用代码", "企业名称", "公司名称", "成立日期"]
    path = write(tmp_path, "reg.csv", csv_text(header, [["91110000600037341L", "甲", "乙", "2024-03-05"]]))
    with pytest.raises(ExtractError, match=r"reg\.csv: duplicate headers: column 2 '企业名称' and column 3 '公司名称'"):
        load(tmp_path, [path])


def test_header_aliases_match_after_nfkc_spaces_and_case(tmp_path):
    header = ["\ufeffＵＳＣＣ", " 企业 名称 ", "Reg_Date", "注册资本(万元)"]
    path = write(tmp_path, "reg.csv", csv_text(header, [["91110000600037341L", "甲公司", "2024-03-05", "5"]]))
    con, _ = load(tmp_path, [path])
    assert con.execute("SELECT uscc, company_name, reg_capital FROM src_registrations").fetchall() == [
        ("91110000600037341L", "甲公司", 5.0)]


def test_extra_columns_are_kept_as_json(tmp_path):
    header = [*REG_HEADER, "备注", "行业代码"]
    path = write(tmp_path, "reg.csv", csv_text(header, [[*GOOD_ROW, "重点关注", "0651"], [*GOOD_ROW, "", "I65"]]))
    con, report = load(tmp_path, [path])
    extras = [json.loads(r[0]) for r in con.execute("SELECT extra FROM src_registrations ORDER BY src_row").fetchall()]
    assert extras == [{"备注": "重点关注", "行业代码": "0651"}, {"备注": None, "行业代码": "I65"}]
    assert report.extra_columns == ["备注", "行业代码"]


# ---------------------------------------------------------------- values


def test_unparseable_date_rejects_and_unparseable_capital_nulls(tmp_path):
    rows = [GOOD_ROW,
            [*GOOD_ROW[:6], "2024-13-45", *GOOD_ROW[7:]],
            [*GOOD_ROW[:7], "一百万", *GOOD_ROW[8:]]]
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))
    con, report = load(tmp_path, [path])
    assert [(r[0], r[1], r[2], r[3]) for r in rejects(con)] == [
        (3, "reg_date", "unparseable date", "rejected"),
        (4, "reg_capital", "unparseable amount (expected e.g. 100, 1,000.5, 100万元, 1000000元)", "nulled")]
    assert con.execute("SELECT src_row, reg_capital FROM src_registrations ORDER BY src_row").fetchall() == [
        (2, 100.0), (4, None)]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.values_nulled) == (3, 2, 1, 1)


def test_empty_uscc_rejects_the_row_with_masked_raw_text(tmp_path):
    rows = [GOOD_ROW, ["  ", *GOOD_ROW[1:]]]
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))
    con, report = load(tmp_path, [path])
    [(line, column, reason, action, raw)] = rejects(con)
    assert (line, column, reason, action) == (3, "uscc", "empty required value", "rejected")
    assert "110105********002X" in raw and "138****8000" in raw
    assert "11010519491231002X" not in raw and "13800138000" not in raw
    assert report.rejects_by_reason == {"empty required value": 1}


@pytest.mark.parametrize("text, expected", [
    ("2024-03-05", dt.date(2024, 3, 5)), ("2024/3/5", dt.date(2024, 3, 5)), ("2024.3.5", dt.date(2024, 3, 5)),
    ("20240305", dt.date(2024, 3, 5)), ("2024年3月5日", dt.date(2024, 3, 5)),
    ("2024-03-05 10:20:30", dt.date(2024, 3, 5)), ("2024/03/05 10:20", dt.date(2024, 3, 5)),
    ("45356", dt.date(2024, 3, 5)), ("45356.75", dt.date(2024, 3, 5)),
])
def test_date_formats(tmp_path, text, expected):
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [[*GOOD_ROW[:6], text, *GOOD_ROW[7:]]]))
    con, _ = load(tmp_path, [path])
    assert con.execute("SELECT reg_date FROM src_registrations").fetchone()[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("100", 100.0), ("100.00", 100.0), ("1,000", 1000.0), ("100万", 100.0), ("100万元", 100.0),
    ("100万人民币", 100.0), ("1000000元", 100.0), ("50,000元", 5.0), ("", None),
])
def test_capital_formats_in_ten_thousand_yuan(tmp_path, text, expected):
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [[*GOOD_ROW[:7], text, *GOOD_ROW[8:]]]))
    con, report = load(tmp_path, [path])
    assert con.execute("SELECT reg_capital FROM src_registrations").fetchone()[0] == expected
    assert report.values_nulled == 0


def test_ragged_rows_are_rejected_and_others_kept(tmp_path):
    text = csv_text(REG_HEADER, [GOOD_ROW]) + ",".join(GOOD_ROW[:5]) + "\n" + ",".join([*GOOD_ROW, "x"]) + "\n"
    text += ",".join(GOOD_ROW) + "\n"
    path = write(tmp_path, "reg.csv", text)
    con, report = load(tmp_path, [path])
    got = [(r[0], r[2]) for r in rejects(con)]
    assert got == [(3, "ragged row: fewer than 11 fields"), (4, "ragged row: more than 11 fields")]
    assert [r[0] for r in con.execute("SELECT src_row FROM src_registrations ORDER BY 1").fetchall()] == [2, 5]
    assert_accounted(report)


def test_embedded_newlines_and_quotes_survive(tmp_path):
    address = '北京市朝阳区\n"建国路"1号, 2层'
    rows = [[*GOOD_ROW[:4], address, *GOOD_ROW[5:]], GOOD_ROW]
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))
    con, report = load(tmp_path, [path])
    got = con.execute("SELECT reg_address, src_row FROM src_registrations ORDER BY src_row").fetchall()
    # newlines inside a value become a space; src_row is the record number + 1
    assert got == [('北京市朝阳区 "建国路"1号, 2层', 2), (GOOD_ROW[4], 3)]
    assert report.rows_rejected == 0


def test_one_megabyte_cell_loads_and_its_reject_text_is_truncated(tmp_path):
    scope = "经营范围" * 262_144  # 1 MiB of characters
    rows = [[*GOOD_ROW[:8], scope, *GOOD_ROW[9:]], ["", *GOOD_ROW[1:8], scope, *GOOD_ROW[9:]]]
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))
    con, report = load(tmp_path, [path])
    assert con.execute("SELECT length(business_scope) FROM src_registrations").fetchone()[0] == len(scope)
    [(_, _, _, _, raw)] = rejects(con)
    assert len(raw) < 2100 and raw.endswith("more chars]")
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)


def test_control_characters_removed_and_whitespace_stripped(tmp_path):
    rows = [[f" {GOOD_ROW[0]}\u3000", "甲\x00公\x07司\x1b", *GOOD_ROW[2:4], "北京\t朝阳", *GOOD_ROW[5:]]]
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))
    con, _ = load(tmp_path, [path])
    assert con.execute("SELECT uscc, company_name, reg_address FROM src_registrations").fetchone() == (
        GOOD_ROW[0], "甲公司", "北京 朝阳")


def test_cleaning_of_control_characters_and_edge_spaces_anywhere_in_a_value(tmp_path):
    cases = [  # (raw, loaded)
        ("甲\x85乙\x9f", "甲乙"), ("甲\r\n\t乙", "甲 乙"), ("\x01 甲 \x7f", "甲"), ("甲\t\x01\t乙", "甲  乙"),
        ("\u3000\ufeff甲\u00a0", "甲"), ("甲 \u3000\u00a0\ufeff 乙", "甲 \u3000\u00a0\ufeff 乙"), (" 甲", "甲"),
        ("一", "一"), ("\u4e80\u200b", "\u4e80\u200b"), (" \t\u3000\r\n ", None), ("\ufeff", None), ("\x00", None),
    ]
    rows = [[*GOOD_ROW[:9], raw, *GOOD_ROW[10:]] for raw, _ in cases]
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))
    con, report = load(tmp_path, [path])
    got = [r[0] for r in con.execute("SELECT reg_authority FROM src_registrations ORDER BY src_row").fetchall()]
    assert got == [loaded for _, loaded in cases]
    assert report.rows_loaded == len(cases)


def test_ids_phones_and_accounts_stay_text(tmp_path):
    rows = [["6222021234567891234", "行", "2024-04-01", "01110000600037341X", "甲", "李四", "01010519491231002x",
             "01012345678"]]
    path = write(tmp_path, "acc.csv", csv_text(ACC_HEADER, rows))
    con, report = load(tmp_path, [path], kind="accounts")
    assert con.execute("SELECT account_no, uscc, agent_id, agent_phone FROM src_accounts").fetchone() == (
        "6222021234567891234", "01110000600037341X", "01010519491231002x", "01012345678")
    assert "contact_phone" in report.missing_optional


def test_exact_duplicate_account_rows_are_rejected_across_files(tmp_path):
    first = write(tmp_path, "a1.csv", csv_text(ACC_HEADER, [ACC_ROW, ACC_ROW,
                                                            [*ACC_ROW[:2], "2024-04-02", *ACC_ROW[3:]]]))
    second = write(tmp_path, "a2.csv", csv_text(ACC_HEADER, [ACC_ROW]))
    con, report = load(tmp_path, [first, second], kind="accounts")
    got = con.execute("SELECT file, line, reason FROM rejected_rows ORDER BY file, line").fetchall()
    assert got == [(str(first), 3, "exact duplicate account row of line 2"),
                   (str(second), 2, f"exact duplicate account row of {first} line 2")]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 2, 2)
    raws = [r[0] for r in con.execute("SELECT raw_row FROM rejected_rows").fetchall()]
    assert all("6222****1234" in raw and "6222021234567891234" not in raw for raw in raws)


def test_duplicate_account_rows_match_empty_cells_and_extra_columns_exactly(tmp_path):
    with_empty = [*ACC_ROW[:5], "", *ACC_ROW[6:]]
    rows = [[*ACC_ROW, ""], [*ACC_ROW, ""], [*ACC_ROW, "备注"],
            [*with_empty, ""], [*with_empty, ""], [*with_empty, "备注"]]
    path = write(tmp_path, "acc.csv", csv_text([*ACC_HEADER, "备注"], rows))
    con, report = load(tmp_path, [path], kind="accounts")
    assert con.execute("SELECT line, reason FROM rejected_rows ORDER BY line").fetchall() == [
        (3, "exact duplicate account row of line 2"), (6, "exact duplicate account row of line 5")]
    assert (report.rows_loaded, report.rows_rejected) == (4, 2)


def test_multiple_files_are_concatenated_with_their_source(tmp_path):
    a = write(tmp_path, "a.csv", csv_text(REG_HEADER, [GOOD_ROW]), "gbk")
    b = write(tmp_path, "b.csv", csv_text(REG_HEADER[:7], [GOOD_ROW[:7]] * 2))
    con, report = load(tmp_path, [a, b])
    assert con.execute("SELECT src_file, count(*) FROM src_registrations GROUP BY 1 ORDER BY 1").fetchall() == [
        (str(a), 1), (str(b), 2)]
    assert report.encodings == {str(a): "gb18030", str(b): "utf-8"}
    assert report.missing_optional == ["reg_capital", "business_scope", "reg_authority", "status"]


# ---------------------------------------------------------------- typed files


def test_excel_with_typed_and_wrongly_typed_cells(tmp_path):
    path = tmp_path / "reg.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["统一社会信用代码", "企业名称", "联系电话", "成立日期", "注册资本", "法定代表人证件号码"])
    sheet.write_row(1, 0, ["91110000600037341L", "甲公司", 13812345678.0, 45356, 100, 110105194912310020])
    sheet.write_row(2, 0, ["91110000600037341M", "乙公司", 1.3812345678e10, "2024/3/5", "100万"])
    sheet.write_datetime(3, 3, dt.datetime(2024, 3, 5), date_format)
    sheet.write_row(3, 0, ["91110000600037341N", "丙公司", True])
    sheet.write_row(5, 0, ["", "丁公司", None, "2024-03-05"])
    book.close()
    con, report = load(tmp_path, [path])
    got = con.execute("SELECT src_row, uscc, phone, reg_date, reg_capital, legal_rep_id FROM src_registrations "
                      "ORDER BY 1").fetchall()
    assert got == [(2, "91110000600037341L", "13812345678", dt.date(2024, 3, 5), 100.0, None),
                   (3, "91110000600037341M", "13812345678", dt.date(2024, 3, 5), 100.0, None),
                   (4, "91110000600037341N", "true", dt.date(2024, 3, 5), None, None)]
    assert report.encodings[str(path)] == "xlsx"
    assert_accounted(report)
    assert report.rows_read == 4  # the blank sheet row 5 is not a record
    assert [(r[0], r[1], r[3]) for r in rejects(con)] == [(2, "legal_rep_id", "nulled"), (6, "uscc", "rejected")]


def test_parquet_with_wrong_types(tmp_path):
    path = tmp_path / "acc.parquet"
    pl.DataFrame({
        "账号": [6222021234567891234, 6222021234567891235, None],
        "开户日期": [dt.date(2024, 4, 1), dt.date(2024, 4, 2), dt.date(2024, 4, 3)],
        "统一社会信用代码": ["91110000600037341L", "01110000600037341X", "91110000600037341N"],
        "经办人电话": [1.3812345678e10, 2.5, 13800138000.0],
        "经办人身份证号": [1.10105194912310020e17, None, None],
    }).write_parquet(path)
    con, report = load(tmp_path, [path], kind="accounts")
    assert con.execute("SELECT src_row, account_no, open_date, uscc, agent_phone, agent_id FROM src_accounts "
                       "ORDER BY 1").fetchall() == [
        (1, "6222021234567891234", dt.date(2024, 4, 1), "91110000600037341L", "13812345678", None),
        (2, "6222021234567891235", dt.date(2024, 4, 2), "01110000600037341X", None, None)]
    got = [(r[0], r[1], r[3]) for r in rejects(con)]
    assert got == [(1, "agent_id", "nulled"), (2, "agent_phone", "nulled"), (3, "account_no", "rejected")]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.values_nulled) == (3, 2, 1, 2)


def test_mask_text_forms():
    assert mask_text("11010519491231002X") == "110105********002X"
    assert mask_text("13800138000") == "138****8000"
    assert mask_text("010-12345678") == "010-****5678"
    assert mask_text("6222021234567891234") == "6222****1234"
    assert mask_text("91110000600037341L") == "91110000600037341L"
    # landlines written with the country code, or with full-width brackets, as extracts carry them
    assert mask_text("+86-574-50670817") == "+86-574-****0817"
    assert mask_text("tel +86 (571) 8765-4321") == "tel +86 (571) ****4321"
    assert mask_text("0086 10 8765 4321") == "0086 10 ****4321"
    assert mask_text("（0571）87654321") == "（0571）****4321"
    assert mask_text("+86-138-1234-5678") == "+86-138****5678"


# ---------------------------------------------------------------- properties

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=13), max_size=8))
def test_random_rows_load_or_raise_extract_error(tmp_path, rows):
    text = csv_text(REG_HEADER, [[v.replace("\x00", "") for v in row] for row in rows])
    path = write(tmp_path, "rand.csv", text)
    try:
        _, report = load(tmp_path, [path])
    except ExtractError:
        return
    assert_accounted(report)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=300))
def test_random_bytes_load_or_raise_extract_error(tmp_path, payload):
    path = tmp_path / "bytes.csv"
    path.write_bytes(csv_text(REG_HEADER, []).encode("utf-8") + payload)
    try:
        _, report = load(tmp_path, [path])
    except ExtractError:
        return
    assert_accounted(report)
