"""Fuzzy evidence: the SQL blocking of representative-ID typos loses no pair the exact check would accept."""

from __future__ import annotations

import random

import duckdb
from stepkit import run

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.fuzzy_evidence import build_fuzzy_evidence
from shellring.matchers.compare import id_near_match

BASE_ID = "11010519491231002X"


def _companies(rows: list[tuple[int, str, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""create table stg_companies (company_id integer, rep_name varchar, rep_id varchar,
                   reg_site_key varchar, reg_room_key varchar, reg_address_norm varchar)""")
    con.executemany("insert into stg_companies values (?, ?, ?, null, null, null)", rows)
    return con


def _typo_pairs(con: duckdb.DuckDBPyConnection) -> set[tuple[int, int]]:
    Settings().apply(con)
    run(con, "linking/rep_id_candidates", "linking/address_candidates")
    build_fuzzy_evidence(con, Settings().address_min_similarity)
    return set(con.execute(
        "select company_a, company_b from fuzzy_evidence where reason = 'REP_ID_TYPO'").fetchall())


def test_one_keystroke_typos_of_the_same_name_link_and_nothing_else():
    swapped = BASE_ID[:5] + BASE_ID[6] + BASE_ID[5] + BASE_ID[7:]
    substituted = BASE_ID[:10] + "9" + BASE_ID[11:]
    two_apart = BASE_ID[:3] + "8" + BASE_ID[4:12] + "7" + BASE_ID[13:]
    con = _companies([
        (1, "王伟", BASE_ID), (2, "王伟", swapped), (3, "王伟", substituted), (4, "王伟", two_apart),
        (5, "李娜", substituted[:-1] + "5"), (6, "王伟", BASE_ID),
    ])
    pairs = _typo_pairs(con)
    assert (1, 2) in pairs and (1, 3) in pairs and (2, 6) in pairs and (3, 6) in pairs
    assert not {p for p in pairs if 4 in p or 5 in p}
    assert (1, 6) not in pairs  # the same ID is SAME_REP evidence, not a typo


def test_sql_prefilter_keeps_every_pair_the_exact_check_accepts():
    rng = random.Random(5)
    digits = "0123456789X"
    rows, company = [], 0
    for name in ("张伟", "王芳", "李强"):
        seeds = ["".join(rng.choice(digits[:10]) for _ in range(17)) + rng.choice(digits) for _ in range(6)]
        for seed in seeds:
            for _ in range(8):
                chars = list(seed)
                for _ in range(rng.choice([0, 1, 1, 2, 3])):
                    i = rng.randrange(18)
                    if rng.random() < 0.5 and i < 17:
                        chars[i], chars[i + 1] = chars[i + 1], chars[i]
                    else:
                        chars[i] = rng.choice(digits)
                company += 1
                rows.append((company, name, "".join(chars)))
    con = _companies(rows)
    brute = {(a, b) for a, name_a, id_a in rows for b, name_b, id_b in rows
             if a < b and name_a == name_b and id_a != id_b and id_near_match([id_a], [id_b])[0]}
    assert len(brute) > 50
    assert _typo_pairs(con) == brute
