"""Gazetteer of Chinese administrative divisions (NBS 2023 via modood + short names via AreaCity), loaded once.

Every name (full, short, historical) maps to the divisions it can denote; the address parser does a longest-match
walk over it. Codes are kept as text and always padded to 6 digits (`330106`, city `330100`, province `330000`).
"""

from __future__ import annotations

import csv
import json
import re
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
    "江东区": "330212",                             # 2016 Ningbo: 江东 merged into 鄞州
    "鄞县": "330212",                               # 2002 Ningbo: 鄞县 -> 鄞州区
    "秀城区": "330402",                             # 2005 Jiaxing: 秀城 -> 南湖区
    "绍兴县": "330603",                             # 2013 Shaoxing: 绍兴县 -> 柯桥区
    "宜宾县": "511504",                             # 2018 Yibin: 宜宾县 -> 叙州区
}


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 6 digits
    level: int  # 1 province, 2 city, 3 district/county
    name: str  # full official name
    province: str  # 2-digit code
    city: str | None  # 4-digit code (None for province rows and province-administered counties)


@dataclass(frozen=True, slots=True)
class Region:
    province: str  # 2-digit code
    default: Division | None  # the district the bare region name stands for by convention, if any


@dataclass(slots=True)
class Gazetteer:
    by_code: dict[str, Division]
    full: dict[str, list[Division]]  # full names (and renames) -> candidates
    short: dict[str, list[Division]]  # short names -> candidates
    max_len: int
    lengths: dict[str, tuple[int, ...]]  # first two characters -> lengths of the names so starting, longest first
    regions: dict[str, Region]  # Hong Kong / Macao geographic regions (九龙, 新界) between province and district
    tw_townships: list[tuple[str, Division]]  # Taiwan county townships (屏东市 in 屏东县), not in streets.csv

    def province_of(self, d: Division) -> Division:
        return self.by_code[d.province + "0000"]

    def city_of(self, d: Division) -> Division | None:
        return self.by_code.get(d.city + "00") if d.city else None


_HK_MO_TW = {"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区"}
# Hong Kong and Macao have no city level: like the municipalities, a placeholder city carries the short name
# (jionlp's convention: 香港特别行政区 / 香港 / 九龙城区).
_SAR_CITY_NAMES = {"81": "香港", "82": "澳门"}
# jionlp writes a bare 九龙 as 九龙城区; used only when no district name follows the region (九龙观塘区 -> 观塘区).
_REGION_DEFAULTS = {"九龙": "九龙城区"}
_PAREN_ALIAS = re.compile(r"^(.+?)（(.+)）$")


def _add_hk_mo_tw(by_code, full, short, areacity, add) -> tuple[dict[str, Region], list[tuple[str, Division]]]:
    """Hong Kong, Macao and Taiwan from HK-MO-TW.json (not in the NBS tables).

    Taiwan's six special municipalities are cities with districts; its counties and provincial cities (屏东县,
    基隆市) sit directly under the province at county level, like mainland province-administered counties, and
    their townships (屏东市, 潮州镇) are township level. Codes are AreaCity's where it lists the name, otherwise
    the next free number under the parent (no official codes exist below the province).
    """
    with open(DATA_DIR / "HK-MO-TW.json", encoding="utf-8") as fh:
        tree = json.load(fh)
    areacity_code = {(row["pid"], row["ext_name"]): row["id"] for row in areacity if row["id"][:2] in _HK_MO_TW}
    regions: dict[str, Region] = {}
    townships: list[tuple[str, Division]] = []

    def code_for(parent: str, name: str, width: int) -> str:
        code = areacity_code.get((parent, name))
        if code is None or len(code) != len(parent) + 2:
            taken = {c[len(parent):len(parent) + 2] for c in by_code if c.startswith(parent)}
            code = parent + next(f"{n:02d}" for n in range(1, 100) if f"{n:02d}" not in taken)
        return code.ljust(width, "0")

    def division(code: str, level: int, name: str, city: str | None) -> Division:
        d = Division(code, level, name, code[:2], city)
        by_code[code] = d
        add(full, name, d)
        stem = name[:-1]
        if name[-1] in "市县区" and len(stem) >= 2:
            add(short, stem, d)
        return d

    for prov_code, prov_name in _HK_MO_TW.items():
        by_code[prov_code + "0000"] = Division(prov_code + "0000", 1, prov_name, prov_code, None)
        add(full, prov_name, by_code[prov_code + "0000"])
        add(short, prov_name[:2], by_code[prov_code + "0000"])
        children = tree[prov_name]
        if prov_code in _SAR_CITY_NAMES:
            city = Division(prov_code + "0100", 2, _SAR_CITY_NAMES[prov_code], prov_code, prov_code + "01")
            by_code[city.code] = city
            add(full, city.name, city)  # written after the province name in normalized output
            for region, districts in children.items():
                for raw in districts:
                    alias = _PAREN_ALIAS.match(raw)
                    name = alias.group(1) if alias else raw
                    d = division(code_for(prov_code + "01", name, 6), 3, name, city.city)
                    if alias:
                        add(short, alias.group(2), d)  # 嘉模堂区（氹仔）: 氹仔 names the same parish
                default = _REGION_DEFAULTS.get(region)
                regions[region] = Region(prov_code, next(d for d in full[default] if d.province == prov_code)
                                         if default else None)
            continue
        for name, subunits in children.items():
            parent = code_for(prov_code, name, 4)[:4]
            if name.endswith("县") or name in ("基隆市", "新竹市", "嘉义市"):
                county = division(parent + "00", 3, name, None)
                townships += [(sub, county) for sub in subunits]
            else:
                city = division(parent + "00", 2, name, parent)
                for sub in subunits:
                    division(code_for(parent, sub, 6), 3, sub, parent)
    return regions, townships


# Spoken forms of development-zone names (高新区 for 高新技术产业开发区); a form counts only where it is unique.
_ZONE_FORMS = [
    (re.compile(r"高新技术产业开发区$|高新技术开发区$"), ("高新区", "高新技术开发区", "高新技术产业开发区")),
    (re.compile(r"经济技术开发区$"), ("经开区", "经济开发区", "开发区")),
    (re.compile(r"经济开发区$"), ("经开区", "开发区")),
]
_ZONE_WORDS = re.compile(r"开发区|园区|新区|管理区|示范区|试验区|合作区")


def _zone_cores(name: str, prefixes: list[str]) -> set[str]:
    """Other names a development zone is written by after its city: the name without the province/city names it
    starts with (唐山高新技术产业开发区 -> 高新技术产业开发区) and the spoken forms of its kind (高新区; 南堡经济开发区
    -> 南堡开发区). A bare kind word (高新区) only for a zone named after its city."""
    core = name
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if p and core.startswith(p) and len(core) - len(p) >= 3:
                core, changed = core[len(p):], True
    cores = {core} if core != name and len(core) >= 3 else set()
    for pattern, forms in _ZONE_FORMS:
        m = pattern.search(core)
        if m is None:
            continue
        stem = core[: m.start()]
        if stem:
            cores.update(stem + form for form in forms)
        elif core != name:
            cores.update(forms)
        break
    cores.discard(name)
    return cores


def _admin_prefixes(*divisions) -> list[str]:
    out = []
    for d in divisions:
        if d is None:
            continue
        out.append(d.name)
        for suffix in ("省", "市", "区", "县", "自治区", "回族自治区", "壮族自治区", "维吾尔自治区", "特别行政区"):
            if d.name.endswith(suffix) and len(d.name) - len(suffix) >= 2:
                out.append(d.name[: -len(suffix)])
    return sorted(set(out), key=len, reverse=True)


def _add_zone_abbreviations(by_code, short, add) -> None:
    forms: dict[tuple[str, str], list[Division]] = {}
    for d in by_code.values():
        if d.level != 3 or not d.city or not _ZONE_WORDS.search(d.name):
            continue
        prefixes = _admin_prefixes(by_code.get(d.province + "0000"), by_code.get(d.city + "00"))
        for form in _zone_cores(d.name, prefixes):
            forms.setdefault((d.city, form), []).append(d)
    for (_, form), ds in forms.items():
        if len(ds) == 1:
            add(short, form, ds[0])


@dataclass(slots=True)
class Townships:
    """Township-level names (街道/镇/乡, township development zones) -> the districts they lie in."""

    names: dict[str, list[Division]]
    lengths: dict[str, tuple[int, ...]]  # first two characters -> name lengths, longest first


@lru_cache(maxsize=1)
def townships() -> Townships:
    """Loaded on first use: streets.csv (41k rows) plus Taiwan's county townships."""
    g = gazetteer()
    names: dict[str, list[Division]] = {}

    def add(name: str, d: Division) -> None:
        if len(name) >= 3 or (len(name) == 2 and name[-1] in "镇乡"):
            bucket = names.setdefault(name, [])
            if d not in bucket:
                bucket.append(d)

    zone_forms: dict[tuple[str, str], set[Division]] = {}
    for area, name in _read_columns("streets.csv", "areaCode", "name"):
        d = g.by_code.get(area)
        if d is None:
            continue
        add(name, d)
        if name.endswith("街道办事处"):
            add(name[:-3], d)
        elif name.endswith("街道"):
            add(name + "办事处", d)
        if _ZONE_WORDS.search(name):
            prefixes = _admin_prefixes(g.province_of(d), g.city_of(d))
            for form in _zone_cores(name, prefixes):
                zone_forms.setdefault((d.city or d.code, form), set()).add(d)
    for (_, form), ds in zone_forms.items():
        if len(ds) == 1:  # 高新区 names one zone in this city, or it stays unresolved
            add(form, next(iter(ds)))
    for name, d in g.tw_townships:
        add(name, d)
    return Townships(names, _lengths_by_first_pair(names))


def _lengths_by_first_pair(names) -> dict[str, tuple[int, ...]]:
    """Only the lengths some name has are worth a dictionary probe at a position."""
    lengths: dict[str, set[int]] = {}
    for n in names:
        lengths.setdefault(n[:2], set()).add(len(n))
    return {pair: tuple(sorted(ls, reverse=True)) for pair, ls in lengths.items()}


def _read_columns(name: str, *columns: str) -> list[tuple[str, ...]]:
    """Some columns of a table as tuples: csv.reader, not DictReader (streets.csv: 41k rows read at every start)."""
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        index = [header.index(c) for c in columns]
        return [tuple(row[i] for i in index) for row in reader]


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

    areacity = _read("ok_data_level3.csv")
    regions, tw_townships = _add_hk_mo_tw(by_code, full, short, areacity, add)
    for row in areacity:  # short names (北京, 东城) next to full names
        d = by_code.get(row["id"].ljust(6, "0"))
        if d is not None and d.province not in _HK_MO_TW and row["name"] != d.name:
            add(short, row["name"], d)
    for d in list(by_code.values()):
        # Development zones carry their city's name: 秦皇岛市经济技术开发区 is written 经济技术开发区 after the city.
        city = by_code.get(d.city + "00") if d.city and d.level == 3 else None
        if city is not None and d.name.startswith(city.name) and len(d.name) > len(city.name) + 1:
            add(short, d.name[len(city.name):], d)
        elif city is not None and d.name.startswith(city.name[:-1]) and len(d.name) > len(city.name):
            add(short, d.name[len(city.name) - 1:], d)
    _add_zone_abbreviations(by_code, short, add)
    for old, code in RENAMES.items():
        add(full, old, by_code[code])

    names = list(full) + list(short) + list(regions)
    return Gazetteer(
        by_code=by_code,
        full=full,
        short=short,
        regions=regions,
        tw_townships=tw_townships,
        max_len=max(len(n) for n in names),
        lengths=_lengths_by_first_pair(names),
    )
