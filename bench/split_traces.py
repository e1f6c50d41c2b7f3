"""Do the parts of split rings share more than chance? An operator who runs several fronts leaves traces.

    python bench/split_traces.py FOLDER [FOLDER ...] [--kind nominee_rep]   # bench/quality.py --keep folders

For every ring of the kind that no cluster holds >= 80% of (the README's rule), lists its parts (cluster, members,
flagged, score, representatives) and the scored evidence between them (pair_evidence, weak pairs included). Then,
over all pairs of companies in different parts with different representatives, the share showing each trace a
recruiter leaves (one district, one first-account branch, that branch within 7 days, registration within 7 days, one
registration authority, a word-for-word scope text, alike USCC organisation codes), next to the base rate among
pairs of companies registered in one district within 120 days of each other (a sample of 20,000 companies per
folder): a trace shared no more often than the base rate is no evidence to join the parts on.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

TRACES = """
select count(*) as pairs,
    avg((a.reg_adcode = b.reg_adcode)::int) as same_district,
    avg((a.branch = b.branch)::int) as same_branch,
    avg((a.branch = b.branch and abs(date_diff('day', a.opened, b.opened)) <= 7)::int) as branch_week,
    avg((abs(date_diff('day', a.reg_date, b.reg_date)) <= 7)::int) as registered_week,
    avg((a.reg_authority = b.reg_authority)::int) as same_authority,
    avg((a.scope_key = b.scope_key)::int) as same_scope,
    avg((substr(a.uscc, 9, 9) = substr(b.uscc, 9, 9))::int) as same_org_code
from {pairs}
"""
CROSS = ("parts as a join parts as b on a.company_id < b.company_id and a.rep_id <> b.rep_id "
         "and a.group_id = b.group_id and a.cluster_no is distinct from b.cluster_no")
BASE = ("base as a join base as b on a.company_id < b.company_id and a.rep_id <> b.rep_id "
        "and a.reg_adcode = b.reg_adcode and abs(date_diff('day', a.reg_date, b.reg_date)) <= 120")


def analyse(folder: Path, kind: str) -> list[tuple]:
    (work,) = (folder / ".results.duckdb.work").glob("*/work.duckdb")
    con = duckdb.connect(str(work), read_only=True)
    con.execute("""create temp table truth as
        select upper(trim(uscc)) as uscc, kind, group_id from read_csv(?, all_varchar = true)
        where is_ring = 'true'""", [str(folder / "truth.csv")])
    con.execute("""create temp table companies as
        select s.company_id, s.uscc, s.rep_id, s.reg_date, s.scope_key, s.reg_adcode, r.reg_authority, t.kind,
            t.group_id, cc.cluster_no, a.branch, a.opened
        from stg_companies as s
        left join truth as t using (uscc)
        left join company_clusters as cc using (company_id)
        left join (select company_id, arg_min(bank_branch, open_date) as branch, min(open_date) as opened
                   from stg_accounts group by company_id) as a using (company_id)
        left join (select upper(trim(uscc)) as uscc, any_value(reg_authority) as reg_authority
                   from src_registrations group by all) as r using (uscc)""")
    con.execute("""create temp table parts as
        select * from companies where group_id in (
            select group_id from (
                select group_id, count(*) over (partition by group_id, cluster_no) as in_part,
                    count(*) over (partition by group_id) as size
                from companies where kind = ?)
            group by group_id having max(in_part) < 0.8 * any_value(size))""", [kind])
    rings = con.execute("""
        select p.group_id, count(*), count(distinct p.rep_id),
            list(distinct struct_pack(cluster := p.cluster_no, flagged := s.flagged, score := round(s.risk_score)))
        from parts as p left join cluster_scores as s using (cluster_no) group by p.group_id order by 1""").fetchall()
    for group_id, size, reps, parts in rings:
        between = con.execute("""
            select e.reason, count(*) from pair_evidence as e
            join parts as a on a.company_id = e.company_a join parts as b on b.company_id = e.company_b
            where a.group_id = ? and b.group_id = ? and a.cluster_no is distinct from b.cluster_no
            group by e.reason order by 2 desc""", [group_id, group_id]).fetchall()
        print(f"{folder.name} {group_id}: {size} companies, {reps} representatives, parts {parts}, "
              f"evidence between parts {dict(between) or 'none'}")
    con.execute("create temp table base as select * from companies using sample 20000 rows (reservoir, 7)")
    return [con.execute(TRACES.format(pairs=CROSS)).fetchall()[0], con.execute(TRACES.format(pairs=BASE)).fetchall()[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--kind", default="nominee_rep")
    args = parser.parse_args()
    columns = ["run", "pairs of", "pairs", "same district", "same first-account branch", "that branch within 7 days",
               "registered within 7 days", "same authority", "same scope text", "alike organisation code"]
    print("\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    rows = []
    for folder in args.folders:
        cross, base = analyse(folder, args.kind)
        rows += [(folder.name, "across parts", *cross), (folder.name, "base: one district, 120 days", *base)]
    for name, what, pairs, *shares in rows:
        print(f"| {name} | {what} | {pairs:,} | " + " | ".join("-" if v is None else f"{v:.4f}" for v in shares) + " |")


if __name__ == "__main__":
    main()
