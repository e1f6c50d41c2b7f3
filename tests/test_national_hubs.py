"""The national hub list in a regional run: a value a national run published as a hub is a hub in the region
too, though the region holds fewer companies on it than the hub limit; matched by the published hub id."""

from __future__ import annotations

import duckdb
from ruletables import d, table
from stepkit import given, rows, run

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.national_hubs import build_national_hub_values, hub_id
from shellring.flows.pipeline.pseudonyms import pseudonym

KEY = b"national-key-0123456789abcdef"
M, M2 = "+8613800001111", "+8613900009999"  # two phones, each on three companies (under the limit of 40)
COLUMNS = ("company_id", "rep_id", "reg_date", "phone", "phone_also", "reg_room_key", "trade_name",
           "reg_building_key")
ACCOUNT_COLUMNS = ("company_id", "rep_id", "agent_id", "open_date", "contact_phone", "contact_phone_also",
                   "agent_phone", "agent_phone_also", "contact_room_key")


def _region(national_values: list[dict]):
    companies = [{"company_id": i, "reg_date": d("2026-03-01"), "phone": M if i <= 3 else M2} for i in range(1, 7)]
    con = given({"stg_companies": table(companies, COLUMNS), "stg_accounts": table([], ACCOUNT_COLUMNS),
                 "national_hub_values": table(national_values, ("attr_kind", "attr_value"))}, settings=Settings())
    run(con, "linking/company_attributes", "linking/attribute_values", "linking/shared_value_evidence")
    return con


def test_a_value_on_the_national_hub_list_is_a_hub_and_links_nothing():
    con = _region([{"attr_kind": "phone", "attr_value": M}])
    assert rows(con, "select attr_value, n_companies, is_hub from attribute_values order by 1") == [
        (M, 3, True), (M2, 3, False)]
    assert rows(con, "select distinct attr_value from shared_value_evidence") == [(M2,)]


def test_without_the_list_both_values_link():
    con = _region([])
    assert rows(con, "select count(*) from attribute_values where is_hub") == [(0,)]
    assert rows(con, "select attr_value, count(*) from shared_value_evidence group by 1 order by 1") == [
        (M, 3), (M2, 3)]


def test_the_list_is_read_from_the_hub_ids_a_national_run_published_under_the_same_key(tmp_path):
    assert hub_id("phone", M, KEY) == "H" + pseudonym(KEY, M)[:12]
    national = tmp_path / "national.duckdb"
    con = duckdb.connect(str(national))
    con.execute("create table runs as select 'n1' as run_id")
    con.execute("create view latest_run as select * from runs")
    con.execute("create table hubs as select 'n1' as run_id, ? as hub_id, 'phone' as attr_kind",
                [hub_id("phone", M, KEY)])
    con.close()
    region = duckdb.connect()
    region.execute("create table company_attributes as select * from (values (1, 'phone', ?), (2, 'phone', ?), "
                   "(1, 'phone', ?), (3, 'phone', ?)) as t(company_id, attr_kind, attr_value)", [M, M, M2, M2])
    assert build_national_hub_values(region, national, KEY) == 1
    assert region.execute("select * from national_hub_values").fetchall() == [("phone", M)]
    # another key gives other ids: nothing matches
    assert build_national_hub_values(region, national, b"another-key-0123456789abcdef") == 0
