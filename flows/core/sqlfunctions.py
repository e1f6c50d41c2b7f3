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

# How much a shape that took `span` days still counts: fully within `full_days`, falling linearly to nothing at
# `windows` times that (the shape terms' one way to let a pattern spread over a longer life count less, not stop).
WINDOW_FADE = """
create or replace macro window_fade(span, full_days, windows) as
    greatest(0, least(1, (windows * full_days - span) / ((windows - 1) * full_days)))
"""

# An address that names its building's block in words the room key holds no letter for (广安门外大街168号中座603室,
# 东楼, 二期, or a 座/栋/幢/号楼 the parser did not read as a lettered or numbered block): a room written without a
# letter there is no unlettered room of a lettered block (staging/room_blocks, linking/room_neighbour_evidence).
NAMES_BLOCK_IN_WORDS = """
create or replace macro names_block_in_words(address) as
    regexp_matches(coalesce(address, ''), '座|栋|幢|号楼|[东西南北中主裙副][楼塔]|塔楼|[0-9一二三四五六七八九十]期')
"""


def create_sql_functions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(POISSON_AT_LEAST)
    con.execute(WINDOW_FADE)
    con.execute(NAMES_BLOCK_IN_WORDS)
