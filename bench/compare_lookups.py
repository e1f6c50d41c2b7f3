"""The six norm_* lookup tables of two working DBs compared row for row (EXCEPT ALL both ways) and by columns.

    python bench/compare_lookups.py BEFORE/work.duckdb AFTER/work.duckdb     # exit status 1 when they differ
"""

from __future__ import annotations

import argparse
import sys

import duckdb

TABLES = ["norm_uscc", "norm_resident_id", "norm_person_name", "norm_company_name", "norm_address", "norm_phone"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute("attach ? as a (read_only)", [args.before])
    con.execute("attach ? as b (read_only)", [args.after])
    differences = 0
    for table in TABLES:
        columns = [[r[0:2] for r in con.execute(f"describe {side}.{table}").fetchall()] for side in ("a", "b")]
        only = [con.execute(f"select count(*) from (select * from {x}.{table} except all select * from {y}.{table})"
                            ).fetchone()[0] for x, y in (("a", "b"), ("b", "a"))]
        rows = con.execute(f"select count(*) from a.{table}").fetchone()[0]
        same_columns = columns[0] == columns[1]
        print(f"{table:<20} rows {rows:>12,}  only before {only[0]:>8,}  only after {only[1]:>8,}  "
              f"same columns and types {same_columns}")
        differences += sum(only) + (not same_columns)
    print("IDENTICAL" if not differences else "DIFFERENT")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
