"""Fuzzy evidence: comparisons SQL cannot do well, run over candidate pairs from blocking.

The candidate pairs are SQL steps (sql/linking/rep_id_candidates.sql, address_candidates.sql); here
the strings are compared with rapidfuzz's batch scorers and only the pairs that pass go back as rows
of `fuzzy_evidence`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from shellring.flows.core.sqlsteps import fetch_frame
from shellring.matchers.compare import id_near_match, similarity

EMPTY = pl.DataFrame(
    schema={"company_a": pl.Int32, "company_b": pl.Int32, "reason": pl.Utf8, "attr_kind": pl.Utf8,
            "attr_value": pl.Utf8}
)


def _rep_id_typos(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    pairs = fetch_frame(con, "select company_a, company_b, id_a, id_b from rep_id_candidates")
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


def _similar_addresses(con: duckdb.DuckDBPyConnection, min_similarity: float) -> pl.DataFrame:
    pairs = fetch_frame(con, "select company_a, company_b, text_a, text_b from address_candidates")
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


def build_fuzzy_evidence(con: duckdb.DuckDBPyConnection, min_similarity: float) -> int:
    frame = pl.concat([_rep_id_typos(con), _similar_addresses(con, min_similarity)])
    con.register("_fuzzy", frame.to_arrow())
    con.execute("create or replace table fuzzy_evidence as select * from _fuzzy")
    con.unregister("_fuzzy")
    return frame.height
