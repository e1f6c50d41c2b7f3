"""Recall binned by each planted ring's shape: where the detector has cliffs in a ring's proportions (kept runs).

    python bench/ring_shapes.py FOLDER [FOLDER ...] [--by kind|level] [--attrs size span_days ...] [--csv OUT]

A FOLDER holds truth.csv, results.duckdb and its kept working DB (`bench/quality.py --keep`, or a 1M folder of
`bench/run_pipeline.py` with the links `results.duckdb` / `results.duckdb.work` beside). Rings of all folders are
pooled. For every planted ring, its shape is measured on the run's own normalised tables (stg_companies,
stg_accounts): what the detector saw, not what the generator meant. Its outcome is the README's rule
(bench/ring_outcomes.py: found / split / unflagged / contaminated). Then, per attribute, rings are binned and each
bin prints its rings, recall and misses by cause, and (with --by) recall per kind or sophistication level.

A cliff is a bin where recall drops well below its neighbours at a value a real ring plausibly has; thin bins
(few rings) say the demo rarely draws there (see `stretch` in flows/demo/knobs.py for a demo that does).

Attributes (per ring; a member's first account is the one it opened first):
  size              companies in the ring
  span_days         days from its first to its last registration
  days_per_company  span_days / (size - 1): the ring's pace
  open_median       median days from registration to the first account
  open_max          the slowest member's days from registration to its first account
  open_span_days    days from the ring's first to its last first-account opening
  age_min/age_max   youngest / oldest representative at registration
  age_range         age_max - age_min
  capital_ratio     largest / smallest registered capital
  branches          distinct branches of the members' first accounts
  buildings, rooms  distinct registered buildings / rooms
  reps              distinct representatives (ID)
  per_rep_max       most companies behind one representative
  phones            distinct registration phones
  sh_rep, sh_phone, sh_room, sh_building, sh_agent, sh_scope, sh_branch
                    share of members holding a value (rep ID, registration or bank contact phone, room, building,
                    account agent other than the rep, scope text, first-account branch within 7 days) that
                    another member of the ring also holds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import polars as pl
from ring_outcomes import PUBLISHED_MEMBERS, ring_outcomes_sql

SHAPES = """
with truth as (
    select upper(trim(uscc)) as uscc, group_id
    from read_csv(?, all_varchar = true, header = true) where is_ring::boolean
),
m as (
    select t.group_id, c.company_id, c.reg_date, c.rep_age_at_reg as age, c.reg_capital as capital,
        c.reg_building_key as building, c.reg_room_key as room, c.rep_id, c.phone, c.scope_key
    from truth as t join w.stg_companies as c using (uscc)
),
first_acct as (
    select company_id, bank_branch, open_date, days_since_registration as delay, agent_id, rep_id as acct_rep,
        contact_phone
    from w.stg_accounts
    qualify row_number() over (partition by company_id order by open_date, account_id) = 1
),
j as (select * from m left join first_acct using (company_id)),
phones as (  -- a member's phones: on its registration and on its accounts
    select group_id, company_id, phone from m where phone is not null
    union select m.group_id, a.company_id, a.contact_phone from m join w.stg_accounts as a using (company_id)
    where a.contact_phone is not null
),
agents as (
    select m.group_id, a.company_id, a.agent_id from m join w.stg_accounts as a using (company_id)
    where a.agent_id is not null and a.agent_id is distinct from coalesce(a.rep_id, m.rep_id)
),
shared_phone as (
    select company_id from phones qualify count(distinct company_id) over (partition by group_id, phone) > 1
),
shared_agent as (
    select company_id from agents qualify count(distinct company_id) over (partition by group_id, agent_id) > 1
),
flags as (
    select group_id, company_id,
        rep_id is not null and count(*) over (partition by group_id, rep_id) > 1 as sh_rep,
        room is not null and count(*) over (partition by group_id, room) > 1 as sh_room,
        building is not null and count(*) over (partition by group_id, building) > 1 as sh_building,
        scope_key is not null and count(*) over (partition by group_id, scope_key) > 1 as sh_scope,
        bank_branch is not null and count(*) over (partition by group_id, bank_branch order by open_date
            range between interval 7 days preceding and interval 7 days following) > 1 as sh_branch
    from j
),
per_rep as (select group_id, max(n) as per_rep_max
            from (select group_id, rep_id, count(*) as n from m where rep_id is not null group by all)
            group by group_id)
select j.group_id,
    count(*) as size,
    date_diff('day', min(reg_date), max(reg_date)) as span_days,
    date_diff('day', min(reg_date), max(reg_date)) / greatest(count(*) - 1, 1) as days_per_company,
    median(delay) as open_median, max(delay) as open_max,
    date_diff('day', min(open_date), max(open_date)) as open_span_days,
    min(age) as age_min, max(age) as age_max, max(age) - min(age) as age_range,
    max(capital) / nullif(min(capital), 0) as capital_ratio,
    count(distinct bank_branch) as branches, count(distinct building) as buildings, count(distinct room) as rooms,
    count(distinct j.rep_id) as reps, any_value(p.per_rep_max) as per_rep_max, count(distinct phone) as phones,
    avg(f.sh_rep::int) as sh_rep,
    count(distinct sp.company_id) / count(*) as sh_phone,
    avg(f.sh_room::int) as sh_room, avg(f.sh_building::int) as sh_building,
    count(distinct sa.company_id) / count(*) as sh_agent,
    avg(f.sh_scope::int) as sh_scope, avg(f.sh_branch::int) as sh_branch
from j join flags as f using (group_id, company_id) left join per_rep as p using (group_id)
left join shared_phone as sp on sp.company_id = j.company_id
left join shared_agent as sa on sa.company_id = j.company_id
group by j.group_id
"""

SHARE = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 1.01]
BINS = {  # left edges; a bin holds [edge, next edge)
    "size": [0, 4, 6, 8, 11, 16, 25, 40, 60],
    "span_days": [0, 3, 8, 15, 31, 61, 91, 181, 366],
    "days_per_company": [0, 0.5, 1, 2, 4, 8, 15, 30],
    "open_median": [0, 2, 4, 8, 15, 31, 61, 91],
    "open_max": [0, 4, 8, 15, 31, 61, 91, 181],
    "open_span_days": [0, 4, 8, 15, 31, 61, 91, 181, 366],
    "age_min": [0, 18, 21, 23, 26, 30, 40, 50],
    "age_max": [0, 21, 23, 26, 30, 40, 50, 60],
    "age_range": [0, 2, 4, 6, 10, 15, 20, 30],
    "capital_ratio": [0, 1.01, 3, 10, 30, 100, 1000],
    "branches": [0, 2, 3, 4, 6, 9, 13, 20],
    "buildings": [0, 2, 3, 4, 6, 9, 13, 20, 40],
    "rooms": [0, 2, 3, 4, 6, 9, 13, 20, 40],
    "reps": [0, 2, 3, 4, 6, 9, 13, 20, 40],
    "per_rep_max": [0, 2, 3, 4, 6, 9, 13, 20, 31],
    "phones": [0, 2, 3, 4, 6, 9, 13, 20, 40],
} | {a: SHARE for a in ("sh_rep", "sh_phone", "sh_room", "sh_building", "sh_agent", "sh_scope", "sh_branch")}


def work_db(folder: Path) -> Path:
    for pattern in (".*results.duckdb.work/*/work.duckdb", "results.duckdb.work/*/work.duckdb"):
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    raise SystemExit(f"{folder}: no kept working DB (.results.duckdb.work/*/work.duckdb)")


def rings(folder: Path) -> pl.DataFrame:
    con = duckdb.connect()
    con.execute("attach ? as results (read_only)", [str(folder / "results.duckdb")])
    con.execute("attach ? as w (read_only)", [str(work_db(folder))])
    truth = str(folder / "truth.csv")
    outcome = pl.from_arrow(con.execute(ring_outcomes_sql(PUBLISHED_MEMBERS), [truth]).to_arrow_table())
    shape = pl.from_arrow(con.execute(SHAPES, [truth]).to_arrow_table()).drop("size")
    return outcome.join(shape, on="group_id", how="left").with_columns(pl.lit(folder.name).alias("run"))


def label(edges: list, i: int) -> str:
    lo = edges[i]
    if i + 1 == len(edges):
        return f">= {lo:g}"
    hi = edges[i + 1]
    if edges is SHARE:
        return {0: "0", 1.01: "1"}.get(lo, f"{lo:g}-{hi:g}") if hi != 0.01 else "0"
    if all(isinstance(e, int) for e in edges) and hi - lo == 1:
        return f"{lo}"
    return f"{lo:g}-<{hi:g}"


def binned(df: pl.DataFrame, attr: str, by: str | None) -> list[str]:
    edges = BINS[attr]
    codes = [label(edges, i) for i in range(len(edges))]
    col = df[attr].cast(pl.Float64)
    # the first bin also takes values below its edge (an ID's birth date after registration: an unreadable ID)
    idx = pl.Series([None if v is None or v != v else max([0] + [i for i, e in enumerate(edges) if v >= e])
                     for v in col.to_list()])
    d = df.with_columns(idx.alias("bin")).filter(pl.col("bin").is_not_null())
    groups = sorted(df[by].unique().to_list()) if by else []
    head = ["bin", "rings", "recall", "split", "unflagged", "contaminated"] + groups
    out = [f"\n### {attr}\n", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for b in range(len(edges)):
        sel = d.filter(pl.col("bin") == b)
        if sel.height == 0:
            continue
        found = (sel["outcome"] == "found").mean()
        row = [codes[b], str(sel.height), f"{found:.2f}"]
        row += [str((sel["outcome"] == o).sum()) for o in ("split", "unflagged", "contaminated")]
        for g in groups:
            s = sel.filter(pl.col(by) == g)
            row.append(f"{(s['outcome'] == 'found').mean():.2f} ({s.height})" if s.height else "-")
        out.append("| " + " | ".join(row) + " |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--by", choices=["kind", "level"], help="recall per kind or sophistication in each bin")
    parser.add_argument("--attrs", nargs="+", choices=list(BINS), default=list(BINS))
    parser.add_argument("--kind", help="only rings of this kind")
    parser.add_argument("--csv", type=Path, help="write every ring's shape and outcome here")
    args = parser.parse_args()
    df = pl.concat([rings(f) for f in args.folders], how="vertical_relaxed")
    if args.kind:
        df = df.filter(pl.col("kind") == args.kind)
    if args.csv:
        df.write_csv(args.csv)
    print(f"{df.height} rings in {len(args.folders)} run(s); recall {(df['outcome'] == 'found').mean():.3f}")
    for attr in args.attrs:
        print("\n".join(binned(df, attr, args.by)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
