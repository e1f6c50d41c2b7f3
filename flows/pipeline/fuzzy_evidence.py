"""Fuzzy evidence: comparisons SQL cannot do well, run over candidate pairs from blocking.

Candidate pairs come out of DuckDB as integer id pairs; the strings are compared with rapidfuzz's
batch scorers and only the pairs that pass go back as rows of `fuzzy_evidence`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from shellring.flows.core.sqlsteps import fetch_frame

from shellring.matchers.compare import id_near_match, similarity

# Same normalised rep name, different ID numbers: a one-keystroke difference is a typo of one person.
REP_ID_CANDIDATES = """
with reps as (
    select company_id, rep_name, rep_id from stg_companies
    where rep_name is not null and length(rep_id) = 18
),
blocks as (
    select rep_name from reps group by rep_name having count(distinct rep_id) between 2 and 2000
)
select a.company_id as company_a, b.company_id as company_b, a.rep_id as id_a, b.rep_id as id_b
from reps as a
join reps as b on a.rep_name = b.rep_name and a.company_id < b.company_id and a.rep_id <> b.rep_id
where a.rep_name in (select rep_name from blocks)
    -- a substitution differs in one position, an adjacent transposition in two: common names pair
    -- millions of IDs at a million companies, and only these few need the exact check in Python
    and hamming(a.rep_id, b.rep_id) <= 2
"""

# Same site (district + road + number, or POI), different or missing room keys: near-identical
# text is the same place written in a way the parser could not key to one room.
ADDRESS_CANDIDATES = """
with sites as (
    select company_id, reg_site_key, reg_room_key, reg_address_norm from stg_companies
    where reg_site_key is not null and reg_address_norm is not null
),
blocks as (
    select reg_site_key from sites group by reg_site_key having count(*) between 2 and ?
),
-- both sides are cut to the blocks before the self-join, not after: sites above the limit would
-- otherwise be paired out in full first
block_sites as (
    select * from sites where reg_site_key in (select reg_site_key from blocks)
)
select a.company_id as company_a, b.company_id as company_b,
    a.reg_address_norm as text_a, b.reg_address_norm as text_b
from block_sites as a
join block_sites as b on a.reg_site_key = b.reg_site_key and a.company_id < b.company_id
where a.reg_room_key is distinct from b.reg_room_key
    and (a.reg_room_key is null or b.reg_room_key is null)
"""

EMPTY = pl.DataFrame(
    schema={"company_a": pl.Int32, "company_b": pl.Int32, "reason": pl.Utf8, "attr_kind": pl.Utf8,
            "attr_value": pl.Utf8}
)


def _rep_id_typos(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    pairs = fetch_frame(con, REP_ID_CANDIDATES)
    if pairs.is_empty():
        return EMPTY
    hit = id_near_match(pairs["id_a"].to_list(), pairs["id_b"].to_list())
    return pairs.filter(pl.Series(hit)).select(
        pl.col("company_a").cast(pl.Int32),
        pl.col("company_b").cast(pl.Int32),
        pl.lit("REP_ID_TYPO").alias("reason"),
        pl.lit("person").alias("attr_kind"),
        pl.col("id_a").alias("attr_value"),
    )


def _similar_addresses(con: duckdb.DuckDBPyConnection, block_limit: int, min_similarity: float) -> pl.DataFrame:
    pairs = fetch_frame(con, ADDRESS_CANDIDATES, [block_limit])
    if pairs.is_empty():
        return EMPTY
    scores = similarity("address", pairs["text_a"].to_list(), pairs["text_b"].to_list())
    return pairs.filter(pl.Series(scores) >= min_similarity).select(
        pl.col("company_a").cast(pl.Int32),
        pl.col("company_b").cast(pl.Int32),
        pl.lit("SIMILAR_ADDRESS").alias("reason"),
        pl.lit("room").alias("attr_kind"),
        pl.col("text_a").alias("attr_value"),
    )


def build_fuzzy_evidence(con: duckdb.DuckDBPyConnection, block_limit: int = 200, min_similarity: float = 0.95) -> int:
    frame = pl.concat([_rep_id_typos(con), _similar_addresses(con, block_limit, min_similarity)])
    con.register("_fuzzy", frame.to_arrow())
    con.execute("create or replace table fuzzy_evidence as select * from _fuzzy")
    con.unregister("_fuzzy")
    return frame.height
