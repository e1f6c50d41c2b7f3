"""Compare the published tables of two results DBs row for row (EXCEPT ALL both ways), run ids left out.

Used to show that a restructuring changed no published output: run the same extracts through the old
and the new code into two fresh results DBs, then

    python bench/compare_published.py BEFORE.duckdb AFTER.duckdb [--reasons-as-sets]

`--reasons-as-sets` compares each cluster's reasons and mitigations as sets: code before cf94345 listed
equal risk contributions in thread order, so two runs of that code can differ there (see
bench/RESULTS-restructure.md). Exit code 0 when identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

TABLES = ["clusters", "cluster_members", "links", "hubs", "cluster_hubs", "rejected_rows", "cluster_changes",
          "cluster_lineage", "verdicts", "cluster_values"]
RUN_SPECIFIC = {"run_id", "previous_run_id"}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_catalog = ? and table_name = ? "
        "order by ordinal_position", [catalog, table]).fetchall()]


def compare(before: str, after: str, reasons_as_sets: bool = False) -> bool:
    con = duckdb.connect()
    con.execute("attach ? as a (read_only)", [before])
    con.execute("attach ? as b (read_only)", [after])
    identical = True
    for table in TABLES:
        columns = _columns(con, "a", table)
        if columns != _columns(con, "b", table):
            print(f"{table}: columns differ: {sorted(set(columns) ^ set(_columns(con, 'b', table)))}")
            identical = False
            continue
        keep = [c for c in columns if c not in RUN_SPECIFIC]
        if reasons_as_sets and table == "clusters":
            keep = [f"list_sort(string_split({c}, '; ')) as {c}" if c in ("reasons", "mitigations") else c
                    for c in keep]
        select = ", ".join(keep)
        n = con.execute(f"select count(*) from a.{table}").fetchone()[0]
        only_before = con.execute(
            f"select count(*) from (select {select} from a.{table} except all select {select} from b.{table})"
        ).fetchone()[0]
        only_after = con.execute(
            f"select count(*) from (select {select} from b.{table} except all select {select} from a.{table})"
        ).fetchone()[0]
        print(f"{table:16s} rows {n:8d}  only before {only_before:6d}  only after {only_after:6d}")
        identical &= only_before == 0 and only_after == 0
    print("IDENTICAL" if identical else "DIFFERENT")
    return identical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--reasons-as-sets", action="store_true")
    args = parser.parse_args()
    sys.exit(0 if compare(args.before, args.after, args.reasons_as_sets) else 1)


if __name__ == "__main__":
    main()
