"""Why one kind of ring splits more in a bigger run: the channels its members share, how much of each the run kept,
and how often its own links leave it in pieces against how often it ends split, by ring size (kept runs).

    python bench/split_growth.py FOLDER [FOLDER ...] [--kind weak_links]   # truth.csv + results.duckdb + its kept
                                                                           # working DB (as bench/rescore.py takes)

Per folder, for every pair of one planted ring of the kind:
- each raw channel the two share (a building within weak_days, a fresh opening at one branch within branch_days, a
  word-for-word scope text within weak_days, one contact room at the bank, a mobile number block) and the share of
  those pairs whose link carries that channel's reason (a number block: PHONE_BLOCK; the rest SIMILAR_PHONE), for
  the pairs inside one final piece and for the pairs between the pieces of a split ring;
- by ring size: rings, rings whose own links (score >= link threshold, between members only) leave under 80% of
  them connected ("fragmented"), and rings split in the run's clusters (under 80% in one cluster, flagged or not).
Compare a small and a big run side by side: a channel whose kept share falls with size is a count that grows with
the run; fragmented rings that the cluster rules no longer rescue point at the rules. Counts only; no value printed.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
from rescore import kept_work_db
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from shellring.flows.core.settings import Settings

MEMBERS = """
create temp table m as
select c.company_id, nullif(t.group_id, '') as group_id,
    coalesce(cc.cluster_no, -1 - c.company_id) as piece
from read_csv(?, all_varchar = true) as t
join w.stg_companies as c on upper(trim(t.uscc)) = c.uscc
left join w.company_clusters as cc on cc.company_id = c.company_id
where t.is_ring::boolean and t.kind = ?
"""

PAIRS = """
create temp table p as
with c as (select company_id, reg_building_key, reg_date, scope_key
           from w.stg_companies semi join m using (company_id)),
acc as (select company_id, bank_branch, open_date, contact_room_key, days_since_registration
        from w.stg_accounts semi join m using (company_id)),
mob as (select distinct company_id, left(attr_value, 12) as block
        from w.company_attributes semi join m using (company_id)
        where attr_kind = 'phone' and attr_value like '+861%' and length(attr_value) = 14),
pairs as (
    select a.group_id, a.company_id as ca, b.company_id as cb, a.piece <> b.piece as between_pieces
    from m as a join m as b on a.group_id = b.group_id and a.company_id < b.company_id
)
select p.*, coalesce(l.score, 0) as score, coalesce(l.reason, '') as reason,
    exists (select 1 from c as x, c as y where x.company_id = p.ca and y.company_id = p.cb
            and x.reg_building_key = y.reg_building_key
            and abs(date_diff('day', x.reg_date, y.reg_date)) <= $weak_days) as building,
    exists (select 1 from acc as x, acc as y where x.company_id = p.ca and y.company_id = p.cb
            and x.bank_branch = y.bank_branch and abs(date_diff('day', x.open_date, y.open_date)) <= $branch_days
            and x.days_since_registration between 0 and $weak_days
            and y.days_since_registration between 0 and $weak_days) as branch,
    exists (select 1 from c as x, c as y where x.company_id = p.ca and y.company_id = p.cb
            and x.scope_key = y.scope_key and length(x.scope_key) >= $scope_min_length
            and abs(date_diff('day', x.reg_date, y.reg_date)) <= $weak_days) as scope,
    exists (select 1 from acc as x, acc as y where x.company_id = p.ca and y.company_id = p.cb
            and x.contact_room_key = y.contact_room_key) as contact,
    exists (select 1 from mob as x, mob as y where x.company_id = p.ca and y.company_id = p.cb
            and x.block = y.block) as block
from pairs as p
left join w.company_links as l on l.company_a = p.ca and l.company_b = p.cb
"""

CHANNELS = [("building", "SAME_BUILDING"), ("branch", "SAME_BRANCH_DAYS"), ("scope", "SAME_SCOPE"),
            ("contact", "SAME_CONTACT_ADDRESS"), ("block", "PHONE_BLOCK")]


def largest_share(members: list[int], edges: list[tuple[int, int]]) -> float:
    index = {c: i for i, c in enumerate(members)}
    if not edges:
        return 1 / len(members)
    a = [index[x] for x, _ in edges]
    b = [index[y] for _, y in edges]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(members), len(members)))
    return np.bincount(connected_components(graph, directed=False)[1]).max() / len(members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--kind", default="weak_links")
    args = parser.parse_args()
    s = Settings()
    for folder in args.folders:
        con = duckdb.connect()
        con.execute("attach ? as w (read_only)", [str(kept_work_db(folder))])
        con.execute(MEMBERS, [str(folder / "truth.csv"), args.kind])
        con.execute(PAIRS, {"weak_days": s.weak_days, "branch_days": s.branch_days,
                            "scope_min_length": s.scope_min_length})
        split = {g for g, in con.execute(
            "select group_id from (select group_id, piece, count(*) as k from m group by all) "
            "group by group_id having max(k) < 0.8 * sum(k)").fetchall()}
        print(f"\n{folder}: {args.kind}\n\n| channel | pairs sharing it (within a piece) | kept with its reason | "
              "pairs sharing it between pieces of a split ring | kept with its reason |\n|---|---|---|---|---|")
        for channel, reason in CHANNELS:
            row = con.execute(f"""
                select count(*) filter (where not between_pieces),
                    avg((reason like '%{reason}%')::int) filter (where not between_pieces),
                    count(*) filter (where between_pieces),
                    avg((reason like '%{reason}%')::int) filter (where between_pieces)
                from p where {channel}""").fetchone()
            print(f"| {channel} | {row[0]:,} | {row[1] or 0:.2f} | {row[2]:,} | {row[3] or 0:.2f} |")
        members = defaultdict(list)
        for g, c in con.execute("select group_id, company_id from m").fetchall():
            members[g].append(c)
        edges = defaultdict(list)
        for g, a, b in con.execute("select group_id, ca, cb from p where score >= ?", [s.link_threshold]).fetchall():
            edges[g].append((a, b))
        by_size: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for g, ids in members.items():
            row = by_size[len(ids)]
            row[0] += 1
            row[1] += largest_share(ids, edges[g]) < 0.8
            row[2] += g in split
        print("\n| ring size | rings | fragmented by its own links | split in the clusters |\n|---|---|---|---|")
        for size, (n, fragmented, published) in sorted(by_size.items()):
            print(f"| {size} | {n:,} | {fragmented} ({fragmented / n:.3f}) | {published} ({published / n:.3f}) |")
        total = [sum(v[i] for v in by_size.values()) for i in range(3)]
        n, fragmented, published = total
        print(f"| all | {n:,} | {fragmented} ({fragmented / n:.3f}) | {published} ({published / n:.3f}) |")


if __name__ == "__main__":
    main()
