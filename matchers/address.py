"""Chinese address parsing: admin prefix via longest match on the NBS gazetteer, detail via anchored regexes.

Pipeline per batch: canonical text (textnorm) -> unit words unified -> notes pulled out of parentheses ->
province/city/district walk -> road/number, then building/unit/floor/room from the right -> keys.
Rows of the common shape (admin + road + N号 + tail, nothing special) take a batch fast path that gives the same
row (address_fast.py); `_parse_one` does the rest and is that path's oracle in the tests.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import polars as pl

from .divisions import Division, Gazetteer, gazetteer, townships
from .textnorm import canonical_batch, to_text_list

COLUMNS = [
    "input", "province", "city", "district", "adcode", "road", "number", "poi", "building", "unit", "floor", "room",
    "workstation", "site_key", "building_key", "room_key", "normalized", "notes",
]

# Unit words -> one canonical spelling each (building 栋, floor 层, room 室), only after an alphanumeric label.
_UNIT_RULES = [
    # Right after a road word, N号楼 / N号馆 and then a name is the road's door number N (丰润路4号楼欣歌旗舰店: the
    # labelled real address has 4号楼 as its door number) and a name that may start with 楼 or 馆 (文三路1253号馆兰境
    # 艺术中心): 楼 / 馆 is dropped. After an estate (某小区8号楼某某制衣) or before a digit (文三路8号楼3层) it stays
    # a building.
    (re.compile(r"(?<=[路街道巷])(\d{1,5})(?:号楼|号馆)(?=[^\x00-\x7f楼馆][^\x00-\x7f])"), r"\1号"),
    (re.compile(r"(?<=[0-9A-Z])(?:号楼|号馆|幢|座|#)"), "栋"),
    (re.compile(r"(?<=\d)(?:楼层|层楼|F|楼|层)"), "层"),
    (re.compile(r"(?<=[0-9A-Z])(?:号房|号室|房间|房|户|室)"), "室"),
    # 9幢D座1118室, 102幢C-1580, 5栋E座802: a letter after a building is its block, a unit of it (the real
    # labelled addresses mark it so); 9幢C座1118室 and 9幢D座1118室 are two rooms.
    (re.compile(r"(?<=[0-9A-Z]栋)([A-Z])(?:栋|-(?=\d))"), r"\1单元"),
    # 大厦B-1616室, 市场D-1421: a building letter after a name, a dash, then the room (its word made 室 above), as
    # 大厦B座1616室 says it
    # (not after a labelled floor, building, room or unit: 14楼E-085 is room E-085 on floor 14; 大楼D-229 is building D)
    (re.compile(r"(?<=[^\x00-\x7f])(?<![0-9][层栋室])(?<!元)([A-Z])-(?=\d{3,5}(?:室|$))"), r"\1栋"),
    (re.compile(r"(?<=\d)梯(?=\d)"), "单元"),  # 4梯923: the stair (Guangdong) is the unit
    (re.compile(r"(?<=\d)(?:街|排)(?=\d{3})"), "单元"),  # 9楼11街31390, 17排351: a market's aisle or row, then a stall
    (re.compile(r"第(?=\d)"), ""),
    (re.compile(r"-(?=栋|层|室|单元)"), ""),
]
_PAREN = re.compile(r"\(([^()]*)\)?")
_CLUSTER = re.compile(r"集群注册|集群登记|住所申报|集中办公区|集中登记地|集中办公")
_HOSTED_NAME = re.compile(
    r"(?:入驻|托管于|托管在|托管|由)?([^()]{2,40}?(?:秘书|托管|孵化|众创|商务服务|企业管理|企业服务|园区管理|创业服务)"
    r"[^()]{0,20}?(?:有限责任公司|有限公司|公司|中心))"
)
_HOSTED_WORD = re.compile(r"托管|入驻")
_WORKSTATION = re.compile(r"-?([A-Z]?\d+[A-Z]?)号?工位")
# A desk labelled before its number (工位023, 托管号023): a hosted address's virtual seat, not the room before it
_DESK_LABEL = re.compile(r"(?:工位|托管号|托管编号)号?([A-Z]?\d+[A-Z]?)")
_PREFIX_NOISE = re.compile(r"^(?:中华人民共和国|中国|市辖区)+")
_PREFIX_NOISE_FIRST = frozenset("中市")
_TOWN = re.compile(r"^[^\d()]{1,10}?(?:街道办事处|街道|办事处|镇|乡|苏木)(?![路街道巷大镇乡])")
# A road: a name ending in a road word, not running on into another road word (金华镇路, 人民路口 stay whole).
_ROAD_WORDS = r"(?:大道|大街|公路|路|街|巷|胡同)"
# The name may end in a number: 6号大街, 垦辉6路, 滨海10路.
_ROAD_NAME = r"(?:[^\d()\-]{1,14}?|[^\d()\-]{0,10}?(?<![栋层室元门区])\d{1,3}号?)"  # not 5楼12街, 二区7街 (aisles)
_ROAD = re.compile(r"(" + _ROAD_NAME + _ROAD_WORDS + r"(?:\d+段)?)(?![路街道巷])")
_FIRST_ROAD = re.compile(_ROAD_NAME + _ROAD_WORDS + r"(?![路街道巷])")
# A road and its door number: N号 / N弄 (any road word, also 道/里/弄), or a bare N (road words only) when no
# unit word follows it (南京路559金色荔园, 海滨中路568); a bare number keeps only its first run (四明西路100-3:
# the 3 is the building behind door 100).
_ROAD_NUMBER = re.compile(
    r"((?:" + _ROAD_NAME + r"(?:大道|大街|公路|路|街|巷|胡同|道|里|弄))(?:\d+段)?)([甲乙丙丁]?\d+)((?:-\d+)*)(号|弄)"
)
_ROAD_BARE_NUMBER = re.compile(
    r"(" + _ROAD_NAME + _ROAD_WORDS + r"(?:\d+段)?)(\d+)(?![\dA-Z]|-?\d*(?:栋|层|室|单元|号))"
)
# Words that end what stands before a road (a township, zone, park, village, estate phase): the road starts after one.
# Where each road pattern can first end: its road word followed by what it needs. A road name is at most 16
# characters before that, so the costly lazy patterns start there (same match, found without trying every start).
_ROAD_NUMBER_HINT = re.compile(r"(?:路|街|巷|同|道|里|弄)(?:\d+段)?[甲乙丙丁]?\d+(?:-\d+)*[号弄]")
_ROAD_BARE_HINT = re.compile(r"(?:路|街|巷|同|道)(?:\d+段)?\d")
_ROAD_HINT = re.compile(r"路|街|巷|胡同|大道")
_HINT_BACK = 17
_ROAD_CUT = re.compile(r"(?:街道|办事处|区(?![路街道])|园(?![路街道])|号院|村(?![路街道])|社区|\d期|镇|乡|\))(?=..)")
# A road's own name, less its road word: 西园七路 is a road, 七路 or 南路 alone is what is left of one.
_ROAD_CORE = re.compile(r"^(.*?)(?:大道|大街|公路|路|街|巷|胡同|道|里|弄)(?:\d+段)?$")
_NOT_A_NAME = re.compile(r"[东南西北中]*|[一二三四五六七八九十]+")  # 南路, 七路; 南一路 is a name
# The structured end of an address after its estate/building name: labelled or bare runs of digits (a letter
# before or after) in the order building, unit, floor, room, joined by nothing or by -.
_TOKEN = r"(?:[A-Z]?\d++[A-Z]?|[A-Z](?=栋|单元))"
# atomic: no backtracking; the lookahead lets the scan skip positions where no block can start
_BLOCK = re.compile(r"(?=[-0-9A-Z])-?(?:(?>" + _TOKEN + r"(?:栋|单元|层|室|号)?-?))+")
_TAIL_TOKEN = re.compile(r"(" + _TOKEN + r")(栋|单元|层|室|号)?")
# A building or market whose N号 numbers a unit inside it (中国毛衫城2163号, 某某大厦1203号), not a door.
_UNITS_INSIDE = re.compile(r"(?:城|市场|商场|大厦|广场|楼|座|馆|栋|层)$")
_ROOM_RANGE = re.compile(r"[A-Z]?\d{3,5}-\d{1,2}")  # a room and a short part of it


def _is_room_range(a: str, b: str) -> bool:
    """1103-2 (a room and its part) or 801-805, 2004-2006 (a range of rooms: same length, rising)."""
    if _ROOM_RANGE.fullmatch(a + "-" + b):
        return True
    return len(a) == len(b) >= 3 and a.isdigit() and b.isdigit() and int(a) < int(b) < int(a) + 100
_LETTER_ROOM = re.compile(r"[A-Z]\d{3,5}")
_FLOOR_OF_ROOM = re.compile(r"[A-Z]?\d{3,4}")
_FLOOR_ROOM = re.compile(r"0\d")  # a room numbered within its floor (15楼08室)
_SEAT_LETTER = re.compile(r"[0-9](?:室|单元)[A-Z][0-9]")
_ROOM_LIKE_UNIT = re.compile(r"[A-Z]?\d{3,5}")
_HAS_DIGIT = re.compile(r"[0-9]")
_MARKED = re.compile("[栋元层室号-]")
_LEVEL_OF = {"栋": 0, "单元": 1, "层": 2, "室": 3}
# Separators between digit runs that mean "-": 3,1105 / 5一4一3一2 / 8.1017 (never inside the admin prefix).
_DIGIT_SEPARATOR = re.compile(r"[,，、.。/\\一](?=\d)(?<=[0-9A-Z].)")  # separator first: a fast scan
_ROAD_AHEAD = re.compile(r"[^\d()]{1,2}(?:路|街(?!道)|大道|大街)")
_ROAD_SUFFIX_CHARS = frozenset("路街道巷")
_ADMIN_SUFFIX_CHARS = frozenset("省市区县旗盟")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
_NO_CITY_LEVEL = _MUNICIPALITIES | {"81", "82"}  # the city level is a placeholder named after the province
_ADMIN_SEPARATORS = frozenset(",，、/·・ .-")
_NOISE_TAIL = re.compile(r"[-,，、;；:：/\\.。]+$")
_NOISE_CHARS = frozenset("-,，、;；:：/\\.。")


def _unify(text: str) -> str:
    for pattern, repl in _UNIT_RULES:
        text = pattern.sub(repl, text)
    return text


# _UNIT_RULES for polars, whose regex engine has no look-around: the character a look-behind or look-ahead
# reads is captured and written back. A captured character never belongs to a neighbouring match (no match ends
# or starts with the character class the next one captures), except after 梯 and 街/排, whose captured digits
# can be the next match's leading digit: a second pass finds those (a missed match is always followed by a
# found one, so the second pass has no such overlaps). tests/test_matchers_address_fast.py checks it against
# _unify.
_UNIT_RULES_BATCH = [
    (r"([路街道巷])(\d{1,5})(?:号楼|号馆)([^\x00-\x7f楼馆][^\x00-\x7f])", "${1}${2}号${3}", 2),
    (r"([0-9A-Z])(?:号楼|号馆|幢|座|#)", "${1}栋", 1),
    (r"(\d)(?:楼层|层楼|F|楼|层)", "${1}层", 1),
    (r"([0-9A-Z])(?:号房|号室|房间|房|户|室)", "${1}室", 1),
    (r"([0-9A-Z]栋)([A-Z])(?:栋|-([0-9]))", "${1}${2}单元${3}", 1),
    (r"((?:^|[^0-9])[^\x00-\x7f元]|[0-9][^\x00-\x7f层栋室元])([A-Z])-(\d{3,5}(?:室|$))", "${1}${2}栋${3}", 1),
    (r"(\d)梯(\d)", "${1}单元${2}", 2),
    (r"(\d)(?:街|排)(\d{3})", "${1}单元${2}", 2),
    (r"第(\d)", "${1}", 1),
    (r"-(栋|层|室|单元)", "${1}", 1),
]
# The rows a rule changes: its pattern less the word it writes back unchanged (1203室 -> 1203室, 5层 -> 5层; that
# word is its last alternative, so any other match at a position is the one the full pattern takes there). Three
# addresses in four hold N室: testing with the full pattern rewrote them all for nothing.
_UNIT_RULES_CHANGE = {
    r"(\d)(?:楼层|层楼|F|楼|层)": r"(\d)(?:楼层|层楼|F|楼)",
    r"([0-9A-Z])(?:号房|号室|房间|房|户|室)": r"([0-9A-Z])(?:号房|号室|房间|房|户)",
}


# A row no rule changes is left as it is by all of them (each rule sees the text the previous one left): one scan
# for any change finds the rows the rules run on, about a quarter of a batch.
_UNIT_RULES_ANY = "|".join(_UNIT_RULES_CHANGE.get(pattern, pattern) for pattern, _, _ in _UNIT_RULES_BATCH)


def _unify_units(texts: list[str]) -> list[str]:
    """The unit rules (_unify) over the whole batch at once, in polars. A replacement with captures costs several
    times a plain match test: each rule rewrites only the rows it changes (most rules match few rows)."""
    column = pl.Series("t", texts, dtype=pl.String)
    touched = column.str.contains(_UNIT_RULES_ANY).arg_true()
    if not touched.len():
        return list(texts)
    column = column.gather(touched)
    for pattern, repl, passes in _UNIT_RULES_BATCH:
        rows = column.str.contains(_UNIT_RULES_CHANGE.get(pattern, pattern)).arg_true()
        if rows.len():
            matched = column.gather(rows)
            for _ in range(passes):
                matched = matched.str.replace_all(pattern, repl)
            column = column.scatter(rows, matched)
    out = list(texts)
    for row, text in zip(touched.to_list(), column.to_list(), strict=True):
        out[row] = text
    return out


def _extract_notes(text: str) -> tuple[str, list[str], str | None]:
    """Pull parentheticals and cluster/hosting/workstation markers out of `text` as feature codes."""
    notes: list[str] = []
    workstation: str | None = None

    def classify(fragment: str) -> str:
        nonlocal workstation
        rest = fragment
        if _CLUSTER.search(rest):
            notes.append("cluster_registration")
            rest = _CLUSTER.sub("", rest)
        while desk := _DESK_LABEL.search(rest):
            workstation = desk.group(1)
            if "workstation" not in notes:
                notes.append("workstation")
            rest = rest[: desk.start()] + rest[desk.end():]
        while ws := _WORKSTATION.search(rest):
            workstation = ws.group(1)
            if "workstation" not in notes:
                notes.append("workstation")
            rest = rest[: ws.start()] + rest[ws.end():]
        hosted = False
        while host := _HOSTED_NAME.search(rest):
            hosted = True
            note = "hosted:" + host.group(1)
            if note not in notes:
                notes.append(note)
            rest = rest[: host.start()] + rest[host.end():]
        if not hosted and _HOSTED_WORD.search(rest) and fragment is not text:
            notes.append("hosted")
            rest = ""
        return rest

    def paren(m: re.Match[str]) -> str:
        inner = m.group(1)
        leftover = classify(inner)
        leftover = _NOISE_TAIL.sub("", leftover)
        if leftover and leftover == inner:
            notes.append("parenthetical:" + inner)
        elif leftover and len(leftover) > 1:
            notes.append("parenthetical:" + leftover)
        return ""

    if "(" in text:
        previous = None
        while previous != text and "(" in text:  # nested brackets: innermost first
            previous = text
            text = _PAREN.sub(paren, text)
    text = text.replace(")", "")
    if _CLUSTER.search(text) or "工位" in text or "秘书" in text or "托管" in text:
        text = classify(text)
    if text[-1:] in _NOISE_CHARS:
        text = _NOISE_TAIL.sub("", text)
    return text, notes, workstation


def _match_at(
    g: Gazetteer, s: str, pos: int, prov: Division | None, city: Division | None, level: int,
    hint: Division | None, full_only: bool,
) -> tuple[list[Division] | None, int, int]:
    """Longest division name starting at `pos` that fits the context: (candidates or None, characters consumed,
    reach). The answer depends on nothing at or after s[reach]; reach > len(s) when it depends on where s ends."""
    lengths = g.lengths.get(s[pos:pos + 2])
    if lengths is None:
        return None, 0, pos + 2
    context = prov is not None or city is not None or hint is not None
    room = len(s) - pos
    reach = pos + lengths[0]  # the longest length is read, or found not to fit (then reach > len(s))
    for length in lengths:
        if length > room:
            continue
        sub = s[pos:pos + length]
        nxt = s[pos + length:pos + length + 1]
        cands = g.full.get(sub)
        is_short = False
        if cands is None and not full_only:
            cands = g.short.get(sub)
            is_short = True
        if not cands:
            continue
        if city is not None:  # _compatible, inlined: this is the innermost loop of the parser
            cands = [d for d in cands if d.level > level and d.province == city.province
                     and (d.level != 3 or d.city == city.city)]
        elif prov is not None:
            cands = [d for d in cands if d.level > level and d.province == prov.province]
        elif level:
            cands = [d for d in cands if d.level > level]
        if is_short:
            reach = max(reach, pos + length + 3)  # the checks after the name read up to 3 characters
            after = s[pos + length + 1:pos + length + 2]
            if nxt in _ROAD_SUFFIX_CHARS or (nxt == "大" and after in ("道", "街")) or (
                    nxt in "东南西北中" and after in _ROAD_SUFFIX_CHARS):  # 望江西路, 大庆北路 are roads,
                reach = max(reach, pos + length + g.max_len + 4)  # but 台州路桥区 is 台州 + 路桥区
                if not _child_follows(g, s, pos + length, cands, level):
                    continue
            if not context:  # a bare short county name (海盐, 东阳) only when it names one county in the country,
                # and not when a road name ends right after it (天台山西路, 余杭塘路, 滨海二路 are roads)
                reach = max(reach, pos + length + 4)
                cands = [d for d in cands if d.level < 3] or (
                    cands if len(cands) == 1 and length >= 2 and not _ROAD_AHEAD.match(s, pos + length) else [])
        if not cands:
            continue
        consumed = length
        if is_short and nxt in _ADMIN_SUFFIX_CHARS:
            consumed += 1
        elif is_short and s.startswith("地区", pos + length):
            consumed += 2
        elif is_short and s.startswith(("自治区", "自治州"), pos + length):  # 宁夏自治区
            consumed += 3
        return cands, consumed, reach
    return None, 0, reach


def _child_follows(g: Gazetteer, s: str, pos: int, cands: list[Division], level: int) -> bool:
    """Whether a division inside one of `cands` is named at `pos` (台州 then 路桥区, 哈尔滨 then 道里区): then a short
    name run together with its child is not a road name (台州路). Asked only where a road word follows a short
    name, so the recursion stays off the hot path."""
    for d in cands:
        if d.level >= 3 or d.level <= level:
            continue
        prov = g.province_of(d) if d.level == 1 else None
        city = d if d.level == 2 else None
        found = _match_at(g, s, pos, prov, city, d.level, None, full_only=False)[0]
        if found and any(c.province == d.province and (d.level == 1 or c.city == d.city) for c in found):
            return True
    return False


def _pick(cands: list[Division], hint: Division | None) -> list[Division]:
    if len(cands) > 1 and hint is not None:
        near = [d for d in cands if d.code.startswith(_prefix(hint))] or [
            d for d in cands if d.province == hint.province
        ]
        if near:
            cands = near
    if len(cands) > 1:
        top = min(d.level for d in cands)
        cands = [d for d in cands if d.level == top]
    return cands


def _prefix(d: Division) -> str:
    return d.code[: 2 * d.level]


def _resolve_hint(g: Gazetteer, hint: str | None) -> Division | None:
    if not hint:
        return None
    digits = "".join(ch for ch in str(hint) if ch.isdigit())[:6]
    for size in (6, 4, 2):
        if len(digits) >= size:
            d = g.by_code.get(digits[:size].ljust(6, "0"))
            if d is not None:
                return d
    return None


def _region_at(g: Gazetteer, s: str, pos: int, prov: Division | None):
    """A Hong Kong / Macao region name (九龙, 新界) at `pos` inside its own province, unless a longer district
    name starts there (九龙城区): (name, region) or None."""
    if prov is None or prov.province not in ("81", "82"):
        return None
    for name, r in g.regions.items():
        if r.province == prov.province and s.startswith(name, pos):
            longer = _match_at(g, s, pos, prov, None, 1, None, full_only=False)
            return None if longer[0] is not None and longer[1] > len(name) else (name, r)
    return None


def _walk_admin(
    g: Gazetteer, s: str, hint: Division | None
) -> tuple[tuple[Division | None, Division | None, Division | None, str | None, int], int]:
    """(province, city, district, ambiguous district name, end position) for the admin prefix of `s`, and the
    walk's reach: the result depends on s[:reach] only, or on all of s when reach > len(s)."""
    prov = city = dist = None
    ambiguous: str | None = None
    pos, level = 0, 0
    start_found = False
    lengths = g.lengths
    reach = 1  # even an empty s: that it is empty decides the result
    for start in range(0, min(len(s), 24)):
        reach = max(reach, start + 2)
        if s[start:start + 2] not in lengths:
            continue
        m = _match_at(g, s, start, None, None, 0, hint, full_only=start > 0)
        reach = max(reach, m[2])
        if m[0] is not None and start > 0:  # 浦沿街道香港东路, 塘栖镇澳门路: a road named after a place, not Hong Kong
            reach = max(reach, start + m[1] + 2)
            nxt = s[start + m[1]:start + m[1] + 1]
            if nxt in _ROAD_SUFFIX_CHARS or (nxt in "东南西北中大" and s[start + m[1] + 1:start + m[1] + 2] in
                                             _ROAD_SUFFIX_CHARS):
                continue
        if m[0] is not None and (start == 0 or len(m[0]) == 1 or m[0][0].level == 1):
            pos, start_found = start, True
            break
    if not start_found:
        return (None, None, None, None, 0), reach
    while level < 3:
        reach = max(reach, pos + 3)  # pos < len(s), 市辖区, the separator and the character after it
        if pos >= len(s):
            break
        if s.startswith("市辖区", pos):
            pos += 3
            continue
        if s[pos] in _ADMIN_SEPARATORS and pos + 1 < len(s):  # 浙江省,武义县 / 四川/成都市
            pos += 1
            continue
        if prov is not None and prov.province in ("81", "82"):
            reach = len(s) + 1  # Hong Kong / Macao regions: rare, their reads are not tracked
        region = _region_at(g, s, pos, prov)
        if region is not None:
            name, r = region
            after = _match_at(g, s, pos + len(name), prov, city, level, hint, full_only=False)
            pos += len(name)
            if after[0] is None and r.default is not None:
                dist, city, prov = r.default, g.city_of(r.default), g.province_of(r.default)
                break
            continue
        m = _match_at(g, s, pos, prov, city, level, hint, full_only=False)
        reach = max(reach, m[2])
        if m[0] is None and level == 2 and s[pos - 1:pos] == "市":
            # 青岛市南区: the city's 市 is also the first character of its district 市南区
            m = _match_at(g, s, pos - 1, prov, city, level, hint, full_only=True)
            reach = max(reach, m[2])
            pos -= m[0] is not None
        cands, consumed, _ = m
        if cands is not None and level == 0 and hint is not None and s[pos + consumed:pos + consumed + 1] in "镇乡街":
            reach = max(reach, pos + consumed + 3)
            if _township_not_county(g, s, pos, consumed, cands, hint):
                break  # 石柱镇 of a company registered in Zhejiang: the township (read after the walk), not 石柱县
        if cands is None and any(d is not None and s.startswith(d.name[:2], pos) for d in (prov, city)):
            # 台州台州市路桥区, 浙江省温州市浙江温州市龙湾区: a level already read, written again
            again = _match_at(g, s, pos, None, None, 0, None, full_only=False)
            reach = max(reach, again[2])
            if again[0] is not None and any(d in (prov, city) for d in again[0]):
                pos += again[1]
                continue
        if cands is None:
            break
        cands = _pick(cands, hint)
        if len(cands) > 1:
            ambiguous = s[pos:pos + consumed]
            pos += consumed
            break
        d = cands[0]
        pos += consumed
        level = d.level
        if d.level == 1:
            prov = d
        elif d.level == 2:
            city, prov = d, g.province_of(d)
        else:
            dist, city, prov = d, g.city_of(d), g.province_of(d)
    return (prov, city, dist, ambiguous, pos), reach


class _WalkMemo:
    """Admin walks of one batch and hint, keyed by the prefix each walk read: addresses sharing 浙江省杭州市西湖区
    share one walk. A stored prefix of a new text gives that text's walk exactly (see _walk_admin's reach)."""

    __slots__ = ("results", "reaches")

    def __init__(self) -> None:
        self.results: dict[str, tuple] = {}
        self.reaches: list[int] = []  # the distinct prefix lengths stored, first seen first (real data: <= 6)

    def walk(self, g: Gazetteer, s: str, hint: Division | None) -> tuple:
        results = self.results
        for n in self.reaches:
            found = results.get(s[:n])
            if found is not None:
                return found
        walked, reach = _walk_admin(g, s, hint)
        if reach <= len(s) and (reach in self.reaches or len(self.reaches) < 16):  # bounded lookups
            results[s[:reach]] = walked
            if reach not in self.reaches:
                self.reaches.append(reach)
        return walked


def _township_not_county(g: Gazetteer, s: str, pos: int, consumed: int, cands: list[Division], hint: Division) -> bool:
    """Whether the short county name at `pos`, written first and run on into 镇/乡/街道, is rather the first part of a
    township of that name in the registering authority's region (`hint`): 石柱镇 names the county 石柱县 (Chongqing)
    by its short name and also three towns elsewhere (Zhejiang, Hunan, Shaanxi). A county that holds such a
    township, or lies in the hint's province, keeps the county reading."""
    name = s[pos:pos + consumed]
    if name in g.full or any(d.level != 3 for d in cands):
        return False
    names = townships().names
    towns = [d for word in ("街道", "镇", "乡") if s.startswith(word, pos + consumed)
             for d in names.get(name + word, ())]
    if not towns or any(t in cands for t in towns) or any(d.province == hint.province for d in cands):
        return False
    return any(t.province == hint.province for t in towns)


def _township_district(
    s: str, pos: int, prov: Division | None, city: Division | None, hint: Division | None
) -> Division | None:
    """The district of the township (街道/镇/乡, township development zone) named at `pos`, when the context
    (parsed province/city, else the hint) leaves exactly one; the longest name decides, a shorter one never
    overrides an ambiguous longer one."""
    t = townships()
    room = len(s) - pos
    for length in t.lengths.get(s[pos:pos + 2], ()):
        cands = t.names.get(s[pos:pos + length]) if length <= room else None
        if cands is None:
            continue
        nxt = s[pos + length:pos + length + 1]
        if nxt in _ROAD_SUFFIX_CHARS or nxt == "大":  # 金华镇路 is a road
            return None
        if city is not None:
            cands = [d for d in cands if d.city == city.city]
        elif prov is not None:
            cands = [d for d in cands if d.province == prov.province]
        if len(cands) > 1 and hint is not None:  # the registering authority's district, else its city or province
            cands = next((near for size in (6, 4, 2) if size <= 2 * hint.level
                          if (near := [d for d in cands if d.code[:size] == hint.code[:size]])), [])
        return cands[0] if len(cands) == 1 else None
    return None


def _apply_hint(
    g: Gazetteer, prov: Division | None, city: Division | None, dist: Division | None, hint: Division | None
) -> tuple[Division | None, Division | None, Division | None]:
    """Deepen the parsed levels from the registration hint when the hint lies inside what was parsed."""
    if hint is None:
        return prov, city, dist
    finest = dist or city or prov
    if finest is not None and not hint.code.startswith(_prefix(finest)):
        return prov, city, dist
    if finest is not None and finest.level >= hint.level:
        return prov, city, dist
    if hint.level == 1:
        return hint, None, None
    if hint.level == 2:
        return g.province_of(hint), hint, None
    return g.province_of(hint), g.city_of(hint), hint


def _bare_slots(count: int, slots: list[int], at_end: bool, first: str) -> list[int]:
    """Which of the open levels (0 building, 1 unit, 2 floor, 3 room) a run of `count` bare numbers fills."""
    if count >= len(slots):
        return slots[:count]
    if not at_end:  # bare numbers before a labelled one fill the outer levels: B12-1195室, 2-10层
        return slots[:count]
    if count == 1:  # a lone bare number at the end: a room when it has 3+ digits or no building can be open
        return [slots[-1]] if (slots[-1] == 3 and (len(first.strip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) >= 3
                                                    or slots[0] != 0)) else [slots[0]]
    # 47-6-746: building, unit, room; 3-1105: building, room; 6-5-3-1112 fills all four
    head = slots[: count - 1]
    if len(head) == count - 1 and 2 in head and count - 1 < len(slots) - 1:
        head = [x for x in slots[:-1] if x != 2][: count - 1]
    return head + [slots[-1]]


@lru_cache(maxsize=1 << 16)  # tails repeat across addresses (1203室, 3幢1703室): the answer depends on these two only
def _parse_tail(tail: str, has_number: bool) -> tuple[str, tuple[str | None, ...], str | None]:
    """(the text before the structured part, (building, unit, floor, room), a door number) of `tail`.

    The structured part is every block of labelled or bare digit runs; a block with text after it (a shop
    name, 门卫) counts only when it holds a unit word, a 号 or a dash, so digits inside names (7天酒店) do not."""
    levels: list[str | None] = [None, None, None, None]
    if not _HAS_DIGIT.search(tail) and "栋" not in tail:  # four tails in ten: nothing to read, said cheaply
        return tail, tuple(levels), None
    end = len(tail)
    blocks = [m for m in _BLOCK.finditer(tail) if m.end() == end or _MARKED.search(m.group(0))]
    if not blocks:
        return tail, tuple(levels), None
    head = tail[: blocks[0].start()]
    door = None
    cursor = 0
    for n, block in enumerate(blocks):
        text = block.group(0)
        after_number = has_number and n == 0 and block.start() == 0
        tokens = _TAIL_TOKEN.findall(text)
        if tokens[0][1] == "号" and not has_number and n == 0 and not _UNITS_INSIDE.search(head):
            door = tokens[0][0]  # 花塘村西店陆186号, 芙蓉新村161号407: the door number of a place with no road
            tokens = tokens[1:]
            if not tokens:
                continue
        if tokens[-1][1] == "号":
            # after a road number a lone N号 is the building on that lot (210号12号) or in an estate on it; in a
            # building or market, after a building, or in a place with no road (中国毛衫城2163号), a room
            lot = len(tokens) == 1 and cursor == 0 and has_number and (
                after_number or not _UNITS_INSIDE.search(tail, 0, block.start()))  # 某小区5号; 某大厦1403号 is a room
            tokens[-1] = (tokens[-1][0], "栋" if lot else "室")
        for k in range(len(tokens) - 1):  # 8号3单元: 号 before more is a building; 11栋11号12楼: after one, a unit
            if tokens[k][1] == "号":
                inside = cursor > 0 or any(u == "栋" for _, u in tokens[:k])
                tokens[k] = (tokens[k][0], "单元" if inside else "栋")
        if after_number and text.startswith("-") and not tokens[0][1]:
            tokens[0] = (tokens[0][0], "栋")  # 344-110, 1130号-24: a sub-number of the lot
        if len(tokens) >= 2 and tokens[-1][1] == "室" and not tokens[-2][1] and _is_room_range(tokens[-2][0],
                                                                                             tokens[-1][0]):
            tokens[-2:] = [(tokens[-2][0] + "-" + tokens[-1][0], "室")]  # 1705-1708室: one room range
        first = _LEVEL_OF.get(tokens[0][1]) if tokens[0][1] else None
        if n and first is not None and first < cursor:
            levels, cursor = [None, None, None, None], 0  # 6号杭州大厦B座: the first block was part of a name
        i = 0
        while i < len(tokens):
            if tokens[i][1]:
                level = _LEVEL_OF[tokens[i][1]]
                if levels[level] is None:
                    levels[level] = tokens[i][0]
                cursor = max(cursor, level + 1)
                i += 1
                continue
            j = i
            while j < len(tokens) and not tokens[j][1]:
                j += 1
            stop = _LEVEL_OF[tokens[j][1]] if j < len(tokens) else 4
            if j == len(tokens) and j - i == 2 and levels[3] is None and _is_room_range(tokens[i][0], tokens[i + 1][0]):
                levels[3] = tokens[i][0] + "-" + tokens[i + 1][0]  # 1103-2, 105-110: a room and its part or range
                break
            if j == len(tokens) and j - i == 1 and levels[0] is None and cursor == 0 and _LETTER_ROOM.fullmatch(
                    tokens[i][0]):
                levels[0], levels[3] = tokens[i][0][0], tokens[i][0][1:]  # 大厦C1215: building C, room 1215
                break
            slots = list(range(cursor, max(cursor, stop)))
            if slots:
                chosen = _bare_slots(j - i, slots, j == len(tokens), tokens[i][0])
                for level, (value, _) in zip(chosen, tokens[i:j], strict=False):
                    levels[level] = value
                cursor = max(chosen[: j - i]) + 1
            i = j
    return head, tuple(levels), door


def _is_road_name(road: str) -> bool:
    core = _ROAD_CORE.match(road)
    if core is None:
        return False
    name = core.group(1)
    return (len(name) >= 2 and not _NOT_A_NAME.fullmatch(name)) or any("0" <= c <= "9" for c in name)


@lru_cache(maxsize=1)
def _township_stems() -> frozenset[tuple[str, str | None]]:
    """(township name less its 街道/镇/乡, city code) of every township: one set lookup where _first_road asks
    whether a road starts with a township of its city."""
    stems = set()
    for name, divisions in townships().names.items():
        for word in ("街道", "镇", "乡"):
            if name.endswith(word):
                stems.update((name[: -len(word)], d.city) for d in divisions)
    return frozenset(stems)


@lru_cache(maxsize=1 << 16)  # roads repeat across a batch's addresses; the answer depends on these two only
def _first_road(text: str, city: str | None = None) -> str:
    """The road of a road match: what follows the last township/zone/park/village word (as long as a road name is
    left: 西湖科技园西园七路, not 七路), less a township named without its word, and the first of two roads
    (开元北街思源路: a road, then a lane of it)."""
    road = text
    for m in reversed(list(_ROAD_CUT.finditer(text))):
        if _is_road_name(text[m.end():]):
            road = text[m.end():]
            break
    if city is not None:  # a township of this city written without 街道/镇/乡 (下沙学林街); only inside a known city
        stems = _township_stems()
        for n in (4, 3, 2):
            head = road[:n]
            if n < len(road) and (head, city) in stems and _is_road_name(road[n:]):
                road = road[n:]
                break
    first = _FIRST_ROAD.match(road)
    if first and first.end() < len(road) and "段" not in road[first.end():] and _is_road_name(first.group(0)):
        return first.group(0)
    return road


def _after_phase(rest: str, start: int, road: str) -> str:
    """`road` less a phase or zone word left of a number before it: a road name holds no digit, so in
    软件园2期望海路 (二期, made 2期) the road match starts after the 2 and reads 期望海路; the road is 望海路."""
    if road[:1] in ("期", "区") and start and rest[start - 1].isdigit() and _is_road_name(road[1:]):
        return road[1:]
    return road


def _parse_detail(rest: str, city: str | None = None) -> tuple[str | None, ...]:
    """(road, number, poi, building, unit, floor, room) of the text after the admin prefix."""
    road = number = None
    town = _TOWN.match(rest)
    if town:
        rest = rest[town.end():]
    elif rest[:1] in ("镇", "乡"):  # 龙港镇: the short county name was read, its township word is left
        rest = rest[1:]
    rest = _DIGIT_SEPARATOR.sub("-", rest)
    tail = rest
    # Each pattern runs only when the character it must contain or end with is there (same result, less work).
    hint = _ROAD_NUMBER_HINT.search(rest) if "号" in rest or "弄" in rest else None
    m = _ROAD_NUMBER.search(rest, max(0, hint.start() - _HINT_BACK)) if hint else None
    if m is None:
        hint = _ROAD_BARE_HINT.search(rest)
        m = _ROAD_BARE_NUMBER.search(rest, max(0, hint.start() - _HINT_BACK)) if hint else None
    if m:
        road = _first_road(_after_phase(rest, m.start(), m.group(1)), city)
        tail = rest[m.end():]
        number = m.group(2)
        if m.re is _ROAD_NUMBER:
            if m.group(4) == "弄":
                number += m.group(3) + "弄"
            elif m.group(3):  # 合兴路84-66号: door 84, building 66 on its lot
                tail = m.group(3) + "号" + tail
    else:
        hint = _ROAD_HINT.search(rest)
        r = _ROAD.search(rest, max(0, hint.start() - _HINT_BACK)) if hint else None
        if r:
            road = _first_road(_after_phase(rest, r.start(), r.group(1)), city)
            tail = rest[r.end():]
    if tail[-1:] in _NOISE_CHARS:
        tail = _NOISE_TAIL.sub("", tail)
    poi, building, unit, floor, room, door = _tail_fields(tail, number is not None)
    if door is not None and number is None:
        number = door
    return road, number, poi, building, unit, floor, room


# A virtual seat written after a room of 3-5 digits (cluster registration gives each hosted company one: 1201室-023,
# 1201室A23, 1201-023, 1201-A23, 1923单元-669号, 1201室之一): the companies sit in the room, the seat tells them apart.
# Only where the text says so: after a room word, a zero-padded number (no room starts with 0) or a dashed letter;
# a bare 143-892 is building 143, room 892 of an estate, and 1388B39 a market's stall (real labelled addresses).
_DESK_AFTER_ROOM = re.compile(
    r"(?<![0-9])([1-9][0-9]{2,4})(室|单元)?(?:(-?)([A-Z][0-9]{1,3})|-([0-9]{1,3})号?|之[零一二三四五六七八九十百千]+)$"
)


def _without_desk(tail: str) -> str:
    """`tail` less a seat number after its room."""
    m = _DESK_AFTER_ROOM.search(tail)
    if m is None:
        return tail
    room_word, dash, letter_seat, number_seat = m.group(2), m.group(3), m.group(4), m.group(5)
    # right after a labelled building (6幢-1540-106号) a number of 3-5 digits is no building and no stairwell unit
    # (those number 1-2 digits): the room, and a three-digit number after it its seat
    after_building = tail[: m.start()].rstrip("-").endswith("栋") and not (
        number_seat and _is_room_range(m.group(1), number_seat))  # A座801-805: a range of rooms
    if not room_word and ((letter_seat and not dash) or (number_seat and not (
            len(number_seat) == 3 and (number_seat.startswith("0") or after_building)))):
        return tail
    return tail[: m.start()] + m.group(1) + (room_word or "")


def _tail_fields(tail: str, has_number: bool) -> tuple[str | None, ...]:
    """(poi, building, unit, floor, room, door number) of the text after the road and its number."""
    if "-" in tail or "之" in tail or _SEAT_LETTER.search(tail):
        tail = _without_desk(tail)
    written = tail
    tail, (building, unit, floor, room), door = _parse_tail(tail, has_number)
    if unit and not room and _ROOM_LIKE_UNIT.fullmatch(unit):
        # 1203单元 is an office's room (a stairwell's 单元 numbers 1-2 digits): with no room after it, the room
        unit, room = None, unit
    if room and floor and floor.isdigit() and floor[0] != "0" and (
            _FLOOR_ROOM.fullmatch(room) or (len(room) == 2 and room.isdigit() and f"{room}室" in written)):
        # 15楼08室, 31层02室, 19F02号, 29楼13室: room 08 of floor 15 is 1508, as 1508室 writes it; 2楼37号 is a
        # market's stall 37, not room 237 (real labelled addresses), so a two-digit number joins only as a 室
        room = floor + room
    if room and not floor and _FLOOR_OF_ROOM.fullmatch(room):
        # 1203 is on floor 12: derive it so that `12层1203室` and `1203室` give the same room_key (inference); D1203
        # too, as D座1203室 writes it.
        floor = str(int(room.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")[:-2]))
    poi = (_NOISE_TAIL.sub("", tail) if tail[-1:] in _NOISE_CHARS else tail).strip("-")
    return poi or None, building, unit, floor, room, door


def _parse_one(g: Gazetteer, text: str, hint: Division | None, memo: _WalkMemo | None = None) -> tuple:
    if text[:1] in _PREFIX_NOISE_FIRST:  # the pattern is anchored: only these first characters can start it
        text = _PREFIX_NOISE.sub("", text)
    if "市辖区" in text:  # 601市辖区#: once it is out, the unit word follows its number
        text = _unify(text.replace("市辖区", ""))
    before = text
    text, notes, workstation = _extract_notes(text)
    if text != before:  # 601(集群注册)# : the unit word now follows its number
        if not text.isascii():  # C(集群注册)¸: a combining mark now follows the letter it composes with
            text = unicodedata.normalize("NFKC", text)
        text = _unify(text)
    if text[:1] in _PREFIX_NOISE_FIRST:  # a note may have stood before the country name
        text = _PREFIX_NOISE.sub("", text)
    walked = memo.walk(g, text, hint) if memo is not None else _walk_admin(g, text, hint)[0]
    prov, city, dist, ambiguous, end = walked
    if dist is None and ambiguous is None and end < len(text):
        town_dist = _township_district(text, end, prov, city, hint)
        if town_dist is not None:
            dist, city, prov = town_dist, g.city_of(town_dist), g.province_of(town_dist)
    prov, city, dist = _apply_hint(g, prov, city, dist, hint)
    if prov is not None and city is None and prov.province in _NO_CITY_LEVEL:
        city = g.by_code[prov.province + "0100"]
    rest = text[end:]
    if rest.startswith("市辖区"):
        rest = rest[3:]
    head = rest[:2]
    if end and ((prov is not None and prov.name.startswith(head)) or (city is not None and city.name.startswith(head))
                or (dist is not None and dist.name.startswith(head))):
        # 诸暨市诸暨市永兴路, 嘉善县浙江省嘉兴市嘉善县姚庄镇: levels written again
        for _ in range(4):
            again = _match_at(g, rest, 0, None, None, 0, None, full_only=False)
            if again[0] is None or not any(d in (prov, city, dist) for d in again[0]) or again[1] >= len(rest):
                break
            rest = rest[again[1]:].lstrip("-,，")
    road, number, poi, building, unit, floor, room = _parse_detail(rest, city.city if city else None)
    finest = dist or city or prov
    adcode = finest.code if finest else None
    district_name = dist.name if dist else ambiguous
    city_name = city.name if city else None

    site_key = building_key = room_key = None
    if adcode is not None and (dist is not None or city is not None):
        if road and number:
            site_key = f"{adcode}|{road}|{number}"
        elif poi:  # a place with no road: its own door number, when written, tells its lots apart
            site_key = f"{adcode}|{poi}|{number}" if number else f"{adcode}|{poi}"
    if site_key is not None:
        key_building, key_unit, key_room = key_parts(building, unit, room)
        building_key = f"{site_key}|{key_building}"
        if room or floor:
            room_key = f"{building_key}|{key_unit}|{floor or ''}|{key_room}"
    head = ""
    if prov is not None:
        head += prov.name
    if city_name and city_name != (prov.name if prov else None):
        head += city_name
    if dist is not None:
        head += dist.name
    elif ambiguous:
        head += ambiguous
    normalized = head + rest
    return (
        prov.name if prov else None, city_name, district_name, adcode,
        road, number, poi, building, unit, floor, room,
        workstation, site_key, building_key, room_key, normalized or None, notes,
    )


def key_parts(building: str | None, unit: str | None, room: str | None) -> tuple[str, str, str]:
    """(building, unit, room) as the keys write them. A block letter and its room are one room however written:
    9幢D座1118室 (unit D, room 1118) and 9幢D1118室 (room D1118) key block D's room 1118, so a floor key (the room
    key less its room) still tells block C's 11th floor from block D's; with no building before it, A605室 is room
    605 of block A as A座605室 writes it, and B座B126室 is B座126室."""
    building, unit, room = building or "", unit or "", room or ""
    if not unit and len(room) > 1 and "A" <= room[0] <= "Z" and room[1:].isdigit():
        letter, room = room[0], room[1:]
        if not building:
            building = letter
        elif building != letter:
            unit = letter
    return building, unit, room


def _list_column(name: str, col: Sequence[list[str]]) -> pl.Series:
    """A list[str] column from Python lists, most of them empty. polars would build one Series per row, and
    pyarrow's `pa.array` imports pandas when it is installed (a third of a second for a short CLI run): the
    values go in flat, regrouped by row index."""
    n = len(col)
    rows = [i for i, notes in enumerate(col) if notes]
    flat = [v for i in rows for v in col[i]]
    index = np.repeat(np.asarray(rows, dtype=np.int64), [len(col[i]) for i in rows])
    lists = pl.DataFrame({"_i": index, name: pl.Series(flat, dtype=pl.String)}).group_by("_i").agg(pl.col(name))
    frame = pl.DataFrame({"_i": np.arange(n, dtype=np.int64)}).join(lists, on="_i", how="left").sort("_i")
    return frame[name].fill_null(pl.lit([], dtype=pl.List(pl.String))).alias(name)


def parse_addresses(
    values: Sequence[str | None] | pl.Series, hints: Sequence[str | None] | None = None
) -> pl.DataFrame:
    """One row per input value, in input order; never raises on string input. See COLUMNS."""
    # A batch allocates about a million small acyclic objects (row tuples, note lists, cache keys) that all die
    # when _parse_batch returns. With the cyclic collector paused until then none of them is ever scanned;
    # resumed any earlier, its next collection scans all of them (0.3-1 s at 276k values).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_batch(values, hints)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_batch(values: Sequence[str | None] | pl.Series, hints: Sequence[str | None] | None) -> pl.DataFrame:
    from .address_fast import parse_fast  # it builds on this module's helpers

    raw = to_text_list(values)
    hint_list = to_text_list(hints) if hints is not None else [None] * len(raw)
    if len(hint_list) != len(raw):
        raise ValueError("hints must have the same length as values")
    g = gazetteer()
    texts = _unify_units(canonical_batch(raw))
    divisions = {code: _resolve_hint(g, code) for code in set(hint_list)}
    memos = {code: _WalkMemo() for code in divisions}
    fast, slow = parse_fast(g, texts, hint_list, divisions, memos)
    rows = []
    # Values that canonicalise alike (full-width digits, 號/号) are parsed once per call. The cache lives only
    # for the call: a batch job that kept it would hold every address it ever parsed.
    cache: dict[tuple[str, str | None], tuple] = {}
    for i in slow:
        text, hint = texts[i], hint_list[i]
        key = (text, hint)
        row = cache.get(key)
        if row is None:
            row = _parse_one(g, text, divisions[hint], memos[hint]) if text else (None,) * 16 + ([],)
            cache[key] = row
        rows.append(row)
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(COLUMNS) - 1)
    data: dict[str, pl.Series] = {"_row": pl.Series("_row", slow, dtype=pl.UInt32)}
    for name, col in zip(COLUMNS[1:], columns, strict=True):
        if name == "notes":
            data[name] = _list_column(name, col)
        else:
            data[name] = pl.Series(name, col, dtype=pl.String)
    slow_frame = pl.DataFrame(data)
    fast = fast.with_columns(notes=pl.lit([], dtype=pl.List(pl.String)))
    merged = pl.concat([slow_frame, fast.select(slow_frame.columns)]).sort("_row")
    return merged.drop("_row").insert_column(0, pl.Series("input", raw, dtype=pl.String))
