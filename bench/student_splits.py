"""Why student batches split, and whether the share that splits grows with the region: per kept run, the split
rate of the planted student batches with its interval, by what could make a bigger region split them more.

    python bench/student_splits.py FOLDER [FOLDER ...]   # kept runs: truth.csv beside the working DB
                                                         # (.results.duckdb.work/ or results.duckdb.work/)

A batch is split when no cluster of the run's cluster stage (`company_clusters`) holds 80 % of it (the README's
rule without the flag: a split batch is missed whatever its score). Printed per folder:

- batches, split, the split rate and its 95 % Wilson interval: two sizes differ in the rate only when the
  intervals say so (20 of 87 at 200,000 companies is 0.14-0.33);
- the split rate by the number of branches the batch opened at (its first fresh account per company);
- by the batch's background flow: the median, over its members, of the fresh openings (0..fresh_days after
  registering) of companies in no student batch at the member's branch within branch_days of its opening - what
  every per-branch chance test expects from (a demo that keeps its branches as the region grows makes each busier);
- by collisions: the other student batches of the same province (ID digits 1-2) with a fresh opening at one of the
  batch's branches within batch_days of one of its own - where the batch rules' "one batch, not two" refusals bite;
- where a split batch's members outside its main piece (the cluster holding most of it) sit: a single, a pair, a
  second cluster of the same batch, another ring's cluster, or a cluster most of which is legitimate.

Read-only on the working DB; the windows are Settings' (branch_days, batch_days, fresh_days).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import duckdb
from rescore import kept_work_db

from shellring.flows.core.settings import Settings


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


SETUP = """
create temp table truth as
    select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id, is_ring = 'true' as is_ring
    from read_csv(?, all_varchar = true, header = true);
create temp table m as
    select c.company_id, t.group_id, t.kind, t.is_ring, left(c.rep_region, 2) as province,
        coalesce(k.cluster_no, -1 - c.company_id) as cl, coalesce(k.cluster_size, 1) as cl_size
    from w.stg_companies as c join truth as t on upper(trim(c.uscc)) = t.uscc
    left join w.company_clusters as k using (company_id);
create temp table fresh as
    select company_id, arg_min(bank_branch, open_date) as branch, min(open_date) as day
    from w.stg_accounts
    where bank_branch is not null and open_date is not null
        and days_since_registration between 0 and getvariable('fresh_days')
    group by company_id;
create temp table st as
    select *, count(*) over (partition by group_id) as ring_n, count(*) over (partition by group_id, cl) as piece_n
    from m where kind = 'student_batch';
create temp table rings as
    select group_id, any_value(ring_n) as n, max(piece_n) / any_value(ring_n) < 0.8 as split,
        arg_max(cl, piece_n) as main_cl, mode(province) as province
    from st group by group_id;
create temp table st_open as select s.group_id, f.* from st as s join fresh as f using (company_id);
create temp table background as
    select f.branch, f.day, count(*) as n from fresh as f
    anti join (select company_id from st) as s using (company_id) group by all;
create temp table ring_stats as
    select r.group_id, r.split,
        (select count(distinct branch) from st_open as o where o.group_id = r.group_id) as branches,
        (select median(coalesce((select sum(b.n) from background as b where b.branch = o.branch
                                 and abs(b.day - o.day) <= getvariable('branch_days')), 0))
         from st_open as o where o.group_id = r.group_id) as flow,
        (select count(distinct x.group_id) from st_open as o
         join st_open as x on x.branch = o.branch and abs(x.day - o.day) <= getvariable('batch_days')
             and x.group_id <> o.group_id
         join rings as xr on xr.group_id = x.group_id and xr.province = r.province
         where o.group_id = r.group_id) as collisions
    from rings as r;
"""

CLUSTERS = """
select cl, any_value(cl_size) as size, mode(group_id) filter (where is_ring) as top_ring,
    avg(case when is_ring then 0 else 1 end) as legit_share
from m where cl in (select cl from st) group by cl
"""


def report(folder: Path, s: Settings) -> None:
    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [str(kept_work_db(folder))])
    for name in ("fresh_days", "branch_days", "batch_days"):
        con.execute(f"set variable {name} = {getattr(s, name)}")
    for statement in SETUP.split(";"):
        if statement.strip():
            con.execute(statement, [str(folder / "truth.csv")] if "read_csv(?" in statement else [])
    n, k = con.execute("select count(*), count(*) filter (where split) from rings").fetchone()
    lo, hi = wilson(k, n)
    print(f"\n{folder.name}: {n} student batches, {k} split: {k / max(n, 1):.3f} (95 % {lo:.2f}-{hi:.2f})")

    def by(label: str, column: str, expr: str) -> None:
        rows = con.execute(f"select {expr} as bin, count(*), avg(split::int) from ring_stats group by 1 "
                           f"order by min(coalesce({column}, 0))").fetchall()
        print(f"  by {label}: " + ", ".join(f"{b}: {r:.2f} of {c}" for b, c, r in rows))

    by("branches opened at", "branches", "least(branches, 4)::varchar")
    by("background fresh openings at its branches (median)", "flow",
       "case when flow < 3 then '0-2' when flow < 6 then '3-5' when flow < 10 then '6-9' "
       "when flow < 20 then '10-19' else '20+' end")
    by("other batches of its province at its branches", "collisions", "least(collisions, 2)::varchar")
    where = con.execute(f"""
        with c as ({CLUSTERS})
        select case when s.cl_size = 1 then 'single' when s.cl_size = 2 then 'pair'
                    when c.top_ring = s.group_id then 'second cluster of the batch'
                    when c.legit_share > 0.5 then 'a mostly legitimate cluster'
                    else 'another ring''s cluster' end as piece, count(*)
        from st as s join rings as r using (group_id) join c on c.cl = s.cl
        where r.split and s.cl <> r.main_cl group by 1 order by 2 desc""").fetchall()
    print(f"  members of split batches outside the main piece ({sum(c for _, c in where)}): "
          + ", ".join(f"{p} {c}" for p, c in where))


def main() -> None:
    s = Settings()
    for folder in map(Path, sys.argv[1:]):
        report(folder, s)


if __name__ == "__main__":
    main()
