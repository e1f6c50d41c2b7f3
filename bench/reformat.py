"""Metamorphic rewriter: the same records of a demo extract pair, each value written in another format that Chinese
registries and bank systems use for the SAME value (a human reader would say it is the same phone, date, room).

A job run on the rewritten extracts must give the clusters of the original ones: any difference is a format the
normalisers do not read. Each cell is rewritten only when its value is recognised unambiguously (a mobile, a
landline with its area code, an 18-character ID...); others are copied as they are, and the rewrite rate per
column is reported. The variant is drawn per cell from a seeded RNG.

Forms, per family, and why each is the same value (DOMAIN.md §3 identifiers, §4 addresses, §5 names):
- phone: mobiles as 138 1234 5678 / 138-1234-5678 / +86 138... / +86-138-1234-5678 / 0086 / 86- / (+86) /
  full-width digits (§3: "strip +86, 0086, leading 86, spaces and dashes"); landlines as 0571-88123456 /
  (0571)88123456 / （0571）88123456 / 0571 8812 3456 / 057188123456 / +86 571 8812 3456 / +86-571-88123456 /
  0086-571-... / 86-0571-... / full-width, extensions after 转, 分机, 分机号, -, ext., ext, Ext:, #, (转801)
  (§3: "extension after -, 转, 分机, ext"). A landline without its area code is never written: it is not the same
  value without a hint.
- id: resident IDs with a lower-case x (§3: "upper-case x before checking"), full-width digits, grouped 6-8-4 with
  spaces or dashes, an Excel text marker (a leading ' or tab, what bank exports carry to keep 18 digits as text).
- uscc: lower case, full-width, grouped by its parts (2-6-9-1) or in fours, the Excel text marker.
- date: 2024-03-05 / 2024/3/5 / 2024-3-5 / 2024/03/05 / 2024年3月5日 / 2024年03月05日 / 20240305 / 2024.03.05 /
  2024.3.5, with a time part (00:00:00, a time of that day, T10:23:45, T10:23:45+08:00 as systems export it, Excel's
  2024/3/5 10:23, 10时23分45秒), full-width digits.
- capital (in 10k CNY, the registry's unit): 100万元 / 100万元人民币 / 人民币100万元 / 100万人民币 / 100 万 /
  100.000000万人民币 (the registry's own six decimals) / 1000000元 / 1,000,000.00元 / 1000000元人民币 / 人民币100万元整
  (整: "exactly", as forms write it), full-width, in capital numerals (大写: 壹佰万元整 / 人民币壹佰万元 /
  壹佰万圆整, as licences, bank forms and cheques write amounts) and common ones (一百万元).
  A bare number stays a bare number in 10k CNY (the column's unit): 1000000 without 元 would be another value.
- address: full-width digits and letters (§4 NFKC), （）vs (), spaces between parts, building 幢/栋/号楼 swapped
  (§4: all three are the building), building and door numbers in Chinese numerals (§4: numerals directly before
  号/栋/幢/楼/层/室), the floor written before the room (12层1201室, 12楼1201室, 十二层1201室), room 室/房/户 (§4: all
  three are the room), the province (or province and city) left out or the province shortened (浙江杭州市...),
  a lettered building before its room with a dash (C座1201室 -> C-1201室), a township without its province, city
  and county (庄市街道秦淮河路153号: the registering authority's region places it, §4).
- name: （）vs () and full-width letters in company names (§4/§5 NFKC), a space after a person's surname, the
  minority-name separator · as •, ．or . (§5: "normalise all of them").
- space: leading/trailing spaces, ideographic spaces, no-break spaces and tabs around any cell.

Usage: python bench/reformat.py SRC_DIR OUT_DIR [--families phone date ...] [--seed 1] [--rate 1.0]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from shellring.flows.demo.render import cn_number
from shellring.flows.pipeline.columns import header_lookup

FAMILIES = ("phone", "id", "uscc", "date", "capital", "address", "name", "space")
# canonical column -> family (the space family covers every column)
COLUMN_FAMILY = {
    "phone": "phone", "agent_phone": "phone", "contact_phone": "phone",
    "legal_rep_id": "id", "agent_id": "id",
    "uscc": "uscc",
    "reg_date": "date", "open_date": "date",
    "reg_capital": "capital",
    "reg_address": "address", "contact_address": "address",
    "company_name": "name", "legal_rep_name": "name", "agent_name": "name",
}
_FW = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#()"}
_TWO_DIGIT_AREAS = {"10", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"}


def fullwidth(text: str) -> str:
    return text.translate(_FW)


# ---------------------------------------------------------------- phones

_INTL = re.compile(r"^(?:\+86|0086|\(\+86\))[\s-]?")
_EXT = re.compile(r"(?:转|分机|ext\.?|x|#|-)\s*(\d{1,6})\)?$", re.IGNORECASE)


def read_phone(text: str) -> tuple[str, str, str] | None:
    """('m', mobile, '') or ('l', area without 0, local, ext) of a value written in one recognisable way."""
    t = unicodedata.normalize("NFKC", text).strip()
    t = _INTL.sub("", t)
    bare = re.sub(r"[\s-]", "", t)
    if re.fullmatch(r"(?:86)?1[3-9]\d{9}", bare):
        return ("m", bare[-11:], "")
    m = re.fullmatch(r"\(?0(\d{2,3})\)?[\s-]?(\d{3,4})[\s-]?(\d{4})(?:(?:转|分机|ext\.?\s?|-|#)(\d{1,6}))?", t,
                     re.IGNORECASE)
    if not m:
        return None
    area, local, ext = m.group(1), m.group(2) + m.group(3), m.group(4) or ""
    if area[:2] in _TWO_DIGIT_AREAS and len(area) == 3:
        area, local = area[:2], area[2] + local
    if len(local) not in (7, 8) or local[0] in "01":
        return None
    return ("l", area, local, ext)


def write_phone(rng: random.Random, text: str) -> str | None:
    parsed = read_phone(text)
    if parsed is None:
        return None
    if parsed[0] == "m":
        m = parsed[1]
        a, b, c = m[:3], m[3:7], m[7:]
        return rng.choice([f"{a} {b} {c}", f"{a}-{b}-{c}", f"+86 {m}", f"+86-{a}-{b}-{c}", f"+86 {a} {b} {c}",
                           f"0086{m}", f"0086-{m}", f"86-{m}", f"(+86){m}", f"+86{m}", fullwidth(m)])
    _, area, local, ext = parsed
    head, tail = local[:-4], local[-4:]
    body = rng.choice([f"0{area}-{local}", f"(0{area}){local}", f"（0{area}）{local}", f"0{area} {local}",
                       f"0{area}{local}", f"0{area}-{head} {tail}", f"+86 {area} {head} {tail}", f"+86-{area}-{local}",
                       f"0086-{area}-{local}", f"86-0{area}-{local}", fullwidth(f"0{area}-{local}")])
    if ext:
        body += rng.choice([f"转{ext}", f"分机{ext}", f"-{ext}", f" ext.{ext}", f" ext {ext}", f"#{ext}",
                            f"（转{ext}）", f"(转{ext})", f"分机号{ext}", f" Ext:{ext}"])
    return body


# ---------------------------------------------------------------- identifiers


def write_id(rng: random.Random, text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not re.fullmatch(r"\d{17}[\dXx]", t):
        return None
    t = t.upper()
    forms = [fullwidth(t), f"{t[:6]} {t[6:14]} {t[14:]}", f"{t[:6]}-{t[6:14]}-{t[14:]}", f"'{t}", f"\t{t}"]
    if t.endswith("X"):
        forms += [t[:-1] + "x"] * 3
    return rng.choice(forms)


def write_uscc(rng: random.Random, text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not re.fullmatch(r"[0-9A-Z]{18}", t):
        return None
    return rng.choice([t.lower(), fullwidth(t), f"{t[:2]} {t[2:8]} {t[8:17]} {t[17]}",
                       " ".join(t[i:i + 4] for i in range(0, 18, 4)), f"'{t}", f"\t{t}",
                       t[:8] + t[8:].lower()])


# ---------------------------------------------------------------- dates

_DATE = re.compile(r"(\d{4})(?:[-/.年]?)(\d{1,2})(?:[-/.月]?)(\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def write_date(rng: random.Random, text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).strip()
    m = _DATE.fullmatch(t)
    if not m or (len(m.group(2)) + len(m.group(3)) < 4 and not re.search(r"\D", t[:10])):
        return None
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    iso = f"{y}-{mo:02d}-{d:02d}"
    hh, mm, ss = rng.randrange(8, 18), rng.randrange(60), rng.randrange(60)
    return rng.choice([iso, f"{y}/{mo}/{d}", f"{y}-{mo}-{d}", f"{y}/{mo:02d}/{d:02d}", f"{y}年{mo}月{d}日",
                       f"{y}年{mo:02d}月{d:02d}日", f"{y}{mo:02d}{d:02d}", f"{y}.{mo:02d}.{d:02d}", f"{y}.{mo}.{d}",
                       f"{iso} 00:00:00", f"{iso} {hh:02d}:{mm:02d}:{ss:02d}", f"{iso}T{hh:02d}:{mm:02d}:{ss:02d}",
                       f"{y}/{mo}/{d} {hh}:{mm:02d}", f"{y}年{mo}月{d}日 {hh:02d}:{mm:02d}:{ss:02d}",
                       fullwidth(iso), f"{iso} 00:00:00.000", f"{iso}T{hh:02d}:{mm:02d}:{ss:02d}+08:00",
                       f"{y}年{mo:02d}月{d:02d}日{hh:02d}时{mm:02d}分{ss:02d}秒"])


# ---------------------------------------------------------------- capital

_CAPITAL = re.compile(r"(?:人民币)?(\d+(?:\.\d+)?)\s*(万元人民币|万人民币|万元|万|元人民币|元|人民币)?")


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_capital(rng: random.Random, text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    m = _CAPITAL.fullmatch(t)
    if not m:
        return None
    amount = Decimal(m.group(1))
    wan = amount / 10000 if (m.group(2) or "").startswith("元") else amount
    yuan = wan * 10000
    if yuan != yuan.to_integral_value():
        return None
    v, y = _plain(wan), int(yuan)
    forms = [f"{v}万元", f"{v}万元人民币", f"人民币{v}万元", f"{v}万人民币", f"{v} 万", f"{wan:.6f}万人民币",
             f"{y}元", f"{y:,}.00元", f"{y}元人民币", fullwidth(f"{v}") + "万元", f"人民币{v}万元整"]
    if 0 < y < 10**12:  # in numerals: capital ones (大写) as licences and bank forms write them, and common ones
        forms += [cn_amount(y, capital=True) + "元整", "人民币" + cn_amount(y, capital=True) + "元",
                  cn_amount(y, capital=True) + "圆整", cn_amount(y) + "元"]
    return rng.choice(forms)


_CAPITAL_NUMERALS = str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟")


def cn_amount(n: int, capital: bool = False) -> str:
    """1000000 -> 一百万 (壹佰万 in capital numerals), 305000 -> 三十万五千, 1000500 -> 一百万零五百: sections of four
    digits before 亿 and 万, 零 where a section starts below its thousands after a higher one. Capital numerals
    keep the 壹 of 壹拾 (壹拾万), as cheques and forms write it."""
    sections, out = [], []
    while n:
        sections.append(n % 10000)
        n //= 10000
    for place, section in reversed(list(enumerate(sections))):
        if not section:
            continue
        if out and section < 1000:
            out.append("零")
        text = cn_number(section)
        if capital and text.startswith("十"):
            text = "一" + text
        out.append(text + ("", "万", "亿")[place])
    text = "".join(out)
    return text.translate(_CAPITAL_NUMERALS) if capital else text


# ---------------------------------------------------------------- addresses

_BUILDING = re.compile(r"(\d+)(幢|栋|号楼)")
_ROOM_END = re.compile(r"(?<![\d-])(\d{3,4})(室|房)?$")
_DOOR = re.compile(r"(\d+)号(?!楼|房|馆)")
_PROVINCE_CITY = re.compile(r"^(浙江省)([^省市区县]{2,3}市)?")


def _swap_building(rng: random.Random, t: str) -> str | None:
    m = _BUILDING.search(t)
    if not m:
        return None
    token = rng.choice([x for x in ("幢", "栋", "号楼") if x != m.group(2)])
    return t[:m.start()] + m.group(1) + token + t[m.end():]


def _cn_building(rng: random.Random, t: str) -> str | None:
    m = _BUILDING.search(t)
    if not m or int(m.group(1)) > 99 or m.group(1).startswith("0"):
        return None
    return t[:m.start()] + cn_number(int(m.group(1))) + m.group(2) + t[m.end():]


def _cn_door(rng: random.Random, t: str) -> str | None:
    m = _DOOR.search(t)
    if not m or int(m.group(1)) > 9999 or m.group(1).startswith("0"):
        return None
    return t[:m.start()] + cn_number(int(m.group(1))) + "号" + t[m.end():]


# 3240室托管号517: the number after a desk label is a hosted seat, not a room on a floor
_DESK = re.compile(r"托管|工位")


def _floor_room(rng: random.Random, t: str) -> str | None:
    m = _ROOM_END.search(t)
    if not m or _DESK.search(t) or not re.search(r"(幢|栋|号楼|座|号|大厦|中心|广场|园|楼)$", t[:m.start()]):
        return None
    room = m.group(1)
    floor = int(room[:-2])
    if floor == 0:
        return None
    floor_text = rng.choice([f"{floor}层", f"{floor}楼", f"{cn_number(floor)}层", f"{floor}F"])
    return t[:m.start()] + floor_text + room + (m.group(2) or "室")


def _letter_dash(rng: random.Random, t: str) -> str | None:
    """大厦C座1201室 -> 大厦C-1201室 (§4: a building letter, then the room)."""
    out = re.sub(r"(?<=[^\x00-\x7f])([A-Z])座(\d{3,4}室?)$", r"\1-\2", t)
    return out if out != t else None


def _room_word(rng: random.Random, t: str) -> str | None:
    m = _ROOM_END.search(t)
    if not m or not m.group(2) or _DESK.search(t):
        return None
    return t[:m.start()] + room_text(rng, m.group(1), m.group(2))


def room_text(rng: random.Random, room: str, word: str) -> str:
    return room + rng.choice([w for w in ("室", "房", "户") if w != word])


def _head(rng: random.Random, t: str) -> str | None:
    m = _PROVINCE_CITY.match(t)
    if not m:
        return None
    rest = t[m.end():]
    forms = [(m.group(2) or "") + rest, "浙江" + (m.group(2) or "") + rest]
    # the city goes only when a district or county follows: 浙江省慈溪市桥头镇 without 慈溪市 names no county
    if m.group(2) and re.match(r"[^省市区县镇乡]{1,4}[区县市]", rest):
        forms += [rest, "浙江" + m.group(2)[:-1] + rest]
    return rng.choice(forms)


_COUNTY_THEN_TOWN = re.compile(
    r"^(?:浙江省?)?(?:[^省市区县]{2,3}市)?([^省市区县]{1,4}[区县市])([^省市区县镇乡路街号\d]{1,6}?(?:街道|镇|乡))")


def _town_first(rng: random.Random, t: str) -> str | None:
    """浙江省宁波市镇海区庄市街道秦淮河路153号 -> 庄市街道秦淮河路153号 (§4: a township written without its county,
    as local clerks write it; the registering authority's region says which county). Only for a township whose
    name is one township of its province and no county's name: then the region of any registering authority in the
    province places it, as the parser does."""
    from shellring.matchers.divisions import gazetteer, townships

    m = _COUNTY_THEN_TOWN.match(t)
    if not m or m.end() >= len(t):
        return None
    county, town = m.group(1), m.group(2)
    stem = re.sub(r"(?:街道|镇|乡)$", "", town)
    g = gazetteer()
    if any(stem[:n] in g.full or stem[:n] in g.short for n in range(2, len(stem) + 1)):
        return None
    places = [d for d in townships().names.get(town, ()) if d.province == "33"]
    if len(places) != 1 or not places[0].name.startswith(county[:-1]):
        return None
    return t[m.start(2):]


# where a clerk may leave a space: after the province, the city, the district or county, the door number (never
# inside a name: 路桥区 holds 路, 市场 holds 市)
_PART_ENDS = re.compile(r"^((?:[^省市]{2,3}省)?)((?:[^省市区县]{2,3}市)?)((?:[^省市区县]{1,4}[区县])?)"
                        r"(.*?\d+号(?!楼|房|馆))?")


def _spaces(rng: random.Random, t: str) -> str | None:
    m = _PART_ENDS.match(t)
    if not m:
        return None
    parts = [g or "" for g in m.groups()] + [t[m.end():]]
    out = "".join(part + (" " if part and rng.random() < 0.6 else "") for part in parts[:-1]) + parts[-1]
    return out if out != t else None


def _brackets(rng: random.Random, t: str) -> str | None:
    out = t.translate(str.maketrans("()（）", "（）()"))
    return out if out != t else None


def _wide(rng: random.Random, t: str) -> str | None:
    out = fullwidth(t)
    return out if out != t else None


_ADDRESS_MOVES = (_swap_building, _cn_building, _cn_door, _floor_room, _room_word, _head, _spaces, _brackets, _wide,
                  _letter_dash, _town_first)


def write_address(rng: random.Random, text: str) -> str | None:
    t = text.strip()
    if not t:
        return None
    out = t
    for move in rng.sample(_ADDRESS_MOVES, len(_ADDRESS_MOVES)):
        if rng.random() < 0.45:
            changed = move(rng, out)
            out = changed if changed is not None else out
    if out == t:  # at least one move that applies
        for move in rng.sample(_ADDRESS_MOVES, len(_ADDRESS_MOVES)):
            changed = move(rng, t)
            if changed is not None:
                return changed
        return None
    return out


# ---------------------------------------------------------------- names


def write_company_name(rng: random.Random, text: str) -> str | None:
    out = _brackets(rng, text)
    if out is None and re.search(r"[A-Za-z0-9]", text):
        out = fullwidth(text)
    return out


def write_person_name(rng: random.Random, text: str) -> str | None:
    t = text.strip()
    if "·" in t:
        return t.replace("·", rng.choice(["•", "．", ".", "・"]))
    if 2 <= len(t) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", t):
        return t[0] + rng.choice([" ", "\u3000"]) + t[1:]
    return None


def write_space(rng: random.Random, text: str) -> str | None:
    if not text:
        return None
    pad = lambda: rng.choice([" ", "  ", "\u3000", "\u00a0", "\t"])  # noqa: E731
    return rng.choice([pad() + text, text + pad(), pad() + text + pad()])


WRITERS: dict[str, Callable[[random.Random, str], str | None]] = {
    "phone": write_phone, "id": write_id, "uscc": write_uscc, "date": write_date, "capital": write_capital,
    "address": write_address,
}


def _writer(family: str, column: str) -> Callable[[random.Random, str], str | None]:
    if family == "name":
        return write_company_name if column == "company_name" else write_person_name
    if family == "space":
        return write_space
    return WRITERS[family]


# ---------------------------------------------------------------- files


def _read(path: Path) -> tuple[list[list[str]], str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return list(csv.reader(io.StringIO(text, newline=""))), encoding


def rewrite_rows(rows: list[list[str]], kind: str, families: set[str], rng: random.Random, rate: float = 1.0,
                 counts: Counter | None = None) -> list[list[str]]:
    """The rows (header first) with each cell of the chosen families rewritten with probability `rate`.
    `counts[(kind, column, 'cells')]` tallies the non-empty cells, `counts[(kind, column, family)]` those a family
    rewrote."""
    header = rows[0]
    lookup = header_lookup(kind)  # the job's own header aliases: any extract the job reads
    columns = [lookup(h) or h for h in header]
    counts = counts if counts is not None else Counter()
    out = [header]
    for row in rows[1:]:
        new = list(row)
        for i, cell in enumerate(row):
            if not cell:
                continue
            column = columns[i]
            chain = [f for f in (COLUMN_FAMILY.get(column), "space") if f in families]
            if not chain:
                continue
            counts[(kind, column, "cells")] += 1
            value = cell
            for family in chain:
                if rng.random() >= rate:
                    continue
                rewritten = _writer(family, column)(rng, value)
                if rewritten is not None and rewritten != value:
                    value = rewritten
                    counts[(kind, column, family)] += 1
            new[i] = value
        out.append(new)
    return out


def rewrite_extracts(src: Path, out: Path, families: set[str] | tuple[str, ...] = FAMILIES, seed: int = 1,
                     rate: float = 1.0) -> Counter:
    """Write OUT/registrations.csv and OUT/accounts.csv (same encodings) and copy truth.csv; returns the counts."""
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown families {sorted(unknown)}; choose from {FAMILIES}")
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    for kind in ("registrations", "accounts"):
        rows, encoding = _read(src / f"{kind}.csv")
        rng = random.Random(f"{seed}-{kind}")
        rewritten = rewrite_rows(rows, kind, set(families), rng, rate, counts)
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rewritten)
        (out / f"{kind}.csv").write_bytes(buffer.getvalue().encode(encoding))
    if (src / "truth.csv").exists():
        shutil.copyfile(src / "truth.csv", out / "truth.csv")
    return counts


def rates(counts: Counter) -> dict[str, dict[str, float]]:
    """'kind.column' -> {family: share of the column's non-empty cells that family rewrote}."""
    out: dict[str, dict[str, float]] = {}
    for (kind, column, what), n in sorted(counts.items()):
        if what != "cells":
            out.setdefault(f"{kind}.{column}", {})[what] = round(n / counts[(kind, column, "cells")], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="folder with registrations.csv and accounts.csv (a demo's output)")
    parser.add_argument("out", type=Path, help="folder to write the rewritten extracts (and truth.csv) to")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1.0, help="share of recognised cells rewritten")
    args = parser.parse_args()
    counts = rewrite_extracts(args.src, args.out, tuple(args.families), args.seed, args.rate)
    for column, shares in rates(counts).items():
        print(f"{column}: " + ", ".join(f"{family} {share:.0%}" for family, share in shares.items()))


if __name__ == "__main__":
    main()
