"""What ties the pieces of a split ring together, if anything: per kind, over kept runs.

    python bench/split_pieces.py FOLDER [FOLDER ...] [--kind nominee agent ...]   # truth.csv + a kept working DB

A ring is split when no cluster of the run's cluster stage (`company_clusters`; a company in none is a piece of its
own) holds 80 % of it, the README's rule without the flag. Its pieces are the clusters holding its members. For each
kind, printed per folder: the split rings, how many have a candidate pair of any kind between two of their pieces
(`company_links`: a shared value, a building, a branch-day, a batch pair, linked or not), how many a kept link
(`is_link`), and the reasons of those pairs. A split ring with no candidate pair between its pieces shares no
evidence the job scores: no clustering rule can join it. Counts only; no value is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
from rescore import kept_work_db

SPLIT = """
create or replace temp table members as
select t.group_id, t.kind, s.company_id, coalesce(c.cluster_no, -s.company_id) as piece
from truth as t
join stg_companies as s using (uscc)
left join company_clusters as c using (company_id)
where t.is_ring = 'true';

create or replace temp table split_members as
with pieces as (
    select group_id, piece, count(*) as n from members group by group_id, piece
),
split as (
    select group_id from pieces group by group_id having max(n) < 0.8 * sum(n)
)
select m.* from members as m semi join split as s using (group_id);

create or replace temp table between_pieces as
select a.group_id, a.kind, l.reason, l.is_link
from company_links as l
join split_members as a on a.company_id = l.company_a
join split_members as b on b.company_id = l.company_b and b.group_id = a.group_id and b.piece <> a.piece;
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--kind", nargs="*", help="ring kinds to print (truth.csv `kind`); all when not given")
    args = ap.parse_args()
    for folder in args.folders:
        con = duckdb.connect(str(kept_work_db(folder)), read_only=True)
        con.execute(f"create temp table truth as select * from read_csv('{folder / 'truth.csv'}', all_varchar = true)")
        con.execute(SPLIT)
        found = con.execute("select distinct kind from split_members order by 1").fetchall()
        kinds = args.kind or [r[0] for r in found]
        print(f"## {folder}")
        print("| kind | split rings | with a candidate pair between pieces | with a kept link "
              "| reasons (pairs, rings) |")
        print("|---|---|---|---|---|")
        for kind in kinds:
            split = con.execute("select count(distinct group_id) from split_members where kind = ?", [kind]).fetchone()
            tied = con.execute("select count(distinct group_id), count(distinct group_id) filter (where is_link) "
                               "from between_pieces where kind = ?", [kind]).fetchone()
            reasons = con.execute("select reason, count(*), count(distinct group_id) from between_pieces "
                                  "where kind = ? group by reason order by 2 desc limit 6", [kind]).fetchall()
            shown = ", ".join(f"{r} {n}, {g}" for r, n, g in reasons)
            print(f"| {kind} | {split[0]} | {tied[0]} | {tied[1]} | {shown} |")
        con.close()


if __name__ == "__main__":
    main()
