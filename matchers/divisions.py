"""Gazetteer of Chinese administrative divisions (NBS 2023 via modood + short names via AreaCity), loaded once.

Every name (full, short, historical) maps to the divisions it can denote; the address parser does a longest-match
walk over it. Codes are kept as text and always padded to 6 digits (`330106`, city `330100`, province `330000`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data" / "divisions"

# City-level rows that are placeholders, not cities: municipalities' 市辖区/县 and province-administered counties.
_PLACEHOLDER_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Well-known renames and merges not covered by short-name matching (old name -> current 6-digit code).
# Sources: public State Council approvals, as commonly reported; kept deliberately small.
RENAMES: dict[str, str] = {
    "襄樊市": "420600", "襄樊": "420600",          # 2010 襄樊 -> 襄阳
    "思茅市": "530800", "思茅": "530800",          # 2007 思茅 -> 普洱
    "柳州地区": "451300",                           # 2002 柳州地区 split; its counties went to 来宾
    "莱芜市": "370116", "莱芜": "370116",          # 2019 莱芜市 -> 济南市莱芜区
    "巢湖市": "340181",                             # 2011 地级巢湖 abolished -> 合肥代管 巢湖市
    "下城区": "330105",                             # 2021 Hangzhou: 下城 merged into 拱墅
    "江干区": "330102",                             # 2021 Hangzhou: 江干 merged into 上城
    "闸北区": "310106",                             # 2015 Shanghai: 闸北 merged into 静安
    "卢湾区": "310101",                             # 2011 Shanghai: 卢湾 merged into 黄浦
    "南汇区": "310115",                             # 2009 Shanghai: 南汇 merged into 浦东新区
    "崇文区": "110101",                             # 2010 Beijing: 崇文 merged into 东城
    "宣武区": "110102",                             # 2010 Beijing: 宣武 merged into 西城
    "塘沽区": "120116", "汉沽区": "120116", "大港区": "120116",  # 2009 Tianjin: 滨海新区
    "东郊区": "120110",                             # 1991 Tianjin: 东郊 -> 东丽
    "白下区": "320104",                             # 2013 Nanjing: 白下 merged into 秦淮
    "下关区": "320106",                             # 2013 Nanjing: 下关 merged into 鼓楼
    "金阊区": "320508", "沧浪区": "320508", "平江区": "320508",  # 2012 Suzhou: 姑苏区
    "吴江市": "320509", "萧山市": "330109", "余杭市": "330110",
}


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 6 digits
    level: int  # 1 province, 2 city, 3 district/county
    name: str  # full official name
    province: str  # 2-digit code
    city: str | None  # 4-digit code (None for province rows and province-administered counties)


@dataclass(slots=True)
class Gazetteer:
    by_code: dict[str, Division]
    full: dict[str, list[Division]]  # full names (and renames) -> candidates
    short: dict[str, list[Division]]  # short names -> candidates
    max_len: int
    first_pairs: frozenset[str]  # first two characters of every name, to skip hopeless positions fast

    def province_of(self, d: Division) -> Division:
        return self.by_code[d.province + "0000"]

    def city_of(self, d: Division) -> Division | None:
        return self.by_code.get(d.city + "00") if d.city else None


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    by_code: dict[str, Division] = {}
    for row in _read("provinces.csv"):
        by_code[row["code"] + "0000"] = Division(row["code"] + "0000", 1, row["name"], row["code"], None)
    placeholder_cities: set[str] = set()
    for row in _read("cities.csv"):
        if row["name"] in _PLACEHOLDER_CITY_NAMES:
            placeholder_cities.add(row["code"])
            continue
        by_code[row["code"] + "00"] = Division(row["code"] + "00", 2, row["name"], row["provinceCode"], row["code"])
    for row in _read("areas.csv"):
        code, city = row["code"], row["cityCode"]
        if code.endswith("00"):  # 东莞市/中山市/儋州市 listed as their own single area
            continue
        real_city = None if city in placeholder_cities else city
        if real_city is None and row["provinceCode"] in ("11", "12", "31", "50"):
            real_city = row["provinceCode"] + "01"  # municipality districts: the city is the municipality itself
        by_code[code] = Division(code, 3, row["name"], row["provinceCode"], real_city)
    # Municipalities: the city level carries the municipality's name (北京市 / 北京市), as jionlp does.
    for p in ("11", "12", "31", "50"):
        prov = by_code[p + "0000"]
        by_code[p + "0100"] = Division(p + "0100", 2, prov.name, p, p + "01")

    full: dict[str, list[Division]] = {}
    short: dict[str, list[Division]] = {}

    def add(table: dict[str, list[Division]], name: str, d: Division) -> None:
        if len(name) < 2:
            return
        bucket = table.setdefault(name, [])
        if d not in bucket:
            bucket.append(d)

    for d in by_code.values():
        if d.level == 2 and d.code[:2] in ("11", "12", "31", "50"):
            continue  # municipality city rows are reached through the province name
        add(full, d.name, d)

    # Short names and Hong Kong / Macau / Taiwan (absent from the NBS tables) from AreaCity.
    for row in _read("ok_data_level3.csv"):
        code = row["id"].ljust(6, "0")
        deep = int(row["deep"])
        if code not in by_code and code[:2] in ("71", "81", "82"):
            prov = code[:2]
            city = code[:4] if deep >= 1 else None
            d = Division(code, deep + 1, row["ext_name"], prov, city)
            by_code[code] = d
            add(full, d.name, d)
        d = by_code.get(code)
        if d is None:
            continue
        if row["name"] != d.name:
            add(short, row["name"], d)
    for d in list(by_code.values()):
        # Development zones carry their city's name: 秦皇岛市经济技术开发区 is written 经济技术开发区 after the city.
        city = by_code.get(d.city + "00") if d.city and d.level == 3 else None
        if city is not None and d.name.startswith(city.name) and len(d.name) > len(city.name) + 1:
            add(short, d.name[len(city.name):], d)
        elif city is not None and d.name.startswith(city.name[:-1]) and len(d.name) > len(city.name):
            add(short, d.name[len(city.name) - 1:], d)
    for old, code in RENAMES.items():
        add(full, old, by_code[code])

    names = list(full) + list(short)
    return Gazetteer(
        by_code=by_code,
        full=full,
        short=short,
        max_len=max(len(n) for n in names),
        first_pairs=frozenset(n[:2] for n in names),
    )
