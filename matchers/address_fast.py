"""The common address shape parsed for a whole batch at once: admin prefix + road + N号 + tail.

A row whose canonical text has that shape and holds nothing the per-row parser treats specially (brackets and
notes, a township, digit separators, levels written again, ...) gets its fields from polars expressions and from
the parser's own helpers called once per distinct value (the admin walk through the batch's memo, the road per
(road text, city), the tail per tail text). Every other row is left to `_parse_one`. Why each condition makes a
fast row equal to `_parse_one`'s row is said next to it; tests/test_matchers_address_fast.py checks the equality.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from .address import _NO_CITY_LEVEL, _TOWN, _apply_hint, _first_road, _tail_fields, _WalkMemo
from .divisions import Division, Gazetteer

# Rows that `_parse_one` would change before its walk, or that hold notes: not fast. The prefix-noise pattern only
# starts at 中/市; notes need a bracket, a cluster word (集群…, 住所申报, 集中…), 工位, 秘书 or 托管; a trailing
# separator is stripped by the notes pass.
_SPECIAL = r"^[中市]|市辖区|[()]|集群|住所申报|集中|工位|秘书|托管|[-,，、;；:：/\\.。]$"
# `_DIGIT_SEPARATOR` rewrites a separator between an alphanumeric and a digit: such rows are not fast.
_SEPARATED = r"[0-9A-Z][,，、.。/\\一][0-9]"
# After the admin prefix: a road part P (maybe a township first), then its door number N and 号, then the tail.
# P has no ASCII: no digit, bracket or dash, and nothing `_DIGIT_SEPARATOR` reads.
_SHAPE = r"^([^\x00-\x7f]{1,40})([0-9]+)号(.*)$"
_ROAD_END = frozenset("路街道巷")
# A tail is parsed once per (its name's last two characters + the rest): the name being its longest start with
# no ASCII and no separator `_NOISE_TAIL` strips. No digit block of `_parse_tail` can start inside the name (a
# block starts at [-0-9A-Z], its look-aheads read forwards only), so the name reaches the result only through
# `_UNITS_INSIDE` (the last two characters before a block: 大厦, 广场, 楼...) and as the start of the text before
# the first block; `_tail_fields` strips separators and dashes at the ends only, and the name starts with neither
# and its last character stops the strip. Name and "the rest" are split here: "_name" is the name less its last
# two characters, "_tail" the rest; the poi is "_name" + the poi of "_tail".
_TAIL_NAME = r"^([^\x00-\x7f，、；：。]*?)((?:[^\x00-\x7f，、；：。]{1,2})?(?:[\x00-\x7f，、；：。].*)?)$"


# Road texts repeat across a worker's slices (a 100k slice after two others: 30k new of 51k): the answer depends on
# these two only.
@lru_cache(maxsize=1 << 17)
def _road_of(part: str, city: str | None) -> str | None:
    """The road `_parse_detail` reads from `part` + N号 + tail, or None when that is not certain from `part`.

    `_TOWN` cannot run past `part` (no digit in it) and its look-ahead there reads N's first digit, as it does
    here. What is left (`road`) has no digit, bracket or dash; with 3-15 characters and a last one that ends a
    road word `_ROAD_NUMBER_HINT` knows (路, 街, 道, 巷 also end 公路, 大街, 大道), the hint is at its end and
    `_ROAD_NUMBER`'s first match starts at 0 with its first name pattern: group 1 is `road`, group 2 N, group 3 ''.
    """
    town = _TOWN.match(part + "0")
    if town:
        road = part[town.end():]
    elif part[:1] in ("镇", "乡"):
        return None
    else:
        road = part
    if not (3 <= len(road) <= 15 and road[-1] in _ROAD_END):
        return None
    return _first_road(road, city)


def _admin_record(g: Gazetteer, walked: tuple, hint: Division | None) -> dict:
    """The admin columns `_parse_one` derives from one walk result and hint."""
    prov, city, dist, ambiguous, end = walked
    prov, city, dist = _apply_hint(g, prov, city, dist, hint)
    if prov is not None and city is None and prov.province in _NO_CITY_LEVEL:
        city = g.by_code[prov.province + "0100"]
    finest = dist or city or prov
    city_name = city.name if city else None
    head = (prov.name if prov else "") + (city_name if city_name and city_name != (prov.name if prov else None)
                                           else "") + (dist.name if dist else (ambiguous or ""))
    return {
        "end": end,
        "province": prov.name if prov else None,
        "city": city_name,
        "district": dist.name if dist else ambiguous,
        "adcode": finest.code if finest else None,
        "_city_code": city.city if city else None,
        "_dist_name": dist.name if dist else None,  # the repeated-levels check reads dist, not the ambiguous name
        "_head": head,
        "_keyed": finest is not None and (dist is not None or city is not None),
    }


def _walks(g: Gazetteer, texts: list[str], hints: list[str | None], divisions: dict, memos: dict[str, _WalkMemo]):
    """For each text: the index of its admin record, or -1 when `_parse_one` would look for a township after the
    walk (no district read and text left): such rows are not fast."""
    records: list[dict] = []
    index: dict[tuple[int, str | None], int] = {}
    kept = []  # walk results stay referenced so that their ids are not reused
    out = []
    for text, hint in zip(texts, hints, strict=True):
        walked = memos[hint].walk(g, text, divisions[hint])
        if walked[2] is None and walked[3] is None and walked[4] < len(text):
            out.append(-1)
            continue
        key = (id(walked), hint)
        i = index.get(key)
        if i is None:
            kept.append(walked)
            i = index[key] = len(records)
            records.append(_admin_record(g, walked, divisions[hint]))
        out.append(i)
    return out, records


# The commonest tails (after a name's last two characters): [N栋][N室]. `_parse_tail` finds one block at the end
# of the tail, right after the name; 栋 fills the building and 室 the room; nothing else is read. `_tail_fields`
# then derives the floor from a room of 3-4 digits and the poi is the name, if any.
_TAIL_SIMPLE = r"^([^\x00-\x7f，、；：。]{0,2})(?:([0-9]+)栋)?(?:([0-9]+)室)?$"
_TAIL_FIELDS = ["poi", "building", "unit", "floor", "room"]


def _tail_columns(tails: pl.DataFrame) -> pl.DataFrame:
    """`_tail_fields(tail, True)` of each distinct tail in "_tail" as the columns poi, building, unit, floor,
    room: the simplest shape by expressions, the others by `_tail_fields` itself."""
    split = tails.with_columns(pl.col("_tail").str.extract_groups(_TAIL_SIMPLE).alias("_parts")).unnest("_parts")
    simple = split.filter(pl.col("1").is_not_null())
    room_digits = pl.col("3").str.len_chars()
    simple = simple.select(
        "_tail",
        poi=pl.when(pl.col("1") != "").then(pl.col("1")),
        building=pl.col("2"),
        unit=pl.lit(None, dtype=pl.String),
        floor=pl.when(room_digits.is_between(3, 4)).then(
            pl.col("3").str.slice(0, room_digits - 2).cast(pl.Int64).cast(pl.String)),
        room=pl.col("3"),
    )
    other = split.filter(pl.col("1").is_null()).select("_tail")
    fields = [_tail_fields(tail, True) for tail in other["_tail"].to_list()]
    other = other.with_columns(
        pl.Series(name, [f[k] for f in fields], dtype=pl.String) for k, name in enumerate(_TAIL_FIELDS))
    return pl.concat([simple, other])


def parse_fast(
    g: Gazetteer, texts: list[str], hints: list[str | None], divisions: dict, memos: dict[str, _WalkMemo]
) -> tuple[pl.DataFrame, list[int]]:
    """(the fast rows' columns with their row numbers in `_row`, the row numbers left to `_parse_one`)."""
    frame = pl.DataFrame({"text": texts, "_hint": hints}, schema={"text": pl.String, "_hint": pl.String})
    frame = frame.with_row_index("_row")
    candidates = frame.filter(
        (pl.col("text") != "") & ~pl.col("text").str.contains(_SPECIAL) & ~pl.col("text").str.contains(_SEPARATED)
    )
    rec_of, records = _walks(g, candidates["text"].to_list(), candidates["_hint"].to_list(), divisions, memos)
    admin = pl.DataFrame(records, schema={
        "end": pl.Int64, "province": pl.String, "city": pl.String, "district": pl.String, "adcode": pl.String,
        "_city_code": pl.String, "_dist_name": pl.String, "_head": pl.String, "_keyed": pl.Boolean,
    }).with_row_index("_rec")
    shaped = (
        candidates.with_columns(_rec=pl.Series(rec_of, dtype=pl.Int64))
        .filter(pl.col("_rec") >= 0)
        .join(admin.with_columns(pl.col("_rec").cast(pl.Int64)), on="_rec", how="left")
        .with_columns(rest=pl.col("text").str.slice(pl.col("end")))
        .with_columns(parts=pl.col("rest").str.extract_groups(_SHAPE))
        .unnest("parts")
        .rename({"1": "_road_text", "2": "number", "3": "_tail"})
    )
    head2 = pl.col("rest").str.slice(0, 2)
    again = (pl.col("end") > 0) & (
        pl.col("province").str.starts_with(head2).fill_null(False)
        | pl.col("city").str.starts_with(head2).fill_null(False)
        | pl.col("_dist_name").str.starts_with(head2).fill_null(False)
    )
    fast = shaped.filter(
        pl.col("_road_text").is_not_null()
        & ~again  # `_parse_one` strips levels written again (诸暨市诸暨市…): not fast
    )
    roads = fast.select("_road_text", "_city_code").unique()
    roads = roads.with_columns(road=pl.Series([
        _road_of(text, city) for text, city in roads.iter_rows()], dtype=pl.String))
    fast = fast.join(roads, on=["_road_text", "_city_code"], how="left", nulls_equal=True).filter(
        pl.col("road").is_not_null())
    fast = fast.with_columns(pl.col("_tail").str.extract_groups(_TAIL_NAME)).unnest("_tail").rename(
        {"1": "_name", "2": "_tail"})
    tails = _tail_columns(fast.select("_tail").unique())
    fast = fast.join(tails, on="_tail", how="left").with_columns(
        poi=pl.when(pl.col("_name") == "").then(pl.col("poi")).otherwise(pl.concat_str("_name", "poi")))
    site = (
        pl.when(pl.col("_keyed") & (pl.col("road") != ""))
        .then(pl.concat_str("adcode", pl.lit("|"), "road", pl.lit("|"), "number"))
        .when(pl.col("_keyed") & pl.col("poi").is_not_null())
        .then(pl.concat_str("adcode", pl.lit("|"), "poi", pl.lit("|"), "number"))
    )
    # key_parts: a block letter written on the room (D1118) is the key's unit, or its building where none is written
    letter = pl.col("room").str.slice(0, 1)
    lettered = pl.col("unit").is_null() & pl.col("room").str.contains(r"^[A-Z][0-9]+$").fill_null(False)
    key_building = pl.when(lettered & pl.col("building").is_null()).then(letter).otherwise(
        pl.col("building").fill_null(""))
    key_unit = pl.when(lettered & pl.col("building").is_not_null() & (pl.col("building") != letter)).then(
        letter).otherwise(pl.col("unit").fill_null(""))
    key_room = pl.when(lettered).then(pl.col("room").str.slice(1)).otherwise(pl.col("room").fill_null(""))
    fast = fast.with_columns(site_key=site).with_columns(
        building_key=pl.concat_str("site_key", pl.lit("|"), key_building),
    ).with_columns(
        room_key=pl.when(pl.col("room").is_not_null() | pl.col("floor").is_not_null()).then(pl.concat_str(
            "building_key", pl.lit("|"), key_unit, pl.lit("|"), pl.col("floor").fill_null(""), pl.lit("|"),
            key_room)),
        normalized=pl.concat_str("_head", "rest"),
        workstation=pl.lit(None, dtype=pl.String),
    ).select("_row", "province", "city", "district", "adcode", "road", "number", "poi", "building", "unit",
             "floor", "room", "workstation", "site_key", "building_key", "room_key", "normalized")
    done = set(fast["_row"].to_list())
    slow = [i for i in range(len(texts)) if i not in done]
    return fast, slow
