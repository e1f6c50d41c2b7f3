"""Which values the season rule of attribute_values keeps from being hubs, and whose they are (kept runs).

    python bench/season_hubs.py FOLDER [FOLDER ...] [--limits 100 120 200] [--shares 0.5 0.6 0.7]

A FOLDER holds truth.csv and a kept working DB (`bench/quality.py --keep`, or a 1M folder with the link
`results.duckdb.work`). The run's company_attributes are copied into memory and this checkout's
linking/attribute_values step is re-run with the count limits alone (hub_season_limit = 0) and with each
(hub_season_limit, hosted_season_share) pair. A value the count made a hub and the season rule does not is
listed by whose companies carry it: `ring` when one planted ring holds >= 80 % of them, else `mixed`
(rings and legitimate companies) or the look-alike kind most of them are. Ring values are what the rule is for;
legitimate ones are the false-alarm risk it brings (linking a look-alike's companies the count kept apart).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import duckdb
from rescore import kept_work_db

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import run_step

HOLDERS = """
with truth as (
    select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id, is_ring::boolean as is_ring
    from read_csv(?, all_varchar = true, header = true)
),
carriers as (
    select distinct v.attr_kind, v.attr_value, ca.company_id, t.kind, t.group_id, t.is_ring
    from flipped as v
    join company_attributes as ca using (attr_kind, attr_value)
    join w.stg_companies as c using (company_id)
    left join truth as t using (uscc)
),
by_group as (
    select attr_kind, attr_value, group_id, any_value(kind) as kind, any_value(is_ring) as is_ring, count(*) as n
    from carriers group by all
)
select attr_kind, attr_value, sum(n) as n_companies,
    max(n) filter (where is_ring) / sum(n) as top_ring_share,
    sum(n) filter (where not coalesce(is_ring, false)) / sum(n) as legit_share,
    arg_max(kind, n) filter (where not coalesce(is_ring, false)) as legit_kind
from by_group group by all order by all
"""


def hubs(con: duckdb.DuckDBPyConnection, settings: Settings) -> set[tuple[str, str]]:
    settings.apply(con)
    run_step(con, "linking/attribute_values")
    return set(con.execute("select attr_kind, attr_value from attribute_values where is_hub").fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--limits", type=int, nargs="+", default=[100, 120, 200])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.5, 0.6, 0.7])
    args = parser.parse_args()
    variants = [(lim, 0.6) for lim in args.limits] + [(120, s) for s in args.shares if s != 0.6]
    print("| run | hub_season_limit | hosted_season_share | count hubs | no longer hubs | ring | mixed | "
          "legit (kinds) |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in args.folders:
        work = kept_work_db(folder)
        con = duckdb.connect()
        con.execute("attach ? as w (read_only)", [str(work)])
        con.execute("create table company_attributes as select * from w.company_attributes")
        con.execute("create table national_hub_values as select * from w.national_hub_values")
        by_count = hubs(con, Settings(hub_season_limit=0))
        for limit, share in variants:
            kept = by_count - hubs(con, Settings(hub_season_limit=limit, hosted_season_share=share))
            con.execute("create or replace temp table flipped (attr_kind varchar, attr_value varchar)")
            if kept:
                con.executemany("insert into flipped values (?, ?)", sorted(kept))
            rows = con.execute(HOLDERS, [str(folder / "truth.csv")]).fetchall()
            ring = sum(1 for r in rows if (r[3] or 0) >= 0.8)
            legit = Counter(r[5] for r in rows if (r[3] or 0) < 0.8 and (r[4] or 0) >= 0.8)
            mixed = len(rows) - ring - sum(legit.values())
            kinds = ", ".join(f"{k} {n}" for k, n in legit.most_common()) or "-"
            print(f"| {folder.name} | {limit} | {share} | {len(by_count)} | {len(kept)} | {ring} | {mixed} | "
                  f"{sum(legit.values())} ({kinds}) |")


if __name__ == "__main__":
    main()
