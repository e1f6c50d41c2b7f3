"""Turn latent values into the messy text a registry or bank extract really contains (vectorised, polars)."""
from __future__ import annotations

import numpy as np
import polars as pl

from shellring.flows.demo.pools import TRADITIONAL, TYPO_CHARS

_FULLWIDTH_SRC = list("0123456789-ABCDEF")
_FULLWIDTH_DST = [chr(ord(c) + 0xFEE0) for c in _FULLWIDTH_SRC]
_BUILDING_TOKENS = ["幢", "号楼", "栋"]


def _cn_number(n: int) -> str:
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


CN_NUMBERS = pl.Series([_cn_number(i) for i in range(10000)])


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
