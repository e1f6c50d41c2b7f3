"""Given/expect for staging/room_blocks: a room written with and without its building's block letter is one room
when exactly one block of that site has the room, and stays as written when two or more do.

The addresses go through the real parser (parse_addresses) into norm_address, then room_blocks and
company_contact run as the stage runs them, and SAME_ROOM is read from shared_value_evidence.
"""

from __future__ import annotations

import polars as pl
from ruletables import table
from stepkit import given, rows, run

from shellring.matchers.address import parse_addresses

SHARED_ACCOUNT_COLUMNS = ("company_id", "rep_id", "agent_id", "open_date", "contact_phone", "contact_phone_also",
                          "agent_phone", "agent_phone_also", "contact_room_key")
SITE = "浙江省杭州市西湖区文三路702号信安时代广场"  # one complex of towers on one door number
OTHER = "浙江省杭州市西湖区古墩路7号嘉业大厦"  # another complex, towers A and B


def _norm_address(addresses: list[str]) -> pl.DataFrame:
    parsed = parse_addresses(addresses)
    return parsed.select("adcode", "site_key", "building_key", "room_key", "poi", "normalized", "notes").with_columns(
        pl.Series("input", addresses), pl.lit(None, dtype=pl.String).alias("hint"))


def _same_room_pairs(addresses: dict[int, str]) -> list[tuple]:
    """SAME_ROOM pairs of companies registered at `addresses` (company id -> registered address)."""
    con = given({
        "norm_address": _norm_address(sorted(set(addresses.values()))),
        "company_base": pl.DataFrame({"company_id": list(addresses), "reg_address": list(addresses.values()),
                                      "uscc_region": [None] * len(addresses), "phone": [None] * len(addresses)},
                                     schema={"company_id": pl.Int64, "reg_address": pl.String,
                                             "uscc_region": pl.String, "phone": pl.String}),
        "norm_phone": pl.DataFrame(schema={"input": pl.String, "hint": pl.String, "e164": pl.String,
                                           "type": pl.String, "is_virtual": pl.Boolean, "also": pl.String}),
        "stg_accounts": table([], SHARED_ACCOUNT_COLUMNS),
    })
    run(con, "staging/room_blocks", "staging/company_contact")
    con.execute("""
        create table stg_companies as
        select company_id, null::varchar as rep_id, date '2026-03-02' as reg_date, phone, phone_also, reg_room_key,
            null::varchar as trade_name, reg_building_key
        from company_contact""")
    run(con, "linking/company_attributes", "linking/attribute_values", "linking/shared_value_evidence")
    return rows(con, "select company_a, company_b from shared_value_evidence where reason = 'SAME_ROOM' order by all")


def test_a_farm_writing_its_block_letter_or_not_is_one_room():
    # 1-2 write tower C (as C-1226 and C座1226), 3-4 leave the letter out; only tower C has 1226 here
    farm = {1: f"{SITE}C-1226室", 2: f"{SITE}C座1226", 3: f"{SITE}1226室", 4: f"{SITE}1226室"}
    assert _same_room_pairs(farm) == [(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]


def test_a_numbered_block_resolves_as_a_lettered_one():
    farm = {1: f"{SITE}1号楼1226室", 2: f"{SITE}1幢1226室", 3: f"{SITE}1226室"}
    assert _same_room_pairs(farm) == [(1, 2), (1, 3), (2, 3)]


def test_an_unlettered_room_two_towers_have_stays_as_written():
    # towers A and B both have 1226: 3-4's 1226 could be either, so it is linked to neither
    companies = {1: f"{OTHER}A座1226室", 2: f"{OTHER}B座1226室", 3: f"{OTHER}1226室", 4: f"{OTHER}1226室",
                 5: f"{OTHER}A座1226室"}
    assert _same_room_pairs(companies) == [(1, 5), (3, 4)]


def test_a_block_named_in_words_is_no_unlettered_room():
    # 中座 (the middle tower) and 东楼 name a block the key holds no letter for: not tower A's 1226
    companies = {1: f"{OTHER}A座1226室", 2: f"{OTHER}中座1226室", 3: f"{OTHER}东楼1226室"}
    assert _same_room_pairs(companies) == [(2, 3)]  # as before: the parser keys both as the site's 1226


def test_a_room_under_a_building_name_is_not_the_unnamed_blocks_room():
    # one door number: 8幢917室 names no building, 锦绣写字楼917室 names one; the two writings never name the same
    # place, and a door number can hold several named buildings: left apart. Written with no name either side,
    # 917室 is block 8's.
    door = "四川省成都市武侯区交子大道580号"
    assert _same_room_pairs({1: f"{door}8幢9楼917室", 2: f"{door}锦绣写字楼9楼917室"}) == []
    assert _same_room_pairs({1: f"{door}8幢9楼917室", 3: f"{door}917室"}) == [(1, 3)]


def test_different_rooms_never_merge():
    # 1227 and 12 floor elsewhere: a lettered room lends its block only to the same unit, floor and room number
    companies = {1: f"{SITE}C-1226室", 2: f"{SITE}1227室", 3: f"{SITE}C座1326室", 4: f"{OTHER}1226室"}
    assert _same_room_pairs(companies) == []


def test_room_blocks_keeps_only_what_it_resolves():
    con = given({"norm_address": _norm_address(
        [f"{SITE}C-1226室", f"{SITE}1226室", f"{SITE}1227室", f"{OTHER}A座1226室", f"{OTHER}B座1226室",
         f"{OTHER}1226室", f"{SITE}12层"])})
    run(con, "staging/room_blocks")
    assert rows(con, "select written_room_key, room_key, building_key from room_blocks") == [
        ("330106|文三路|702|||12|1226", "330106|文三路|702|C||12|1226", "330106|文三路|702|C")]
