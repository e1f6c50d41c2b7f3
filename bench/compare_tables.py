"""Whether two working DBs hold identical tables: rows of each in one and not the other (EXCEPT ALL both ways).

    python bench/compare_tables.py BEFORE/work.duckdb AFTER/work.duckdb [--tables norm_ stg_ ...]

A table name ending in "_" names every table with that prefix. Columns are compared by name (the one DB's
column order need not match); a column only one side has is reported, not compared. Exit status 1 when any
table differs.
"""

from __future__ import annotations

import argparse
import sys

import duckdb


def _tables(con: duckdb.DuckDBPyConnection, db: str, patterns: list[str]) -> list[str]:
    names = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = ? order by 1", [db]).fetchall()]
    return [n for n in names if any(n.startswith(p) if p.endswith("_") else n == p for p in patterns)]


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and table_name = ? order by column_index",
        [db, table]).fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--tables", nargs="*", default=["norm_", "stg_"])
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"attach '{args.before}' as a (read_only)")
    con.execute(f"attach '{args.after}' as b (read_only)")
    differ = False
    names = sorted(set(_tables(con, "a", args.tables)) | set(_tables(con, "b", args.tables)))
    for table in names:
        left, right = _columns(con, "a", table), _columns(con, "b", table)
        if not left or not right:
            print(f"{table:<24} only in {'after' if not left else 'before'}")
            differ = True
            continue
        shared = ", ".join(f'"{c}"' for c in left if c in right)
        only = sorted(set(left) ^ set(right))
        counts = [con.execute(f"select count(*) from a.{table}").fetchall()[0][0],
                  con.execute(f"select count(*) from b.{table}").fetchall()[0][0]]
        gone = con.execute(f"select count(*) from (select {shared} from a.{table} except all "
                           f"select {shared} from b.{table})").fetchall()[0][0]
        new = con.execute(f"select count(*) from (select {shared} from b.{table} except all "
                          f"select {shared} from a.{table})").fetchall()[0][0]
        same = gone == 0 and new == 0 and not only
        differ = differ or not same
        print(f"{table:<24}{counts[0]:>12,}{counts[1]:>12,} rows   only before {gone:,}, only after {new:,}"
              f"{'   columns on one side: ' + ', '.join(only) if only else ''}   {'IDENTICAL' if same else 'DIFFER'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
