"""Would a co-opening at one branch join a split ring's fronts? Counts of front pairs so tied, within a ring or not.

    python bench/front_coincidences.py FOLDER [FOLDER ...]   # truth.csv + a kept working DB (as split_pieces.py)

A front is a cluster of the run's cluster stage one person fronts: the legal representative (`rep`), or the
account-opening agent (`agent`), of >= 3 of its members and of at least half of them (as the cluster step's fronts
merge asks). Two fronts are tied here when some member of each opened an account at one branch within branch_days
of the other's (a `SAME_BRANCH_DAYS` candidate pair in `company_links`, linked or not): the only evidence left
between most halves of the nominee and agent rings the job splits (`bench/split_pieces.py`). Each front is named by
its largest ring (none: legitimate); per kind of front, the tied pairs of fronts by how many candidate pairs tie
them, and whether both fronts are one ring's, two rings', or one of them legitimate. Counts only; no value printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
from rescore import kept_work_db

FRONTS = {
    "rep": "select company_id, rep_id as person from stg_companies where rep_id is not null",
    "agent": "select distinct company_id, agent_id as person from stg_accounts where agent_id is not null",
}

PIECES = """
create or replace temp table pieces as
select s.company_id, coalesce(c.cluster_no, -s.company_id) as piece, t.group_id, t.is_ring = 'true' as is_ring
from stg_companies as s
join truth as t using (uscc)
left join company_clusters as c using (company_id);

create or replace temp table piece_ring as
select piece, arg_max(group_id, n) as ring
from (select piece, group_id, count(*) as n from pieces where is_ring group by all)
group by piece;
"""

TIED = """
with people as ({people}),
sizes as (select piece, count(*) as n from pieces group by piece),
fronted as (
    select p.piece
    from people as x join pieces as p using (company_id) join sizes as z using (piece)
    group by p.piece, x.person
    having count(*) >= 3 and count(*) >= 0.5 * any_value(z.n)
),
members as (
    select p.company_id, p.piece, r.ring
    from pieces as p semi join (select distinct piece from fronted) as f using (piece)
    left join piece_ring as r using (piece)
),
tied as (
    select least(a.piece, b.piece) as one, greatest(a.piece, b.piece) as two, count(*) as pairs,
        any_value(a.ring) as ring_a, any_value(b.ring) as ring_b
    from company_links as l
    join members as a on a.company_id = l.company_a
    join members as b on b.company_id = l.company_b
    where a.piece <> b.piece and list_has(string_split(l.reason, '+'), 'SAME_BRANCH_DAYS')
    group by all
)
select (select count(distinct piece) from fronted), case when pairs >= 2 then '2+' else '1' end as pairs,
    count(*) filter (where ring_a = ring_b), count(*) filter (where ring_a <> ring_b),
    count(*) filter (where ring_a is null or ring_b is null)
from tied group by all order by 2
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    args = ap.parse_args()
    for folder in args.folders:
        con = duckdb.connect(str(kept_work_db(folder)), read_only=True)
        con.execute(f"create temp table truth as select * from read_csv('{folder / 'truth.csv'}', all_varchar = true)")
        con.execute(PIECES)
        print(f"## {folder}")
        print("| front | fronts | candidate pairs between two fronts | one ring | two rings | a legitimate front |")
        print("|---|---|---|---|---|---|")
        for kind, people in FRONTS.items():
            for fronts, pairs, same, other, legit in con.execute(TIED.format(people=people)).fetchall():
                print(f"| {kind} | {fronts:,} | {pairs} | {same:,} | {other:,} | {legit:,} |")
        con.close()


if __name__ == "__main__":
    main()
