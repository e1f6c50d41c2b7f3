"""SQL functions the steps share, created on every connection the steps run on (with the settings)."""
from __future__ import annotations

import duckdb

# P(Poisson(mean) >= k), summed in log space from k up: the terms fall fast once k exceeds the mean, so sixty of
# them hold the tail to well under the rates it is compared with. The chance tests of the linking steps (a number
# block, a time-and-branch cell, a batch's strays) all ask this one question; each caller guards its own mean.
POISSON_AT_LEAST = """
create or replace macro poisson_at_least(k, mean) as
    list_sum(list_transform(range(k, k + 60), lambda i: exp(i * ln(mean) - mean - lgamma(i + 1))))
"""


def create_sql_functions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(POISSON_AT_LEAST)
