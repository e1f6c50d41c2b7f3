"""Tables of the driver's working DB to and from Parquet partitions on the shared folder.

A table is split by a hash of the key its readers join or group on, so every row that one partition's
SQL needs sits in that partition; the partitions' outputs, put back together, are exactly the table one
process would have written.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb


def export_partitioned(con: duckdb.DuckDBPyConnection, table: str, key: str, n_parts: int, folder: Path
                       ) -> list[list[str]]:
    """Write `table` as Parquet split by hash(key) % n_parts; returns the files of each partition (a
    partition without rows gets one empty file with the table's columns)."""
    target = folder / table
    temporary = folder / f".{table}.{uuid.uuid4().hex}.tmp"
    temporary.mkdir(parents=True)
    con.execute(f"copy (select *, (hash({key}) % {n_parts})::integer as _part from {table}) to '{temporary}' "
                "(format parquet, partition_by (_part))")
    for part in range(n_parts):
        part_dir = temporary / f"_part={part}"
        if not any(part_dir.glob("*.parquet")):
            part_dir.mkdir(exist_ok=True)
            con.execute(f"copy (select * from {table} limit 0) to '{part_dir / 'empty.parquet'}' (format parquet)")
    if target.exists():
        shutil.rmtree(target)
    os.replace(temporary, target)
    return [sorted(str(p) for p in (target / f"_part={part}").glob("*.parquet")) for part in range(n_parts)]


def export_whole(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> list[str]:
    """Write a table every partition reads in full (small: the registry's tables, a lookup)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.parquet"
    temporary = folder / f".{table}.{uuid.uuid4().hex}.tmp"
    con.execute(f"copy (select * from {table}) to '{temporary}' (format parquet)")
    os.replace(temporary, path)
    return [str(path)]


def gather(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> int:
    """The partitions' outputs as one table of the working DB; returns its rows."""
    listed = ", ".join(f"'{p}'" for p in paths)
    con.execute(f"create or replace table {table} as select * from read_parquet([{listed}], union_by_name = true)")
    return con.execute(f"select count(*) from {table}").fetchone()[0]
