"""Loader behaviour on well-formed and broken extracts: encodings, headers, typed cells, rejected rows."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shellring.flows.core.masking import mask_text
from shellring.flows.pipeline import ingest
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
    real_decode = shellring.flows.pipeline.ingest.decode_stream

    def counting_decode(path, encoding, sink):
        decoded.append((path.name, encoding))
        return real_decode(path, encoding, sink)

    monkeypatch.setattr(shellring.flows.pipeline.ingest, "decode_stream", counting_decode)
    gbk = write(tmp_path, "gbk.csv", csv_text(REG_HEADER, [GOOD_ROW]), "gbk")
    utf8 = write(tmp_path, "utf8.csv", csv_text(REG_HEADER, [GOOD_ROW]))
    con, report = load(tmp_path, [gbk, utf8])
    assert decoded == [("gbk.csv", "utf-8"), ("gbk.csv", "gb18030"), ("utf8.csv", "utf-8")]
    assert [p.name.split(".")[0] for p in (tmp_path / "work").iterdir()] == ["gbk"]
    assert report.rows_loaded == 2


def test_gbk_with_a_bad_byte_after_the_first_chunk_is_an_error_and_leaves_no_copy(tmp_path, monkeypatch):
    monkeypatch.setattr("shellring.flows.pipeline.transcode.CHUNK_BYTES", 64)
    good = csv_text(REG_HEADER, [GOOD_ROW] * 5).encode("gbk")
    path = tmp_path / "reg.csv"
    path.write_bytes(good + b"\x81\x20\n")
    with pytest.raises(ExtractError, match=rf"cannot detect the encoding of .*reg\.csv: not UTF-8 "
                                           rf"\(invalid continuation byte at byte 4\) and not GBK/GB18030 "
                                           rf"\(illegal multibyte sequence at byte {len(good)}\)$"):
        load(tmp_path, [path])
    assert list((tmp_path / "work").iterdir()) == []


def _gbk_rows(n: int) -> list[list[str]]:
    return [[GOOD_ROW[0][:-3] + f"{i:03d}", *GOOD_ROW[1:]] for i in range(n)]


def test_a_large_gbk_file_is_decoded_in_two_halves_into_the_same_utf8(tmp_path, monkeypatch):
    text = csv_text(REG_HEADER, _gbk_rows(300))
    path = tmp_path / "reg.csv"
    path.write_bytes(text.encode("gbk"))
    monkeypatch.setattr("shellring.flows.pipeline.ingest.PARALLEL_TRANSCODE_BYTES", 1)
    monkeypatch.setattr("shellring.flows.pipeline.transcode.CHUNK_BYTES", 1000)
    import subprocess

    started = []
    real_popen = subprocess.Popen

    def counting_popen(args, **kwargs):
        started.append(args)
        return real_popen(args, **kwargs)

    monkeypatch.setattr("shellring.flows.pipeline.ingest.subprocess.Popen", counting_popen)
    con, report = load(tmp_path, [path])
    assert len(started) == 1 and "shellring.flows.pipeline.transcode" in started[0]
    (copy,) = (tmp_path / "work").iterdir()  # the halves' file was appended and removed
    assert copy.read_bytes() == text.encode("utf-8")
    assert report.rows_loaded == 300 and report.encodings[str(path)] == "gb18030"


@pytest.mark.parametrize("where", ["first half", "second half"])
def test_a_bad_byte_in_either_half_of_a_large_gbk_file_is_the_error_one_pass_gives(tmp_path, monkeypatch, where):
    good = csv_text(REG_HEADER, _gbk_rows(300)).encode("gbk")
    at = len(good) // 4 if where == "first half" else len(good) * 3 // 4
    at = good.index(b"\n", at) + 1  # a bad byte at the start of a line
    path = tmp_path / "reg.csv"
    path.write_bytes(good[:at] + b"\x81\x20" + good[at:])
    monkeypatch.setattr("shellring.flows.pipeline.transcode.CHUNK_BYTES", 1000)
    with pytest.raises(ExtractError) as one_pass:
        load(tmp_path, [path])
    monkeypatch.setattr("shellring.flows.pipeline.ingest.PARALLEL_TRANSCODE_BYTES", 1)
    with pytest.raises(ExtractError) as halves:
        load(tmp_path, [path])
    assert str(halves.value) == str(one_pass.value)
    assert str(halves.value).endswith(f"(illegal multibyte sequence at byte {at})")
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
            [*GOOD_ROW[:7], "待定", *GOOD_ROW[8:]]]  # "to be decided" (一百万 is read: 100)
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
    # typed in full-width mode: the same day
    ("２０２４－０３－０５", dt.date(2024, 3, 5)), ("２０２４年３月５日", dt.date(2024, 3, 5)),
    ("２０２４／３／５　１０：２０", dt.date(2024, 3, 5)), ("２０２４．０３．０５", dt.date(2024, 3, 5)),
    # the day with what a system or a clerk writes after it
    ("2024-03-05T10:20:30+08:00", dt.date(2024, 3, 5)), ("2024-03-05T10:20:30.000Z", dt.date(2024, 3, 5)),
    ("2024年03月05日10时20分30秒", dt.date(2024, 3, 5)), ("2024年3月5号", dt.date(2024, 3, 5)),
    ("2024 年 3 月 5 日", dt.date(2024, 3, 5)), ("2024/3/5 星期二", dt.date(2024, 3, 5)),
    ("2024.3.5 10:20", dt.date(2024, 3, 5)), ("20240305 102030", dt.date(2024, 3, 5)),
])
def test_date_formats(tmp_path, text, expected):
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [[*GOOD_ROW[:6], text, *GOOD_ROW[7:]]]))
    con, _ = load(tmp_path, [path])
    assert con.execute("SELECT reg_date FROM src_registrations").fetchone()[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("100", 100.0), ("100.00", 100.0), ("1,000", 1000.0), ("100万", 100.0), ("100万元", 100.0),
    ("100万人民币", 100.0), ("1000000元", 100.0), ("50,000元", 5.0), ("", None),
    # typed in full-width mode: the same amount
    ("１００万元", 100.0), ("１００．５万", 100.5), ("１，０００，０００元", 100.0), ("人民币１００万元", 100.0),
    # as licences, forms and bank systems write the same amount
    ("100万元整", 100.0), ("RMB100万", 100.0), ("¥100万元", 100.0), ("100（万元）", 100.0), ("1.5亿元", 15000.0),
    # in capital numerals (大写), as licences, bank forms and cheques write amounts, and in common numerals
    ("壹佰万元整", 100.0), ("伍拾万元", 50.0), ("人民币贰佰万元", 200.0), ("叁拾万零伍仟元", 30.5),
    ("壹亿伍仟万元", 15000.0), ("伍佰万圆整", 500.0), ("拾万元", 10.0), ("一百万元", 100.0), ("壹佰", 100.0),
    ("壹仟贰佰亿元", 12000000.0),
])
def test_capital_formats_in_ten_thousand_yuan(tmp_path, text, expected):
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [[*GOOD_ROW[:7], text, *GOOD_ROW[8:]]]))
    con, report = load(tmp_path, [path])
    assert con.execute("SELECT reg_capital FROM src_registrations").fetchone()[0] == expected
    assert report.values_nulled == 0


@pytest.mark.parametrize("text", ["2024-13-45", "2024-02-30 10:00", "20241305", "2024-03", "2024-03-05x"])
def test_a_text_that_is_no_day_stays_unparseable(tmp_path, text):
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [[*GOOD_ROW[:6], text, *GOOD_ROW[7:]]]))
    con, report = load(tmp_path, [path])
    assert report.rows_rejected == 1 and [r[2] for r in rejects(con)] == ["unparseable date"]


@pytest.mark.parametrize("text", ["100万美元", "壹佰万美元", "壹壹壹"])
def test_a_capital_in_another_currency_is_not_read_as_yuan(tmp_path, text):
    path = write(tmp_path, "reg.csv", csv_text(REG_HEADER, [[*GOOD_ROW[:7], text, *GOOD_ROW[8:]]]))
    con, report = load(tmp_path, [path])
    assert con.execute("SELECT reg_capital FROM src_registrations").fetchone()[0] is None
    assert report.values_nulled == 1


def test_ragged_rows_are_rejected_and_others_kept(tmp_path):
    text = csv_text(REG_HEADER, [GOOD_ROW]) + ",".join(GOOD_ROW[:5]) + "\n" + ",".join([*GOOD_ROW, "x"]) + "\n"
    text += ",".join(GOOD_ROW) + "\n"
    path = write(tmp_path, "reg.csv", text)
    con, report = load(tmp_path, [path])
    got = [(r[0], r[2]) for r in rejects(con)]
    assert got == [(3, "ragged row: fewer than 11 fields"), (4, "ragged row: more than 11 fields")]
    assert [r[0] for r in con.execute("SELECT src_row FROM src_registrations ORDER BY 1").fetchall()] == [2, 5]
    assert_accounted(report)


def test_a_stray_field_before_an_empty_last_one_is_ragged_not_shifted(tmp_path):
    # DuckDB drops empty fields at a line's end: `..., stray, last,` under the header loaded shifted
    empty_last = [*GOOD_ROW[:-1], ""]
    stray = [*GOOD_ROW[:3], "stray", *GOOD_ROW[3:-1], ""]
    two_stray = [*GOOD_ROW[:3], "stray", "stray", *GOOD_ROW[3:-1], "", ""]
    rejected, loaded = _registrations_csv(tmp_path, [GOOD_ROW, empty_last, stray, two_stray, GOOD_ROW])
    assert rejected == [(4, "ragged row: more than 11 fields"), (5, "ragged row: more than 11 fields")]
    assert loaded == [2, 3, 6]


def test_a_stray_field_is_found_after_a_value_spanning_lines(tmp_path):
    spanning = [*GOOD_ROW[:4], '北京市\n朝阳区\n"建国路"1号, 2层', *GOOD_ROW[5:]]  # the middle line holds no quote
    stray = [*GOOD_ROW[:4], '"a, b"', "stray", *GOOD_ROW[5:-1], ""]
    rejected, loaded = _registrations_csv(tmp_path, [spanning, stray, GOOD_ROW, spanning, stray])
    assert rejected == [(3, "ragged row: more than 11 fields"), (6, "ragged row: more than 11 fields")]
    assert loaded == [2, 4, 5]


def _registrations_csv(tmp_path, rows: list[list[str]]) -> tuple[list[tuple], list[int]]:
    """(line and reason of each rejected row, lines loaded) of a registrations CSV of these rows; every row is
    accounted for."""
    con, report = load(tmp_path, [write(tmp_path, "reg.csv", csv_text(REG_HEADER, rows))])
    assert_accounted(report)
    loaded = con.execute("SELECT src_row FROM src_registrations ORDER BY 1").fetchall()
    return [(r[0], r[2]) for r in rejects(con)], [r[0] for r in loaded]


def test_lines_that_all_end_with_the_delimiter_load(tmp_path):
    # some export tools end every line with the delimiter: one empty field more than the header, on most lines
    lines = [",".join(REG_HEADER)] + [",".join(GOOD_ROW) + "," for _ in range(3)]
    lines.append(",".join([*GOOD_ROW[:3], "stray", *GOOD_ROW[3:-1], ""]) + ",")
    con, report = load(tmp_path, [write(tmp_path, "reg.csv", "\n".join(lines) + "\n")])
    assert [(r[0], r[2]) for r in rejects(con)] == [(5, "ragged row: more than 11 fields")]
    assert report.rows_loaded == 3
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
    assert report.rows_read == 4  # the blank sheet row 5 is not a record: it is recorded as a spacer
    assert [(r[0], r[1], r[2], r[3]) for r in rejects(con)] == [
        (2, "legal_rep_id", "excel_precision_lost", "nulled"), (5, None, "blank_row", "skipped"),
        (6, "uscc", "empty required value", "rejected")]
    assert report.rows_skipped == 1


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


# ---------------------------------------------------------------- extracts as banks and registries export them

ACC_TITLE = "XX银行杭州分行 对公账户开户明细表（2023年1月—2024年12月）"


def sheet_rows(con, kind="accounts") -> list[tuple]:
    return con.execute(f"SELECT src_sheet, src_row, uscc FROM src_{kind} ORDER BY src_sheet, src_row").fetchall()


def skipped(con) -> list[tuple]:
    return con.execute("SELECT sheet, line, reason FROM rejected_rows WHERE action = 'skipped' "
                       "ORDER BY sheet, line").fetchall()


def branch_sheet(book, name: str, rows: list[list], title: str = ACC_TITLE, subtotal: bool = True) -> int:
    """A branch's sheet as core systems print it: merged title, unit line, header on row 3, data from row 4,
    a spacer, the branch subtotal, the total and the signature line. Returns the last row written (1-based)."""
    sheet = book.add_worksheet(name)
    sheet.merge_range(0, 0, 0, len(ACC_HEADER) - 1, title, book.add_format({"bold": True, "align": "center"}))
    sheet.write(1, 0, "单位：户")
    sheet.write_row(2, 0, ACC_HEADER)
    for i, row in enumerate(rows):
        sheet.write_row(3 + i, 0, row)
    at = 3 + len(rows) + 1  # one spacer row
    if subtotal:
        sheet.write_row(at, 0, [f"{name}小计", "", "", f"{len(rows)}户"])
        at += 1
    sheet.write(at, 0, f"合计：{len(rows)}户")
    sheet.write(at + 2, 0, "制表人：王五        审核：赵六")
    sheet.write(at + 2, 6, "（盖章）")
    return at + 3


def acc_row(i: int, **changes) -> list:
    row = dict(zip(ACC_HEADER, [f"62220212345678{i:05d}", "工行朝阳支行", "2024-04-01", f"9111000060003{i:04d}L",
                                f"北京{i}号科技有限公司", "李四", "11010519491231002X", "13900139000"]))
    row.update(changes)
    return list(row.values())


def test_header_under_a_merged_title_and_the_rows_under_the_data_are_skipped_with_their_reasons(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    branch_sheet(book, "明细", [acc_row(1), acc_row(2), acc_row(3)])
    book.close()
    con, report = load(tmp_path, [path], kind="accounts")
    assert sheet_rows(con) == [("明细", 4, "91110000600030001L"), ("明细", 5, "91110000600030002L"),
                               ("明细", 6, "91110000600030003L")]
    assert skipped(con) == [("明细", 1, "title_row"), ("明细", 2, "title_row"), ("明细", 7, "blank_row"),
                            ("明细", 8, "subtotal_row"), ("明细", 9, "total_row"), ("明细", 10, "blank_row"),
                            ("明细", 11, "signature_row")]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_skipped) == (3, 3, 0, 7)
    assert report.rejects_by_reason == {}
    assert report.skipped_by_reason == {"blank_row": 2, "signature_row": 1, "subtotal_row": 1, "title_row": 2,
                                        "total_row": 1}
    assert report.notes == ["acc.xlsx sheet '明细': header on row 3 (2 title row(s) above it skipped)"]
    raw = con.execute("SELECT raw_row FROM rejected_rows WHERE reason = 'title_row' ORDER BY line").fetchall()
    assert raw == [(ACC_TITLE,), ("单位：户",)]


def test_cover_sheet_skipped_and_every_branch_sheet_read_with_its_rows(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    cover = book.add_worksheet("填表说明")
    cover.write_column(0, 0, ["填表说明", "1. 账号、证件号码请设置为文本格式", "字段", "账号", "开户日期",
                              "统一社会信用代码"])
    branch_sheet(book, "杭州", [acc_row(1), acc_row(2)])
    branch_sheet(book, "宁波", [acc_row(3)], subtotal=False)
    summary = book.add_worksheet("汇总")  # a pivot: a header, but not of records
    summary.write_row(0, 0, ["开户网点", "开户日期", "户数"])
    summary.write_row(1, 0, ["工行朝阳支行", "2024-04", 3])
    hidden = book.add_worksheet("原始数据")
    hidden.write_row(0, 0, ACC_HEADER)
    hidden.write_row(1, 0, acc_row(9))
    hidden.hide()
    book.close()
    con, report = load(tmp_path, [path], kind="accounts")
    assert sheet_rows(con) == [("宁波", 4, "91110000600030003L"), ("杭州", 4, "91110000600030001L"),
                               ("杭州", 5, "91110000600030002L")]
    assert [(lay["sheet"], lay["status"]) for lay in report.layout] == [
        ("填表说明", "skipped"), ("杭州", "read"), ("宁波", "read"), ("汇总", "skipped"), ("原始数据", "skipped")]
    assert report.notes == [
        "acc.xlsx sheet '填表说明': skipped, no header: none of its first 30 rows names 2 or more known columns",
        "acc.xlsx sheet '杭州': header on row 3 (2 title row(s) above it skipped)",
        "acc.xlsx sheet '宁波': header on row 3 (2 title row(s) above it skipped)",
        "acc.xlsx sheet '汇总': skipped, its header (row 1) lacks required column(s) ['account_no', 'uscc']",
        "acc.xlsx sheet '原始数据': skipped, hidden sheet (unhide it in Excel to load it)",
    ]
    assert ("宁波", 6, "total_row") in skipped(con) and ("杭州", 8, "total_row") in skipped(con)
    # rejected_rows names the sheet; the file stays the path given
    assert con.execute("SELECT DISTINCT file FROM rejected_rows").fetchall() == [(str(path),)]
    assert_accounted(report)


def test_exact_duplicate_account_rows_across_sheets_name_the_first_sheet(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    branch_sheet(book, "一月", [acc_row(1), acc_row(2)])
    branch_sheet(book, "二月", [acc_row(3), acc_row(1)])
    book.close()
    con, report = load(tmp_path, [path], kind="accounts")
    assert con.execute("SELECT sheet, line, reason FROM rejected_rows WHERE action = 'rejected'").fetchall() == [
        ("二月", 5, "exact duplicate account row of sheet 一月 line 4")]
    assert report.rejects_by_reason == {"exact duplicate account row": 1}
    assert (report.rows_read, report.rows_loaded) == (4, 3)


@pytest.mark.parametrize("top, sub, expected", [
    pytest.param(["账号", "开户日期", "统一社会信用代码", "法定代表人", "", "经办人", "", ""],
                 ["", "", "", "姓名", "证件号码", "姓名", "证件号码", "联系电话"],
                 {"legal_rep_name": 3, "legal_rep_id": 4, "agent_name": 5, "agent_id": 6, "agent_phone": 7},
                 id="person-over-name-and-id"),
    pytest.param(["基本信息", "", "", "经办人信息", "", ""],
                 ["账号", "开户日期", "统一社会信用代码", "姓名", "证件号码", "电话"],
                 {"account_no": 0, "open_date": 1, "uscc": 2, "agent_name": 3, "agent_id": 4, "agent_phone": 5},
                 id="group-titles-over-the-header"),
])
def test_two_row_merged_headers_are_joined(tmp_path, top, sub, expected):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("明细")
    sheet.write(0, 0, ACC_TITLE)
    for column, text in enumerate(top):  # merged cells: the text in the first cell, the others empty
        span = next((k for k in range(column + 1, len(top)) if top[k] or not sub[k]), len(top)) - 1
        if text and not sub[column]:
            sheet.merge_range(1, column, 2, column, text)
        elif text and span > column:
            sheet.merge_range(1, column, 1, span, text)
        elif text:
            sheet.write(1, column, text)
    sheet.write_row(2, 0, [s or None for s in sub])
    values = {"account_no": "6222021234567891234", "open_date": "2024-04-01", "uscc": "91110000600037341L",
              "legal_rep_name": "张三", "legal_rep_id": "11010519491231002X", "agent_name": "李四",
              "agent_id": "110105194912310038", "agent_phone": "13900139000"}
    canonical = {**{"account_no": 0, "open_date": 1, "uscc": 2}, **expected}
    row = [""] * len(top)
    for name, position in canonical.items():
        row[position] = values[name]
    sheet.write_row(3, 0, row)
    book.close()
    con, report = load(tmp_path, [path], kind="accounts")
    got = con.execute(f"SELECT {', '.join(canonical)} FROM src_accounts").fetchone()
    assert got[3:] == tuple(values[name] for name in list(canonical)[3:])
    assert report.notes == ["acc.xlsx sheet '明细': header on row 2-3 (1 title row(s) above it skipped)"]
    assert report.extra_columns == []


def test_numeric_identifier_cells_exact_or_lost_in_excel(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("明细")
    sheet.write_row(0, 0, ACC_HEADER)
    sheet.write_row(1, 0, acc_row(1, 账号=123456789012345, 经办人电话=13900139000))  # 15 digits: exact
    sheet.write_row(2, 0, acc_row(2, 账号=6222021234567891234))  # 19 digits: Excel kept 15
    sheet.write_row(3, 0, acc_row(3, 经办人身份证号=110105194912310038))  # 18 digits: optional, nulled
    sheet.write_row(4, 0, acc_row(4, 经办人身份证号="1.10105194912310E+17"))  # text of a broken number
    sheet.write_row(5, 0, acc_row(5, 经办人电话=1.5))  # no code at all
    sheet.write_row(6, 0, acc_row(6, 经办人身份证号="110105194912310038"))  # text: kept as is
    book.close()
    con, report = load(tmp_path, [path], kind="accounts")
    assert con.execute("SELECT src_row, account_no, agent_id, agent_phone FROM src_accounts ORDER BY 1").fetchall() == [
        (2, "123456789012345", "11010519491231002X", "13900139000"),
        (4, "62220212345678" + "00003", None, "13900139000"),
        (5, "62220212345678" + "00004", None, "13900139000"),
        (6, "62220212345678" + "00005", "11010519491231002X", None),
        (7, "62220212345678" + "00006", "110105194912310038", "13900139000")]
    assert [r[:4] for r in rejects(con)] == [
        (3, "account_no", "excel_precision_lost", "rejected"), (4, "agent_id", "excel_precision_lost", "nulled"),
        (5, "agent_id", "excel_precision_lost", "nulled"),
        (6, "agent_phone", "a number that is not an exact code (precision lost or not whole)", "nulled")]
    assert report.precision_lost == {"account_no": 1, "agent_id": 2}
    assert report.advice.startswith("3 identifier(s) of the accounts extract (1 in account_no, 2 in agent_id) were "
                                    "stored by Excel as numbers and lost their last digits")
    assert "as text" in report.advice
    raws = [r[4] for r in rejects(con)]
    assert raws[0].startswith("6.222****E+18,") and "3.301" not in raws[1] and "1.101****E+17" in raws[1]
    # Excel's 15 digits of an ID or account are personal data too: masked like the rest of the row
    assert not any(re.search(r"[0-9]\.[0-9]{4,}E", raw) or "1101051949123" in raw for raw in raws)


@pytest.mark.parametrize("separator, name", [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_csv_with_title_lines_and_other_separators(tmp_path, separator, name):
    rows = [acc_row(1), acc_row(2, 账号="6.22202123456789E+18"), [""] * len(ACC_HEADER), acc_row(3)]
    text = ("XX银行 对公账户开户明细表\n\n" + csv_text(ACC_HEADER, rows, separator) + "合计：3户\n"
            + separator.join(["制表人：王五", "", "审核：赵六"]) + "\n")
    path = write(tmp_path, "acc.csv", text, "gbk")
    con, report = load(tmp_path, [path], kind="accounts")
    assert [r[0] for r in con.execute("SELECT src_row FROM src_accounts ORDER BY 1").fetchall()] == [4, 7]
    assert [r[:4] for r in rejects(con)] == [
        (1, None, "title_row", "skipped"), (5, "account_no", "excel_precision_lost", "rejected"),
        (6, None, "blank_row", "skipped"), (8, None, "total_row", "skipped"), (9, None, "signature_row", "skipped")]
    expected = "acc.csv: header on line 3 (1 title row(s) above it skipped)"
    assert report.notes == [expected + ("" if name == "comma" else f", {name}-separated")]
    assert report.layout[0]["separator"] == name and report.encodings[str(path)] == "gb18030"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_skipped) == (3, 2, 1, 4)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_a_csv_whose_lines_end_in_both_crlf_and_lf_loads_every_record(tmp_path, encoding):
    """A title written with LF above an export whose records end in CRLF, and one LF line among CRLF ones: DuckDB
    skipped the title and then read no record at all (a whole accounts extract lost without a word), or stopped on
    the stray line. Every record loads, on its own line number."""
    rows = [acc_row(i) for i in range(1, 6)]
    records = csv_text(ACC_HEADER, rows, "\t").replace("\n", "\r\n")
    title_lf = "对公账户开户登记簿（某地区）\n" + records
    stray_lf = "对公账户开户登记簿（某地区）\r\n" + records.replace("\r\n", "\n", 3)
    for name, text in (("title.csv", title_lf), ("stray.csv", stray_lf)):
        path = write(tmp_path, name, text, encoding)
        con, report = load(tmp_path, [path], kind="accounts")
        loaded = con.execute("SELECT src_row, account_no FROM src_accounts ORDER BY src_row").fetchall()
        assert loaded == [(line, row[0]) for line, row in zip(range(3, 8), rows)], name
        assert [r[:3] for r in rejects(con)] == [(1, None, "title_row")], name
        assert (report.rows_read, report.rows_loaded) == (5, 5), name


def test_records_the_csv_reader_cannot_see_stop_the_run_instead_of_loading_an_empty_extract(tmp_path, monkeypatch):
    """Should DuckDB read nothing under a header that the sample shows records under (as it did for a title ending in
    LF above CRLF records), the file is an error naming it and the line, never an extract of no rows."""
    monkeypatch.setattr(ingest, "_uniform_line_ends", lambda path, workdir: path)
    records = csv_text(ACC_HEADER, [acc_row(1), acc_row(2)], "\t").replace("\n", "\r\n")
    path = write(tmp_path, "acc.csv", "对公账户开户登记簿\n" + records, "utf-8-sig")
    with pytest.raises(ExtractError, match=r"acc\.csv: lines under the header \(from line 3\) look like records"):
        load(tmp_path, [path], kind="accounts")


def test_csv_with_a_two_row_header_repeated_on_every_printed_page(tmp_path):
    top = ["账号", "开户日期", "统一社会信用代码", "法定代表人", "", "经办人", ""]
    sub = ["", "", "", "姓名", "证件号码", "姓名", "证件号码"]
    row = ["6222021234567891234", "2024-04-01", "91110000600037341L", "张三", "11010519491231002X", "李四",
           "110105194912310038"]
    page = csv_text(top, [sub, row, [*row[:2], "91110000600037341M", *row[3:]]])
    text = page + page.replace("91110000600037341", "91110000600037342") + "注：本表数据截至2024年12月31日\n"
    path = write(tmp_path, "acc.csv", text)
    con, report = load(tmp_path, [path], kind="accounts")
    assert con.execute("SELECT src_row, uscc, legal_rep_name, legal_rep_id, agent_name, agent_id FROM src_accounts "
                       "ORDER BY 1").fetchall() == [
        (line, f"9111000060003734{k}{x}", *row[3:]) for line, k, x in [(3, 1, "L"), (4, 1, "M"), (7, 2, "L"),
                                                                        (8, 2, "M")]]
    assert [r[:4] for r in rejects(con)] == [(5, None, "header_row", "skipped"), (6, None, "header_row", "skipped"),
                                             (9, None, "note_row", "skipped")]
    assert report.notes == ["acc.csv: header on line 1-2"]


def test_a_row_with_every_required_value_is_a_record_whatever_it_says(tmp_path):
    rows = [acc_row(1, 户名="合计贸易有限公司"), acc_row(2, 开户行="小计：2户"), acc_row(3, 经办人="制表人：王五"),
            acc_row(4, 户名="账号", 开户行="开户行"),
            acc_row(5, 统一社会信用代码="", 户名="合计科技有限公司")]  # lacks its USCC: a broken record
    path = write(tmp_path, "acc.csv", csv_text(ACC_HEADER, rows))
    con, report = load(tmp_path, [path], kind="accounts")
    assert [r[0] for r in con.execute("SELECT src_row FROM src_accounts ORDER BY 1").fetchall()] == [2, 3, 4, 5]
    assert [r[:4] for r in rejects(con)] == [(6, "uscc", "empty required value", "rejected")]
    assert report.rows_skipped == 0


@pytest.mark.parametrize("cells, reason", [
    (["", "", ""], "blank_row"), ([" ", "\u3000"], "blank_row"),
    (["合计：8774户"], "total_row"), (["合  计", "", "8774"], "total_row"), (["总计(户)"], "total_row"),
    (["本页合计"], "total_row"), (["Total", "3"], "total_row"), (["共计 35 户"], "total_row"),
    (["杭州分行小计"], "subtotal_row"), (["", "小计：35户"], "subtotal_row"), (["Subtotal"], "subtotal_row"),
    (["制表人：张三        审核：李四"], "signature_row"), (["", "", "审核人:"], "signature_row"),
    (["单位负责人：", "", "（盖章）"], "signature_row"), (["制表日期：2025-01-05"], "signature_row"),
    (["注：本表数据截至2024年12月31日"], "note_row"), (["说明：", "账号为对公结算账户"], "note_row"),
    (["第 1 页"], "note_row"),
    (["合计贸易有限公司"], None), (["杭州合计科技有限公司"], None), (["6222021234567891234"], None),
    (["张三"], None), (["2024-04-01"], None), (["审核通过"], None),
])
def test_row_markers(cells, reason):
    from shellring.flows.pipeline.layout import row_marker

    assert row_marker(cells) == reason


def test_no_sheet_with_the_required_columns_is_an_error_naming_file_sheet_and_row(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "填表说明")
    sheet = book.add_worksheet("明细")
    sheet.write(0, 0, ACC_TITLE)
    sheet.write_row(1, 0, ["客户账号", "开户日期", "统一社会信用代码", "户名"])
    sheet.write_row(2, 0, ["6222021234567891234", "2024-04-01", "91110000600037341L", "甲公司"])
    book.close()
    with pytest.raises(ExtractError) as info:
        load(tmp_path, [path], kind="accounts")
    message = str(info.value)
    assert message.startswith(f"{path} sheet '明细' (header on row 2): missing required column(s) ['account_no']")
    assert "客户账号" in message and '"<header in file>" = "account_no"' in message
    mapping = tmp_path / "map.toml"
    mapping.write_text('[accounts]\n"客户账号" = "account_no"\n', encoding="utf-8")
    con, report = load(tmp_path, [path], kind="accounts", mapping=mapping)
    assert report.rows_loaded == 1 and skipped(con) == [("明细", 1, "title_row")]


def test_a_workbook_whose_records_are_only_on_a_hidden_sheet_is_an_error_saying_so(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "见数据页")
    data = book.add_worksheet("数据")
    data.write_row(0, 0, ACC_HEADER)
    data.write_row(1, 0, acc_row(1))
    data.hide()
    book.close()
    with pytest.raises(ExtractError, match=r"acc\.xlsx: the only sheet\(s\) with the required columns are hidden: "
                                           r"\['数据'\]; unhide them in Excel"):
        load(tmp_path, [path], kind="accounts")


def test_duplicate_headers_in_a_sheet_name_the_sheet(tmp_path):
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("明细")
    sheet.write_row(2, 0, [*ACC_HEADER, "单位名称"])
    book.close()
    with pytest.raises(ExtractError, match=r"acc\.xlsx sheet '明细' \(header on row 3\): duplicate headers: "
                                           r"column 5 '户名' and column 9 '单位名称'"):
        load(tmp_path, [path], kind="accounts")


def test_workbook_written_by_openpyxl_with_merged_title_and_header(tmp_path):
    """Another writer's merged cells (openpyxl keeps the merged range's cells as empty MergedCells)."""
    import openpyxl

    path = tmp_path / "reg.xlsx"
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "本表由登记系统导出"
    sheet = book.create_sheet("企业登记信息")
    sheet["A1"] = "企业登记信息表"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    header = ["统一社会信用代码", "企业名称", "法定代表人", None, "住所", "成立日期", "注册资本（万元）", "登记状态"]
    for column, text in enumerate(header, start=1):
        sheet.cell(row=2, column=column, value=text)
    sheet.merge_cells(start_row=2, start_column=3, end_row=2, end_column=4)
    for column, text in enumerate(["", "", "姓名", "证件号码"], start=1):
        sheet.cell(row=3, column=column, value=text or None)
    for column in (1, 2, 5, 6, 7, 8):
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    data = [[GOOD_ROW[0], GOOD_ROW[1], "张三", 110105194912310020, "北京市朝阳区建国路1号", dt.date(2024, 3, 5), 100,
             "存续"],
            ["合计", None, None, None, None, None, 100, None]]
    for r, row in enumerate(data, start=4):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=r, column=column, value=value)
    book.save(path)
    con, report = load(tmp_path, [path])
    assert con.execute("SELECT src_sheet, src_row, uscc, legal_rep_name, legal_rep_id, reg_date, reg_capital "
                       "FROM src_registrations").fetchall() == [
        ("企业登记信息", 4, GOOD_ROW[0], "张三", None, dt.date(2024, 3, 5), 100.0)]
    got = con.execute("SELECT sheet, line, column_name, reason, action FROM rejected_rows ORDER BY line").fetchall()
    assert got == [
        ("企业登记信息", 1, None, "title_row", "skipped"),
        ("企业登记信息", 4, "legal_rep_id", "excel_precision_lost", "nulled"),
        ("企业登记信息", 5, None, "total_row", "skipped")]
    assert report.notes[0].startswith("reg.xlsx sheet '说明': skipped, no header")


def test_published_rejected_rows_of_an_older_results_db_gain_the_sheet_column_and_keep_their_rows(tmp_path):
    from shellring.flows.core.sqlsteps import run_schema

    con = duckdb.connect(str(tmp_path / "results.duckdb"))
    con.execute("create table rejected_rows (run_id varchar, file varchar, line bigint, column_name varchar, "
                "reason varchar, action varchar, raw_row varchar)")  # as published before sheets were read
    con.execute("insert into rejected_rows values ('old', 'a.csv', 3, 'uscc', 'empty required value', 'rejected', "
                "'x')")
    run_schema(con, "published_tables")
    path = tmp_path / "acc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    branch_sheet(book, "明细", [acc_row(1)])
    book.close()
    report = load_extracts(con, [path], "accounts", run_id="new", workdir=tmp_path / "work")
    assert report.rows_loaded == 1
    got = con.execute("select run_id, file, line, reason, sheet from rejected_rows order by run_id, line").fetchall()
    assert got[:3] == [
        ("new", str(path), 1, "title_row", "明细"), ("new", str(path), 2, "title_row", "明细"),
        ("new", str(path), 5, "blank_row", "明细")]
    assert con.execute("select * from rejected_rows where run_id = 'old'").fetchall() == [
        ("old", "a.csv", 3, "uscc", "empty required value", "rejected", "x", None)]


@pytest.mark.parametrize("with_bad_lines", [False, True])
def test_src_row_is_the_line_number_however_duckdb_splits_the_file(tmp_path, monkeypatch, with_bad_lines):
    """The run's connections read with preserve_insertion_order off and several threads; with small buffers
    DuckDB reads a file in many pieces at once, and src_row (the rowid after the read) must still be the line
    number of every row. Ragged lines shift the numbering of the rows after them by their own count."""
    from shellring.flows.pipeline import ingest

    monkeypatch.setattr(ingest, "CSV_BUFFER_BYTES", 4096)
    lines = [",".join(REG_HEADER)]
    for line in range(2, 6002):
        if with_bad_lines and line % 997 == 0:
            lines.append(",".join(GOOD_ROW[:5]))  # ragged: rejected with its line number
        else:
            lines.append(",".join([GOOD_ROW[0], f"公司{line}", *GOOD_ROW[2:]]))
    path = write(tmp_path, "reg.csv", "\n".join(lines) + "\n")
    con = duckdb.connect()
    con.execute("SET threads = 4")
    con.execute("SET preserve_insertion_order = false")
    report = load_extracts(con, [path], "registrations", run_id="t", workdir=tmp_path / "work")
    misplaced = "SELECT count(*) FROM src_registrations WHERE company_name <> '公司' || src_row"
    assert con.execute(misplaced).fetchone()[0] == 0
    bad = [line for line in range(2, 6002) if with_bad_lines and line % 997 == 0]
    assert report.rows_loaded == 6000 - len(bad)
    assert [r[0] for r in rejects(con)] == bad
