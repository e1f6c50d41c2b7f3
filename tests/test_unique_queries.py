"""The unique-value queries of normalization against sets computed in Python: each value (with its hint) once,
none missing, no NULL input; a USCC the lookup does not hold gives a NULL hint."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from shellring.flows.core.sqlsteps import load_query

USCC_REGION = {"U1": "330106", "U2": "110105", "U3": None}  # U3: parsed, no region; U4: not in the lookup
REGISTRATIONS = [  # uscc, company_name, legal_rep_name, legal_rep_id, reg_address, phone
    ("U1", "甲公司", "张三", "ID1", "杭州市文三路1号", "P1"),
    ("U2", "甲公司", "李四", None, "杭州市文三路1号", "P1"),
    ("U3", None, "张三", "ID2", None, None),
    ("U4", "乙公司", None, "ID1", "北京市长安街2号", "P2"),
    (None, "丙公司", "王五", "ID3", "杭州市文三路1号", "P3"),
]
ACCOUNTS = [  # uscc, company_name, legal_rep_name, legal_rep_id, agent_id, contact_address, contact_phone, agent_phone
    ("U1", "甲公司", "张三", "ID1", "ID9", "杭州市文三路1号", "P1", "P9"),
    ("U1", "甲公司", "张三", "ID1", None, "杭州市文三路1号", "P9", None),
    ("U2", "丁公司", None, None, "ID1", "杭州市文三路1号", None, "P1"),
    ("U4", None, "赵六", "ID4", "ID4", None, "P2", "P2"),
    (None, "戊公司", "张三", None, None, "上海市南京路3号", "P4", "P4"),
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table norm_uscc (input varchar, region_code varchar)")
    con.executemany("insert into norm_uscc values (?, ?)", list(USCC_REGION.items()))
    con.execute("create table src_registrations (uscc varchar, company_name varchar, legal_rep_name varchar, "
                "legal_rep_id varchar, reg_address varchar, phone varchar)")
    con.executemany("insert into src_registrations values (?, ?, ?, ?, ?, ?)", REGISTRATIONS)
    con.execute("create table src_accounts (uscc varchar, company_name varchar, legal_rep_name varchar, "
                "legal_rep_id varchar, agent_id varchar, contact_address varchar, contact_phone varchar, "
                "agent_phone varchar)")
    con.executemany("insert into src_accounts values (?, ?, ?, ?, ?, ?, ?, ?)", ACCOUNTS)
    return con


def _hint(uscc: str | None, digits: int) -> str | None:
    region = USCC_REGION.get(uscc)
    return region[:digits] if region else None


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.execute(load_query(query).sql).fetchall()


def _assert_once(rows: list[tuple], expected: set[tuple]) -> None:
    assert len(rows) == len(set(rows)), "a value came back twice"
    assert set(rows) == expected


def test_plain_queries_give_each_value_once(con):
    regs, accs = REGISTRATIONS, ACCOUNTS
    cases = {
        "queries/unique_uscc": [r[0] for r in regs] + [a[0] for a in accs],
        "queries/unique_company_names": [r[1] for r in regs] + [a[1] for a in accs],
        "queries/unique_person_names": [r[2] for r in regs] + [a[2] for a in accs],
        "queries/unique_resident_ids": [r[3] for r in regs] + [a[3] for a in accs] + [a[4] for a in accs],
    }
    for query, values in cases.items():
        _assert_once(_rows(con, query), {(v,) for v in values if v is not None})


def test_addresses_pair_each_value_with_its_companys_region(con):
    expected = {(r[4], _hint(r[0], 6)) for r in REGISTRATIONS if r[4] is not None}
    expected |= {(a[5], _hint(a[0], 6)) for a in ACCOUNTS if a[5] is not None}
    assert ("杭州市文三路1号", None) in expected and ("杭州市文三路1号", "330106") in expected
    _assert_once(_rows(con, "queries/unique_addresses"), expected)


def test_phones_take_both_account_phones_and_the_registered_one(con):
    expected = {(r[5], _hint(r[0], 4)) for r in REGISTRATIONS if r[5] is not None}
    expected |= {(phone, _hint(a[0], 4)) for a in ACCOUNTS for phone in a[6:8] if phone is not None}
    assert ("P9", "3301") in expected and ("P4", None) in expected
    _assert_once(_rows(con, "queries/unique_phones"), expected)


def test_a_hint_query_does_not_run_before_norm_uscc_is_stored(con):
    from shellring.flows.pipeline import normalize

    table, query, parse, hinted = normalize.STEPS[3]
    assert hinted and table == "norm_address"
    jobs = normalize._slices(con, table, query, parse, hinted, {"norm_uscc": 5}, {"norm_uscc": 3})
    with pytest.raises(RuntimeError, match="norm_uscc holds 3 of 5 rows"):
        next(jobs)
    done = normalize._slices(con, table, query, parse, hinted, {"norm_uscc": 5}, {"norm_uscc": 5})
    assert sum(len(values) for _, values, _, _ in itertools.islice(done, 10)) == len(
        _rows(con, "queries/unique_addresses"))
