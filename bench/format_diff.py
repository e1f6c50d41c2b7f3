"""What a value-format rewrite (bench/reformat.py) changed in a run: staged normalised keys per company and per
account, published clusters and members, flagged clusters and their reasons.

    python bench/format_diff.py ORIGINAL_RESULTS.duckdb REWRITTEN_RESULTS.duckdb

Each results DB must still have its working dir (.NAME.results.duckdb.work) next to it. Companies are matched on
their normalised USCC, accounts on their id (the rank of company, open date and account number, the same in both
runs when the USCCs read the same); clusters on their member set. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

COMPANY_KEYS = ["uscc_valid", "trade_name", "rep_name", "rep_id", "rep_id_valid", "rep_age_at_reg", "reg_adcode",
                "reg_site_key", "reg_building_key", "reg_room_key", "phone", "phone_type", "phone_also", "reg_date",
                "reg_capital", "scope_key"]
ACCOUNT_KEYS = ["company_id", "open_date", "rep_id", "agent_id", "agent_phone", "agent_phone_also", "contact_phone",
                "contact_phone_also", "contact_room_key", "days_since_registration"]


def work_db(results: Path) -> Path:
    found = sorted((results.parent / f".{results.name}.work").glob("*/work.duckdb"))
    if not found:
        raise SystemExit(f"no working DB next to {results}")
    return found[-1]


def _changed(con: duckdb.DuckDBPyConnection, table: str, key: str, columns: list[str]) -> dict:
    total = con.execute(f"select count(*) from a.{table}").fetchone()[0]
    missing = con.execute(f"select count(*) from a.{table} x anti join b.{table} y using ({key})").fetchone()[0]
    out = {"rows": total, "unmatched": missing}
    for column in columns:
        out[column] = con.execute(
            f"select count(*) from a.{table} x join b.{table} y using ({key}) "
            f"where x.{column} is distinct from y.{column}").fetchone()[0]
    return out


def compare(before: Path, after: Path) -> dict:
    con = duckdb.connect()
    con.execute(f"attach '{work_db(before)}' as a (read_only)")
    con.execute(f"attach '{work_db(after)}' as b (read_only)")
    staged = {"companies": _changed(con, "stg_companies", "uscc", COMPANY_KEYS),
              "accounts": _changed(con, "stg_accounts", "account_id", ACCOUNT_KEYS)}
    con.execute(f"attach '{before}' as pa (read_only)")
    con.execute(f"attach '{after}' as pb (read_only)")
    sets = {}
    for side in ("pa", "pb"):
        rows = con.execute(
            f"select list(m.uscc order by m.uscc), any_value(c.flagged), any_value(c.reason_codes), "
            f"any_value(c.link_reasons), any_value(c.risk_score) from {side}.cluster_members m "
            f"join {side}.clusters c using (run_id, cluster_id) group by m.cluster_id").fetchall()
        sets[side] = {tuple(r[0]): r[1:] for r in rows}
    a, b = sets["pa"], sets["pb"]
    same = a.keys() & b.keys()
    flagged_a = {k for k, v in a.items() if v[0]}
    flagged_b = {k for k, v in b.items() if v[0]}
    published = {
        "clusters": len(a), "clusters_after": len(b), "clusters_only_before": len(a.keys() - b.keys()),
        "clusters_only_after": len(b.keys() - a.keys()), "flagged": len(flagged_a), "flagged_after": len(flagged_b),
        "flagged_only_before": len(flagged_a - flagged_b), "flagged_only_after": len(flagged_b - flagged_a),
        "same_members_other_reasons": sum(1 for k in same if a[k][1:3] != b[k][1:3]),
        "same_members_other_score": sum(1 for k in same if a[k][3] != b[k][3]),
    }
    return {"staged": staged, "published": published}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="results DB of the original extracts")
    parser.add_argument("after", type=Path, help="results DB of the rewritten extracts")
    args = parser.parse_args()
    print(json.dumps(compare(args.before, args.after), ensure_ascii=False))


if __name__ == "__main__":
    main()
