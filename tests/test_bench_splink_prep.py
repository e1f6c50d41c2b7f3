"""bench/splink_user_prep.py, the Splink side's input as a user would write it: the spellings the demo writes of
one value come out as one key, and each company gets its first account (hand-written expectations)."""
from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import polars as pl
import pytest

SPEC = importlib.util.spec_from_file_location("splink_user_prep",
                                              Path(__file__).parents[1] / "bench" / "splink_user_prep.py")
prep = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(prep)


@pytest.mark.parametrize("text", ["0571-88123456", "(0571)88123456", "+86-571-88123456", "0571 88123456",
                                  "０５７１－８８１２３４５６转801", "057188123456 ext 12"])
def test_landline_spellings_share_one_key(text):
    assert prep.phone(text) == "057188123456"


@pytest.mark.parametrize("text", ["13812345678", "+86 13812345678", "008613812345678", "138-1234-5678"])
def test_mobile_spellings_share_one_key(text):
    assert prep.phone(text) == "13812345678"


def test_address_spellings_share_room_and_building_keys():
    spellings = ["浙江省杭州市西湖区文三路120号A座2727室", "西湖区文三路一百二十号A座2727房",
                 "杭州市西湖區文三路120號Ａ座２７２７"]
    keys = {(prep.building_key(a), prep.room_key(a)) for a in map(prep.address, spellings)}
    assert keys == {("西湖区文三路120号A座", "西湖区文三路120号A座2727")}
    assert prep.room_key(prep.address("西湖区文三路120号")) is None


def test_dates_ids_and_first_account():
    assert {prep.to_date(t) for t in ("2024-03-05", "2024/3/5", "20240305", "2024年3月5日")} == {date(2024, 3, 5)}
    assert prep.resident_id("33010619900101123x") == "33010619900101123X"
    assert prep.resident_id("3301061990010112") is None
    reg = pl.DataFrame({"uscc": ["A", "B"], "rep_name": ["王伟", "李娜"]})
    acc = pl.DataFrame({"uscc": ["A", "A", "B"], "account_no": ["2", "1", "3"],
                        "open_date": [date(2024, 5, 1), date(2024, 1, 1), None]})
    table = prep.one_row_per_company(reg, acc)
    assert table.select("uscc", "open_date").rows() == [("A", date(2024, 1, 1)), ("B", None)]
