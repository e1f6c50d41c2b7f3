"""Hosted farm addresses (variety only): desk numbers and hosting notes after the room, farms over a few rooms.

The oracle is the generator's latent room: a member's address written with a desk suffix and/or the hosting
company's note must parse to the room key of the same room written plainly (the matcher never sees the latent room).
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import polars as pl

from shellring.flows.demo import render
from shellring.flows.demo.generate import _address_frame
from shellring.flows.demo.hosted import DESK_FORMS, HOST_FORMS, desk_suffixes, host_note
from shellring.flows.demo.knobs import Knobs
from shellring.flows.demo.population import KINDS, build
from shellring.matchers.address import parse_addresses

_BARE_SEAT = re.compile(r"(?<![0-9])[1-9][0-9]{2,4}(?:-[1-9][0-9]{0,2}号?|[A-Z][0-9]{1,3})(?:[（(].*)?$")


def _room_rows(n: int = 600):
    w, _, addresses, _, meta = build(1500, 5, 0.07, Knobs(vary=True))
    table = _address_frame(addresses, meta)
    rows = np.unique(w.addr)
    rows = rows[table["room"].to_numpy()[rows] > 0][:n]
    hints = meta["dist"].code[addresses["district"][rows]].tolist()
    return table, rows, hints


def test_every_desk_suffix_and_hosting_note_keeps_the_plain_room():
    table, rows, hints = _room_rows()
    rng = np.random.default_rng(8)
    n = len(rows)
    form = np.arange(n) % (len(DESK_FORMS) + 1)  # the last: no desk, only a note
    suffix = np.array([desk_suffixes(rng, 1, f)[0] if f < len(DESK_FORMS) else "" for f in form], dtype=object)
    noted = np.arange(n) % 3 > 0
    city = table["city"].gather(rows).to_list()
    notes = [s + (host_note(rng, c) if t else "") for s, t, c in zip(suffix, noted, city, strict=True)]
    hosted_table = table.with_columns(pl.lit("").alias("note"))
    hosted_table = hosted_table[rows].with_columns(note=pl.Series(notes))
    plain = render.addresses(table.with_columns(pl.lit("").alias("note")), rows, np.random.default_rng(1), 0.0)
    index = np.arange(n)
    written = render.addresses(hosted_table, index, np.random.default_rng(1), 0.0)
    # and in every further spelling of the room (bare 1203, 1203单元, -1203, 12层1203室 ...)
    varied = render.varied_addresses(hosted_table, index, np.random.default_rng(2), 1.0, road_typos=False)
    a = parse_addresses(plain.to_list(), hints)
    assert a["room_key"].null_count() <= 2
    for text in (written, varied):
        b = parse_addresses(text.to_list(), hints)
        same = (a["room_key"] == b["room_key"]).fill_null(False)
        # a bare room run straight into a seat (1201-841, 1201A23) reads as building 1201, room 841 or one stall
        # 1201A23, as real estates and markets write them: nothing in the text says otherwise
        bare = pl.Series([bool(_BARE_SEAT.search(unicodedata.normalize("NFKC", t).replace("號", "号")))
                          for t in text.to_list()])
        assert bare.mean() < 0.1
        misses = pl.DataFrame({"plain": plain, "hosted": text}).filter(~same & ~bare)
        assert same.filter(~bare).mean() >= 0.995, (len(misses), misses.head(12).rows())
    for pattern in ("之[一二三四五六七八九十百]", "托管号", "工位", r"-\d{3}$", "秘书", "集群注册", r"室[A-E]\d\d"):
        assert written.str.contains(pattern).any(), pattern
    assert len(HOST_FORMS) >= 5


def test_variety_spreads_some_farms_over_rooms_and_writes_desks_and_notes_but_hard_does_not():
    plain_world = build(6000, 7, 0.07, Knobs(vary=True, density=0.5))
    varied_world = build(6000, 7, 0.07, Knobs(vary=True, density=0.5, variety=True))
    for (w, _, addresses, _, _), variety in ((plain_world, False), (varied_world, True)):
        farm = w.kind == KINDS.index("address_farm")
        groups = np.unique(w.group[farm])
        rooms_per_farm = np.array([len(np.unique(addresses["room"][w.addr[w.group == g]])) for g in groups])
        suffixed = np.char.find(addresses["note"][w.addr[farm]].astype(str), "之") >= 0
        if variety:
            assert (rooms_per_farm > 1).any() and (rooms_per_farm == 1).any()
            assert (addresses["note"][w.addr[farm]] != "").mean() > 0.2
        else:
            assert (rooms_per_farm == 1).all() and not suffixed.any()
    assert (plain_world[0].group == varied_world[0].group).all()  # the same rings: only their addresses differ
    # busier buildings: more ordinary tenants, and hosting agencies' rooms of dozens of ordinary companies
    busiest = []
    for w, _, addresses, _, _ in (plain_world, varied_world):
        ordinary = w.kind == KINDS.index("ordinary")
        place = pl.DataFrame({"road": addresses["road"][w.addr[ordinary]], "no": addresses["road_no"][w.addr[ordinary]],
                              "room": addresses["room"][w.addr[ordinary]]})
        busiest.append((place.group_by("road", "no").len()["len"].max(),
                        place.filter(pl.col("room") > 0).group_by("road", "no", "room").len()["len"].max()))
    assert busiest[1][0] > busiest[0][0] and busiest[1][1] >= 20 > busiest[0][1], busiest
