"""Turn latent values into the messy text a registry or bank extract really contains (vectorised, polars)."""
from __future__ import annotations

import numpy as np
import polars as pl

from shellring.flows.demo import identifiers as ids
from shellring.flows.demo.pools import TRADITIONAL, TYPO_CHARS

_FULLWIDTH_SRC = list("0123456789-ABCDEF")
_FULLWIDTH_DST = [chr(ord(c) + 0xFEE0) for c in _FULLWIDTH_SRC]
_BUILDING_TOKENS = ["幢", "号楼", "栋"]


def cn_number(n: int) -> str:
    """12 -> 十二, 105 -> 一百零五 (the reading form, as a registry clerk writes a number)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    parts, started, zero = [], False, False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero:
                parts.append("零")
            parts.append(("" if (unit == "十" and not started and d == 1) else digits[d]) + unit)
            started, zero = True, False
        elif started:
            zero = True
    return "".join(parts)


CN_NUMBERS = pl.Series([cn_number(i) for i in range(10000)])


def _pick(strings: list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(strings).gather(idx)


def mask(rng: np.random.Generator, n: int, share: float) -> pl.Series:
    return pl.Series(rng.random(n) < share)


def with_typo(text: pl.Series, flag: pl.Series, rng: np.random.Generator, protect_last: int = 0) -> pl.Series:
    """Replace one character (never a digit, never the last `protect_last` ones) in flagged rows."""
    n = len(text)
    length = text.str.len_chars().fill_null(0).to_numpy()
    room = np.maximum(length - protect_last, 1)
    pos = pl.Series((rng.random(n) * room).astype(np.int64))
    new = _pick(TYPO_CHARS, rng.integers(0, len(TYPO_CHARS), n))
    df = pl.DataFrame({"t": text, "f": flag, "p": pos, "c": new})
    typo = pl.concat_str(pl.col("t").str.slice(0, pl.col("p")), pl.col("c"), pl.col("t").str.slice(pl.col("p") + 1))
    old = pl.col("t").str.slice(pl.col("p"), 1)
    ok = pl.col("f") & (pl.col("p") < pl.col("t").str.len_chars()) & ~old.str.contains(r"[0-9]")
    return df.select(pl.when(ok).then(typo).otherwise(pl.col("t")))["t"]


def fullwidth(text: pl.Series, flag: pl.Series) -> pl.Series:
    return pl.select(pl.when(flag).then(text.str.replace_many(_FULLWIDTH_SRC, _FULLWIDTH_DST))
                     .otherwise(text)).to_series()


def traditional(text: pl.Series, flag: pl.Series) -> pl.Series:
    conv = text.str.replace_many(list(TRADITIONAL), list(TRADITIONAL.values()))
    return pl.select(pl.when(flag).then(conv).otherwise(text)).to_series()


def blank(text: pl.Series, flag: pl.Series) -> pl.Series:
    return pl.select(pl.when(flag).then(pl.lit(None, dtype=pl.String)).otherwise(text)).to_series()


WIDE_DATE_STYLES = 9


def dates(days: np.ndarray, rng: np.random.Generator, noise: float, main: int | None = None) -> pl.Series:
    """2024-03-05 mostly; 2024/3/5, 20240305, 2024年3月5日 in a `noise` share.

    With `main` (0..WIDE_DATE_STYLES-1) the file's usual style is that one and the noisy share is spread over
    all nine, adding 2024.3.5, 2024-03-05 00:00:00, 2024年03月05日, 2024/03/05 and 2024.03.05 00:00:00."""
    if main is not None:
        return _wide_dates(days, rng, noise, main)
    d = pl.Series(days.astype(np.int32)).cast(pl.Date)
    style = rng.choice(4, len(days), p=[1 - noise, noise * 0.4, noise * 0.3, noise * 0.3])
    y, m, dd = d.dt.year().cast(pl.String), d.dt.month().cast(pl.String), d.dt.day().cast(pl.String)
    df = pl.DataFrame({"s": style, "y": y, "m": m, "d": dd, "iso": d.dt.strftime("%Y-%m-%d")})
    return df.select(
        pl.when(pl.col("s") == 0).then(pl.col("iso"))
        .when(pl.col("s") == 1).then(pl.concat_str("y", pl.lit("/"), "m", pl.lit("/"), "d"))
        .when(pl.col("s") == 2).then(pl.col("iso").str.replace_all("-", ""))
        .otherwise(pl.concat_str("y", pl.lit("年"), "m", pl.lit("月"), "d", pl.lit("日")))
    ).to_series()


def _wide_dates(days: np.ndarray, rng: np.random.Generator, noise: float, main: int) -> pl.Series:
    d = pl.Series(days.astype(np.int32)).cast(pl.Date)
    n = len(days)
    style = np.where(rng.random(n) < noise, rng.integers(0, WIDE_DATE_STYLES, n), main)
    y, m, dd = d.dt.year().cast(pl.String), d.dt.month().cast(pl.String), d.dt.day().cast(pl.String)
    df = pl.DataFrame({"s": style, "y": y, "m": m, "d": dd, "iso": d.dt.strftime("%Y-%m-%d")})
    forms = [pl.col("iso"), pl.concat_str("y", pl.lit("/"), "m", pl.lit("/"), "d"),
             pl.col("iso").str.replace_all("-", ""),
             pl.concat_str("y", pl.lit("年"), "m", pl.lit("月"), "d", pl.lit("日")),
             pl.concat_str("y", pl.lit("."), "m", pl.lit("."), "d"), pl.concat_str("iso", pl.lit(" 00:00:00")),
             pl.col("iso").str.replace("-", "年").str.replace("-", "月") + pl.lit("日"),
             pl.col("iso").str.replace_all("-", "/"), pl.col("iso").str.replace_all("-", ".") + pl.lit(" 00:00:00")]
    expr = pl.when(pl.col("s") == 0).then(forms[0])
    for i, form in enumerate(forms[1:], start=1):
        expr = expr.when(pl.col("s") == i).then(form)
    return df.select(expr.otherwise(forms[0])).to_series()


def capitals(values: np.ndarray, rng: np.random.Generator, noise: float, wide: bool = False) -> pl.Series:
    """Registered capital in 10k CNY: '100' / '100.00' / '100万'."""
    cents = np.round(values * 100).astype(np.int64)
    whole = pl.Series(cents // 100).cast(pl.String)
    frac = pl.Series(cents % 100).cast(pl.String).str.zfill(2)
    style = rng.choice(3, len(values), p=[0.55, 0.45 - noise * 0.6, noise * 0.6])
    df = pl.DataFrame({"s": style, "w": whole, "f": frac, "int": cents % 100 == 0})
    plain = pl.when(pl.col("int")).then(pl.col("w")).otherwise(pl.concat_str("w", pl.lit("."), "f"))
    if wide:  # and 人民币100万元 / 100万元人民币 / 1000000元 in part of the noisy share
        df = df.with_columns(x=pl.Series(np.where(rng.random(len(values)) < noise, rng.integers(0, 4, len(values)), 0)),
                             yuan=pl.Series(cents // 100 * 10000).cast(pl.String))
        base = df.select(pl.when(pl.col("s") == 0).then(plain)
                         .when(pl.col("s") == 1).then(pl.concat_str("w", pl.lit("."), "f"))
                         .otherwise(pl.concat_str(plain, pl.lit("万")))).to_series()
        return df.with_columns(b=base).select(
            pl.when(pl.col("x") == 1).then(pl.concat_str(pl.lit("人民币"), plain, pl.lit("万元")))
            .when(pl.col("x") == 2).then(pl.concat_str(plain, pl.lit("万元人民币")))
            .when((pl.col("x") == 3) & pl.col("int")).then(pl.concat_str("yuan", pl.lit("元")))
            .otherwise(pl.col("b"))).to_series()
    return df.select(
        pl.when(pl.col("s") == 0).then(plain)
        .when(pl.col("s") == 1).then(pl.concat_str("w", pl.lit("."), "f"))
        .otherwise(pl.concat_str(plain, pl.lit("万")))
    ).to_series()


def phones(numbers: np.ndarray, is_landline: np.ndarray, ext: np.ndarray, rng: np.random.Generator,
           noise: float | np.ndarray, wide: bool = False) -> pl.Series:
    """Mobiles as 13812345678 or noisy +86/0086/spaced/dashed forms; landlines as 0571-88123456 (+ 转801).

    `wide` writes noisy landlines in more ways (no area code, +86 571, full-width digits) and extensions as
    转8001, -8001, ext 12 or 分机12."""
    if wide:
        return _wide_phones(numbers, is_landline, ext, rng, noise)
    n = len(numbers)
    s = pl.Series(numbers.astype(np.int64)).cast(pl.String)
    noisy = rng.random(n) < noise  # noise may be a per-row array (dealer phones are written many ways)
    style = np.where(noisy, 1 + rng.choice(5, n, p=[0.25, 0.2, 0.2, 0.2, 0.15]), 0)
    df = pl.DataFrame({"s": s, "st": style, "land": is_landline, "ext": pl.Series(ext).cast(pl.String),
                       "has_ext": ext > 0})
    a, b, c = pl.col("s").str.slice(0, 3), pl.col("s").str.slice(3, 4), pl.col("s").str.slice(7, 4)
    mobile = (pl.when(pl.col("st") == 0).then(pl.col("s"))
              .when(pl.col("st") == 1).then(pl.concat_str(pl.lit("+86 "), "s"))
              .when(pl.col("st") == 2).then(pl.concat_str(pl.lit("0086"), "s"))
              .when(pl.col("st") == 3).then(pl.concat_str(a, pl.lit("-"), b, pl.lit("-"), c))
              .when(pl.col("st") == 4).then(pl.concat_str(a, pl.lit(" "), b, pl.lit(" "), c))
              .otherwise(pl.concat_str(pl.lit("+86-"), a, pl.lit("-"), b, pl.lit("-"), c)))
    area, local = pl.col("s").str.slice(0, 3), pl.col("s").str.slice(3)
    land = (pl.when(pl.col("st") <= 1).then(pl.concat_str(pl.lit("0"), area, pl.lit("-"), local))
            .when(pl.col("st") == 2).then(pl.concat_str(pl.lit("(0"), area, pl.lit(")"), local))
            .when(pl.col("st") == 3).then(pl.concat_str(pl.lit("0"), area, local))
            .when(pl.col("st") == 4).then(pl.concat_str(pl.lit("+86-"), area, pl.lit("-"), local))
            .otherwise(pl.concat_str(pl.lit("0"), area, pl.lit(" "), local)))
    land = pl.when(pl.col("has_ext")).then(pl.concat_str(land, pl.lit("转"), "ext")).otherwise(land)
    return df.select(pl.when(pl.col("land")).then(land).otherwise(mobile)).to_series()


LANDLINE_STYLES = 8
EXTENSION_STYLES = 4


def _wide_phones(numbers: np.ndarray, is_landline: np.ndarray, ext: np.ndarray, rng: np.random.Generator,
                 noise: float | np.ndarray) -> pl.Series:
    n = len(numbers)
    mobile = phones(numbers, np.zeros(n, bool), np.zeros(n, np.int64), rng, noise)
    noisy = rng.random(n) < noise
    style = np.where(noisy, rng.integers(0, LANDLINE_STYLES, n), 0)
    # without an area code a trailing -8001 could be read as part of the number: no dash extension there
    ext_style = np.where(noisy, rng.integers(0, EXTENSION_STYLES, n), 0)
    ext_style = np.where((style == 6) & (ext_style == 1), 0, ext_style)
    s = pl.Series(numbers.astype(np.int64)).cast(pl.String)
    df = pl.DataFrame({"s": s, "st": style, "es": ext_style, "ext": pl.Series(ext).cast(pl.String),
                       "has_ext": ext > 0})
    area, local = pl.col("s").str.slice(0, 3), pl.col("s").str.slice(3)
    forms = [pl.concat_str(pl.lit("0"), area, pl.lit("-"), local),
             pl.concat_str(pl.lit("(0"), area, pl.lit(")"), local),
             pl.concat_str(pl.lit("0"), area, local),
             pl.concat_str(pl.lit("+86-"), area, pl.lit("-"), local),
             pl.concat_str(pl.lit("+86 "), area, pl.lit(" "), local),
             pl.concat_str(pl.lit("（0"), area, pl.lit("）"), local),
             local,
             pl.concat_str(pl.lit("0"), area, pl.lit(" "), local)]
    land = pl.when(pl.col("st") == 0).then(forms[0])
    for i, form in enumerate(forms[1:], start=1):
        land = land.when(pl.col("st") == i).then(form)
    land = land.otherwise(forms[0])
    with_ext = (pl.when(pl.col("es") == 0).then(pl.concat_str(land, pl.lit("转"), "ext"))
                .when(pl.col("es") == 1).then(pl.concat_str(land, pl.lit("-"), "ext"))
                .when(pl.col("es") == 2).then(pl.concat_str(land, pl.lit(" ext "), "ext"))
                .otherwise(pl.concat_str(land, pl.lit("分机"), "ext")))
    land = pl.when(pl.col("has_ext")).then(with_ext).otherwise(land)
    text = df.select(land).to_series()
    text = fullwidth(text, pl.Series(noisy & (rng.random(n) < 0.25)))
    return pl.select(pl.when(pl.Series(is_landline)).then(text).otherwise(mobile)).to_series()


def addresses(table: pl.DataFrame, rows: np.ndarray, rng: np.random.Generator, noise: float) -> pl.Series:
    """Render address-table rows (may repeat) with independent spelling variants per rendering.

    table columns: prov, city, district, street, road, road_no, poi, bldg, bldg_style, room, note.
    """
    n = len(rows)
    t = table[rows]
    prefix = rng.choice(3, n, p=[1 - noise, noise * 0.6, noise * 0.4])
    cn_no = rng.random(n) < noise * 0.25
    token_variant = rng.random(n) < noise * 0.5
    room_style = rng.choice(3, n, p=[1 - noise * 0.6, noise * 0.4, noise * 0.2])
    t = t.with_columns(
        road=with_typo(t["road"], mask(rng, n, noise * 0.08), rng, protect_last=1),
        pre=pl.Series(prefix), cn=pl.Series(cn_no), rs=pl.Series(room_style),
        tok=pl.Series(np.where(token_variant, rng.integers(0, 3, n), t["bldg_style"].to_numpy())),
    )
    no_txt = pl.when(pl.col("cn")).then(CN_NUMBERS.gather(t["road_no"].to_numpy())).otherwise(
        pl.col("road_no").cast(pl.String))
    letter = pl.lit("ABCDEF").str.slice((pl.col("bldg") - 1) % 6, 1)
    bldg_num = pl.when(pl.col("cn")).then(CN_NUMBERS.gather(t["bldg"].to_numpy())).otherwise(
        pl.col("bldg").cast(pl.String))
    bldg_txt = (pl.when(pl.col("bldg") == 0).then(pl.lit(""))
                .when(pl.col("bldg_style") == 3).then(pl.concat_str(letter, pl.lit("座")))
                .otherwise(pl.concat_str(bldg_num, pl.lit(pl.Series(_BUILDING_TOKENS)).gather(
                    pl.col("tok").clip(0, 2)))))
    room_txt = (pl.when(pl.col("room") == 0).then(pl.lit(""))
                .when(pl.col("rs") == 0).then(pl.concat_str(pl.col("room").cast(pl.String), pl.lit("室")))
                .when(pl.col("rs") == 1).then(pl.col("room").cast(pl.String))
                .otherwise(pl.concat_str(pl.col("room").cast(pl.String), pl.lit("房"))))
    head = (pl.when(pl.col("pre") == 0).then(pl.concat_str("prov", "city", "district"))
            .when(pl.col("pre") == 1).then(pl.concat_str("city", "district"))
            .otherwise(pl.col("district")))
    out = t.select(pl.concat_str(head, "street", "road", no_txt, pl.lit("号"), "poi", bldg_txt, room_txt, "note")
                   ).to_series()
    out = fullwidth(out, mask(rng, n, noise * 0.3))
    return traditional(out, mask(rng, n, noise * 0.15))


# ---------- variety: spellings seen in real extracts beyond the ones the detector was tuned on ----------
# (DOMAIN.md §3/§4: +86/0086/86 prefixes, (0755) forms, extensions after -, 转, 分机, ext, #; full-width text;
# building 号楼/栋/幢/座/#, floor 层/楼/F, room 室/房/号房/户; missing admin levels)
VARIETY_MOBILE_STYLES = 6
VARIETY_LANDLINE_STYLES = 8
VARIETY_EXTENSION_STYLES = 6


def varied_phones(text: pl.Series, numbers: np.ndarray, is_landline: np.ndarray, ext: np.ndarray,
                  rng: np.random.Generator, noise: float | np.ndarray) -> pl.Series:
    """Rewrite a noisy share of rendered phones in further real spellings: full-width digits, 86-/(+86) prefixes,
    labels (手机：/电话：), grouped digits, (0571)-, +86(571), 0086-571-, full-width or long dashes,
    extensions after #, x, （转801）, 转 801, EXT.801, and another number listed before or after it (/ ； ， 、).
    Blank rows stay blank."""
    n = len(numbers)
    picked = (rng.random(n) < noise) & (rng.random(n) < 0.6)
    s = pl.Series(numbers.astype(np.int64)).cast(pl.String)
    df = pl.DataFrame({"s": s, "ms": rng.integers(0, VARIETY_MOBILE_STYLES, n),
                       "ls": rng.integers(0, VARIETY_LANDLINE_STYLES, n),
                       "es": rng.integers(0, VARIETY_EXTENSION_STYLES, n),
                       "ext": pl.Series(ext).cast(pl.String), "has_ext": ext > 0})
    a, b, c = pl.col("s").str.slice(0, 3), pl.col("s").str.slice(3, 4), pl.col("s").str.slice(7, 4)
    mobile_forms = [pl.col("s"), pl.concat_str(pl.lit("+86 "), a, pl.lit(" "), b, pl.lit(" "), c),
                    pl.concat_str(pl.lit("86-"), "s"), pl.concat_str(pl.lit("(+86)"), "s"),
                    pl.concat_str(pl.lit("手机："), "s"), pl.concat_str(pl.lit(" "), "s", pl.lit(" "))]
    area, local = pl.col("s").str.slice(0, 3), pl.col("s").str.slice(3)
    head, tail = local.str.slice(0, 4), local.str.slice(4)
    land_forms = [pl.concat_str(pl.lit("0"), area, pl.lit("－"), local),
                  pl.concat_str(pl.lit("(0"), area, pl.lit(")-"), local),
                  pl.concat_str(pl.lit("+86("), area, pl.lit(")"), local),
                  pl.concat_str(pl.lit("0086-"), area, pl.lit("-"), local),
                  pl.concat_str(pl.lit("86-"), area, pl.lit("-"), local),
                  pl.concat_str(pl.lit("0"), area, pl.lit(" "), head, pl.lit(" "), tail),
                  pl.concat_str(pl.lit("电话：0"), area, pl.lit("-"), local),
                  pl.concat_str(pl.lit("0"), area, pl.lit("—"), local)]
    ext_forms = [pl.lit("#"), pl.lit(" x"), pl.lit("（转"), pl.lit(" 转 "), pl.lit(" EXT."), pl.lit("-转")]

    def choose(forms: list[pl.Expr], col: str) -> pl.Expr:
        expr = pl.when(pl.col(col) == 0).then(forms[0])
        for i, form in enumerate(forms[1:], start=1):
            expr = expr.when(pl.col(col) == i).then(form)
        return expr.otherwise(forms[0])

    land = choose(land_forms, "ls")
    ext_text = pl.concat_str(choose(ext_forms, "es"), "ext",
                             pl.when(pl.col("es") == 2).then(pl.lit("）")).otherwise(pl.lit("")))
    land = pl.when(pl.col("has_ext")).then(pl.concat_str(land, ext_text)).otherwise(land)
    mobile = choose(mobile_forms, "ms")
    redone = df.select(pl.when(pl.Series(is_landline)).then(land).otherwise(mobile)).to_series()
    redone = fullwidth(redone, pl.Series(rng.random(n) < 0.3))
    # a share lists another number in the same field, before or after this one: 0571-88123456/13812345678
    other = pl.Series(ids.mobiles(rng, n, 0.05).astype(np.int64)).cast(pl.String)
    sep = pl.Series(np.array(["/", "；", "，", "、"])[rng.integers(0, 4, n)])
    listed = rng.random(n) < 0.2
    first = pl.Series(rng.random(n) < 0.5)
    redone = pl.select(pl.when(~pl.Series(listed)).then(redone)
                       .when(first).then(pl.concat_str(redone, sep, other))
                       .otherwise(pl.concat_str(other, sep, redone))).to_series()
    return pl.select(pl.when(pl.Series(picked) & text.is_not_null()).then(redone).otherwise(text)).to_series()


VARIETY_ROOM_STYLES = 8
VARIETY_BUILDING_TOKENS = ["幢", "号楼", "栋", "#", "#楼", "号馆"]
VARIETY_HEAD_STYLES = 6


def varied_addresses(table: pl.DataFrame, rows: np.ndarray, rng: np.random.Generator, noise: float,
                     road_typos: bool = True) -> pl.Series:
    """Like `addresses`, with more spellings per part, each in a noisy share: admin head 浙江省杭州市西湖区 /
    浙江杭州西湖区 / 浙江省西湖区 / 杭州市西湖区 / 西湖区 / spaced; building 3幢/3号楼/3栋/3#/3#楼/3号馆 (C座);
    floor written before the room (12层/12楼/12F); room 1203室/1203/1203房/1203号房/1203户/-1203/1203房间/
    1203单元; spaces between parts; full-width and traditional text."""
    n = len(rows)
    t = table[rows]
    noisy = lambda share: rng.random(n) < noise * share  # noqa: E731 - one draw per part
    head_style = np.where(noisy(1.0), rng.integers(1, VARIETY_HEAD_STYLES, n), 0)
    room_style = np.where(noisy(0.8), rng.integers(1, VARIETY_ROOM_STYLES, n), 0)
    # -1203 right after the door number (8号-1203) is a sub-number of the lot: only after a building or a place
    bare = (t["bldg"].to_numpy() == 0) & (t["poi"].to_numpy() == "")
    room_style = np.where(bare & (room_style == 5), 0, room_style)
    floor_style = np.where(noisy(0.4), rng.integers(1, 4, n), 0)
    token = np.where(noisy(0.6), rng.integers(0, len(VARIETY_BUILDING_TOKENS), n),
                     t["bldg_style"].to_numpy().clip(0, 2))
    t = t.with_columns(
        road=with_typo(t["road"], mask(rng, n, noise * 0.08 * road_typos), rng, protect_last=1),
        hs=pl.Series(head_style), rs=pl.Series(room_style), fs=pl.Series(floor_style), tok=pl.Series(token),
        cn=pl.Series(noisy(0.25)), sp=pl.Series(noisy(0.3)),
    )
    sep = pl.when(pl.col("sp")).then(pl.lit(" ")).otherwise(pl.lit(""))
    no_txt = pl.when(pl.col("cn")).then(CN_NUMBERS.gather(t["road_no"].to_numpy())).otherwise(
        pl.col("road_no").cast(pl.String))
    letter = pl.lit("ABCDEF").str.slice((pl.col("bldg") - 1) % 6, 1)
    bldg_num = pl.when(pl.col("cn") & (pl.col("tok") < 3)).then(CN_NUMBERS.gather(t["bldg"].to_numpy())).otherwise(
        pl.col("bldg").cast(pl.String))
    bldg_txt = (pl.when(pl.col("bldg") == 0).then(pl.lit(""))
                .when(pl.col("bldg_style") == 3).then(pl.concat_str(letter, pl.lit("座")))
                .otherwise(pl.concat_str(bldg_num, pl.lit(pl.Series(VARIETY_BUILDING_TOKENS)).gather(pl.col("tok")))))
    room = pl.col("room").cast(pl.String)
    floor = (pl.col("room") // 100).cast(pl.String)
    floor_txt = (pl.when((pl.col("room") == 0) | (pl.col("fs") == 0)).then(pl.lit(""))
                 .when(pl.col("fs") == 1).then(pl.concat_str(floor, pl.lit("层")))
                 .when(pl.col("fs") == 2).then(pl.concat_str(floor, pl.lit("楼")))
                 .otherwise(pl.concat_str(floor, pl.lit("F"))))
    room_forms = [pl.concat_str(room, pl.lit("室")), room, pl.concat_str(room, pl.lit("房")),
                  pl.concat_str(room, pl.lit("号房")), pl.concat_str(room, pl.lit("户")),
                  pl.concat_str(pl.lit("-"), room), pl.concat_str(room, pl.lit("房间")),
                  pl.concat_str(room, pl.lit("单元"))]
    room_txt = pl.when(pl.col("room") == 0).then(pl.lit(""))
    for i, form in enumerate(room_forms):
        room_txt = room_txt.when(pl.col("rs") == i).then(form)
    room_txt = room_txt.otherwise(room_forms[0])
    short_city = pl.col("city").str.strip_suffix("市")
    heads = [pl.concat_str("prov", "city", "district"),
             pl.concat_str(pl.col("prov").str.strip_suffix("省"), short_city, "district"),
             pl.concat_str("prov", "district"), pl.concat_str("city", "district"), pl.col("district"),
             pl.concat_str("prov", pl.lit(" "), "city", pl.lit(" "), "district", pl.lit(" "))]
    head = pl.when(pl.col("hs") == 0).then(heads[0])
    for i, form in enumerate(heads[1:], start=1):
        head = head.when(pl.col("hs") == i).then(form)
    head = head.otherwise(heads[0])
    out = t.select(pl.concat_str(head, "street", "road", no_txt, pl.lit("号"), sep, "poi", sep, bldg_txt, sep,
                                 floor_txt, room_txt, "note")).to_series()
    out = fullwidth(out, mask(rng, n, noise * 0.5))
    return traditional(out, mask(rng, n, noise * 0.3))


def varied_names(names: pl.Series, rng: np.random.Generator, noise: float) -> pl.Series:
    """A small share of names written with a space (half- or full-width) after the surname: 张 伟, 张　伟."""
    n = len(names)
    spaced = pl.Series(rng.random(n) < noise * 0.15)
    space = pl.Series(np.where(rng.random(n) < 0.5, " ", "\u3000"))
    return pl.select(pl.when(spaced).then(pl.concat_str(names.str.slice(0, 1), space, names.str.slice(1)))
                     .otherwise(names)).to_series()


def varied_ids(ids: pl.Series, rng: np.random.Generator, noise: float) -> pl.Series:
    """A noisy share of ID numbers grouped 6-8-4 with spaces, or in full-width digits (a form filled by hand)."""
    n = len(ids)
    style = np.where(rng.random(n) < noise * 0.2, rng.integers(1, 3, n), 0)
    grouped = pl.concat_str(ids.str.slice(0, 6), pl.lit(" "), ids.str.slice(6, 8), pl.lit(" "), ids.str.slice(14))
    wide = ids.str.replace_many(list("0123456789Xx"), [chr(ord(c) + 0xFEE0) for c in "0123456789Xx"])
    return pl.select(pl.when(pl.Series(style == 1)).then(grouped).when(pl.Series(style == 2)).then(wide)
                     .otherwise(ids)).to_series()
