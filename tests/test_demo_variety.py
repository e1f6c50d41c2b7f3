"""The variety knob: the same latent values in further real spellings, which the matchers must read as one value.

The oracle is the generator's latent value: a phone, address or ID rendered plainly and in every variety spelling
must parse to the same number, room key or ID (the matchers never see the latent value).
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
import polars as pl

from shellring.flows.demo import identifiers as ids
from shellring.flows.demo import pools, render
from shellring.flows.demo.generate import _address_frame, generate_demo
from shellring.flows.demo.knobs import Knobs, resolve
from shellring.flows.demo.population import RING_KINDS, TAG_PROFILE_ONLY, YEAR, build
from shellring.matchers.address import parse_addresses
from shellring.matchers.ids import parse_resident_ids
from shellring.matchers.names import parse_person_names
from shellring.matchers.phone import parse_phones


def _digest(path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_hard_never_turns_variety_on_and_variety_plants_the_same_rings(tmp_path):
    assert not resolve(7, True, None, None, None, None, None).variety
    hard = generate_demo(tmp_path / "hard", n_companies=1500, seed=3, hard=True)
    varied = generate_demo(tmp_path / "varied", n_companies=1500, seed=3, hard=True, variety=True)
    again = generate_demo(tmp_path / "again", n_companies=1500, seed=3, hard=True, variety=True)
    assert _digest(varied.registrations) == _digest(again.registrations)  # seeded
    # the same companies, rings and look-alikes; only student batches' members may turn profile-only
    truth_hard = pl.read_csv(hard.truth, infer_schema_length=0)
    truth_varied = pl.read_csv(varied.truth, infer_schema_length=0)
    assert truth_varied.drop("tags").equals(truth_hard.drop("tags"))
    retagged = truth_varied.filter(truth_varied["tags"].fill_null("") != truth_hard["tags"].fill_null(""))
    assert set(retagged["kind"]) <= {"student_batch"} and all("profile_only" in t for t in retagged["tags"])
    a = pl.read_csv(hard.registrations, encoding="gbk", infer_schema_length=0)
    b = pl.read_csv(varied.registrations, encoding="gbk", infer_schema_length=0)
    assert a.columns == b.columns and a[:, 0].to_list() == b[:, 0].to_list()
    address_col = next(c for c in a.columns if "地址" in c or c == "住所")
    changed = (a[address_col] != b[address_col]).mean()
    assert 0.02 < changed < 0.95, changed  # a noisy share is spelled otherwise, not every row


def test_every_variety_phone_spelling_is_the_plain_number():
    rng = np.random.default_rng(3)
    n = 1200
    land = np.arange(n) % 2 == 0
    areas = np.array(list(pools.LANDLINE_AREA.values()))[rng.integers(0, len(pools.LANDLINE_AREA), n)]
    numbers = np.where(land, ids.landlines(rng, areas, pools.SEVEN_DIGIT_AREAS), ids.mobiles(rng, n, 0.1))
    ext = np.where(land & (np.arange(n) % 4 == 0), 801 + np.arange(n) % 50, 0)
    plain = render.phones(numbers, land, ext, rng, 0.0)
    varied = render.varied_phones(plain, numbers, land, ext, np.random.default_rng(4), 1.0)
    forms = set(varied.to_list())
    for pattern in (r"（转\d+）", r"#\d+$", r"^\+86\(", r"^0086-", r"^电话：", r"^手机：", r"^\(\+86\)", r"—",
                    r"/1\d{10}$", r"^1\d{10}[；，、]"):
        assert any(re.search(pattern, f) for f in forms), pattern
    a, b = parse_phones(plain.to_list()), parse_phones(varied.to_list())
    valid = a["valid"].to_numpy()
    assert valid.mean() > 0.9
    # listed with another number, it is the field's number or its `also` (the pipeline links both)
    first = (a["e164"] == b["e164"]).fill_null(False) & (a["extension"].fill_null("") == b["extension"].fill_null(""))
    same = first | (a["e164"] == b["also"]).fill_null(False)
    assert b["also"].is_not_null().sum() > 50
    assert same.filter(pl.Series(valid)).all(), pl.DataFrame({"plain": plain, "varied": varied}).filter(
        pl.Series(valid) & ~same).head(10).rows()


def test_every_variety_address_spelling_is_the_plain_room():
    w, _, addresses, _, meta = build(1500, 5, 0.07, Knobs(vary=True))
    table = _address_frame(addresses, meta)
    rows = np.unique(w.addr)
    rows = rows[table["room"].to_numpy()[rows] > 0][:500]
    plain = render.addresses(table, rows, np.random.default_rng(1), 0.0)
    # no road typos here: a typo is a different road to the parser, and that is not what this test asks
    varied = render.varied_addresses(table, rows, np.random.default_rng(2), 1.0, road_typos=False)
    for pattern in ("单元$", "号房$", "户$", "房间$", "F", "#", "號", " ", "^浙江[^省]"):
        assert varied.str.contains(pattern).any(), pattern
    # the registering authority's code is the hint the pipeline gives (西湖区 alone names two districts)
    hints = meta["dist"].code[addresses["district"][rows]].tolist()
    a, b = parse_addresses(plain.to_list(), hints), parse_addresses(varied.to_list(), hints)
    assert a["room_key"].null_count() <= 2
    same = (a["room_key"] == b["room_key"]).fill_null(False)
    assert same.mean() >= 0.995, pl.DataFrame({"plain": plain, "varied": varied}).filter(~same).head(10).rows()


def test_variety_ids_and_names_normalise_to_the_plain_value():
    plain = pl.Series(["11010519491231002X", "330106199001011234", "33010620001231002x"])
    varied = render.varied_ids(pl.concat([plain] * 40), np.random.default_rng(0), 1.0)
    assert varied.str.contains(" ").any() and varied.str.contains("[０-９]").any()
    assert parse_resident_ids(varied)["normalized"].to_list() == \
        parse_resident_ids(pl.concat([plain] * 40))["normalized"].to_list()
    names = pl.Series(["张伟", "欧阳娜娜", "李雪"] * 40)
    spaced = render.varied_names(names, np.random.default_rng(0), 1.0)
    assert spaced.str.contains("[ \u3000]").any()
    assert parse_person_names(spaced)["normalized"].to_list() == names.to_list()


def test_variety_draws_student_batches_wider_than_the_hard_demo():
    """With variety a student batch's members come from one to three prefectures of one province, are up to
    mid-twenties, register in waves over up to a few weeks, open at up to four branches, and up to ~0.9 of them
    share only the profile; the hard demo's batches stay within their narrower shape (the world's own values)."""
    def shapes(knobs: Knobs) -> list[dict]:
        w, people, _, accounts, _ = build(12_000, 11, 0.07, knobs)
        out = []
        for g in np.unique(w.group[w.kind == 0 + RING_KINDS.index("student_batch")]):
            m = np.flatnonzero(w.group == g)
            regions = people["region"][w.rep[m]]
            ages = (w.reg_day[m] - people["birth"][w.rep[m]]) / YEAR
            held = np.isin(accounts["company"], m)  # a branch of the batch holds two or more of its members
            pairs = np.unique(np.c_[accounts["branch"][held], accounts["company"][held]], axis=0)
            branch_ids, counts = np.unique(pairs[:, 0], return_counts=True)
            branches = branch_ids[counts >= 2]
            out.append({"provinces": len({r[:2] for r in regions}), "prefectures": len({r[:4] for r in regions}),
                        "oldest": ages.max(), "span": int(np.ptp(w.reg_day[m])), "branches": len(branches),
                        "profile_only": float(((w.tags[m] & TAG_PROFILE_ONLY) > 0).mean())})
        return out
    hard, wide = shapes(resolve(11, True, None, None, None, None, None)), \
        shapes(resolve(11, True, None, None, None, None, None, variety=True))
    assert len(hard) == len(wide) >= 8
    assert max(s["oldest"] for s in hard) < 23 and max(s["oldest"] for s in wide) > 23.5
    assert max(s["prefectures"] for s in wide) >= 3 and all(s["provinces"] == 1 for s in wide)
    assert max(s["span"] for s in hard) <= 10 and max(s["span"] for s in wide) > 14
    assert max(s["branches"] for s in hard) <= 2 and max(s["branches"] for s in wide) >= 3
    assert max(s["profile_only"] for s in hard) < 0.8 < max(s["profile_only"] for s in wide)
