"""EXCEPT ALL both ways of the lookup and staged tables of two working DBs, over the AFTER DB's columns.

For a change that drops columns nobody reads: the kept columns must hold the same rows. norm_person_name may
lose rows (the agents' names are no longer parsed): every row it keeps must be as before.

    python bench/compare_lookups_staged.py BEFORE/work.duckdb AFTER/work.duckdb   # exit status 1 when they differ
"""

import sys

import duckdb

TABLES = ["norm_uscc", "norm_resident_id", "norm_person_name", "norm_company_name", "norm_address", "norm_phone",
          "stg_companies", "stg_accounts", "company_regions"]


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(f"select count(*) from ({sql})").fetchone()[0]


def main(before: str, after: str) -> bool:
    con = duckdb.connect()
    con.execute(f"attach '{before}' as b (read_only)")
    con.execute(f"attach '{after}' as a (read_only)")
    ok = True
    for t in TABLES:
        cols = ", ".join(f'"{r[0]}"' for r in con.execute(f"describe a.{t}").fetchall())
        only_before = f"select {cols} from b.{t} except all select {cols} from a.{t}"
        only_after = f"select {cols} from a.{t} except all select {cols} from b.{t}"
        if t == "norm_person_name":  # rows of names no longer parsed may be gone
            only_before = f"select * from ({only_before}) where input in (select input from a.{t})"
        d1, d2 = _count(con, only_before), _count(con, only_after)
        rows = f"{_count(con, f'select * from b.{t}'):>9,} -> {_count(con, f'select * from a.{t}'):>9,}"
        print(f"{t:20s} rows {rows}  before-not-after {d1}  after-not-before {d2}")
        ok &= d1 == 0 and d2 == 0
    print("IDENTICAL" if ok else "DIFFERENT")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(*sys.argv[1:3]) else 1)
