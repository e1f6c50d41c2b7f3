"""Which channels a ring's pairs share, and how many of them the hub limits and rarity scaling let through (kept runs).

    python bench/ring_channels.py FOLDER [FOLDER ...]   # folders with truth.csv, results.duckdb and its kept
                                                        # working DB (bench/quality.py --keep, or links beside)

For every pair of companies of one planted ring, per kind of ring: the pairs that share a weak channel at all
(the same building within weak_days, a fresh opening at the same branch within branch_days, the same scope text,
a county elsewhere within hometown_days), the share of them the run kept as evidence (the step's hub limit let
them through) and the share kept at full weight (not scaled down by rarity). Then the values two or more members
of a ring share (person, phone, room) that the run made hubs. Compare sizes side by side to see which limit cuts
more of a ring as the region grows: a count over the whole region grows with it, a ring does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from shellring.flows.core.settings import Settings

TRUTH = """
create temp table truth as
select c.company_id, t.kind, nullif(t.group_id, '') as group_id
from read_csv(?, all_varchar = true, header = true) as t
join w.stg_companies as c on upper(trim(t.uscc)) = c.uscc
where t.is_ring::boolean
"""

# (channel, SQL of the ring's pairs sharing it at all, the reason its evidence carries)
CHANNELS = [
    ("building within weak_days", """
        select a.company_id as company_a, b.company_id as company_b, a.kind
        from (truth join w.stg_companies using (company_id)) as a
        join (truth join w.stg_companies using (company_id)) as b
            on a.group_id = b.group_id and a.company_id < b.company_id and a.reg_building_key = b.reg_building_key
        where abs(date_diff('day', a.reg_date, b.reg_date)) <= {weak_days}""", "SAME_BUILDING"),
    ("branch within branch_days", """
        with o as (
            select t.company_id, t.kind, t.group_id, a.bank_branch, a.open_date
            from truth as t join w.stg_accounts as a using (company_id)
            where a.bank_branch is not null and a.days_since_registration between 0 and {weak_days}
        )
        select distinct a.company_id as company_a, b.company_id as company_b, a.kind
        from o as a join o as b
            on a.group_id = b.group_id and a.company_id < b.company_id and a.bank_branch = b.bank_branch
        where abs(date_diff('day', a.open_date, b.open_date)) <= {branch_days}""", "SAME_BRANCH_DAYS"),
    ("scope text within weak_days", """
        select a.company_id as company_a, b.company_id as company_b, a.kind
        from (truth join w.stg_companies using (company_id)) as a
        join (truth join w.stg_companies using (company_id)) as b
            on a.group_id = b.group_id and a.company_id < b.company_id and a.scope_key = b.scope_key
        where length(a.scope_key) >= {scope_min_length}
            and abs(date_diff('day', a.reg_date, b.reg_date)) <= {weak_days}""", "SAME_SCOPE"),
    ("county elsewhere within hometown_days", """
        with h as (
            select t.company_id, t.kind, t.group_id, c.rep_region, c.reg_date
            from truth as t join w.stg_companies as c using (company_id)
            where c.rep_age_at_reg between {batch_min_age} and {hometown_max_age}
                and left(c.rep_region, 4) <> left(coalesce(c.reg_adcode, c.uscc_region), 4)
        )
        select a.company_id as company_a, b.company_id as company_b, a.kind
        from h as a join h as b
            on a.group_id = b.group_id and a.company_id < b.company_id and a.rep_region = b.rep_region
        where abs(date_diff('day', a.reg_date, b.reg_date)) <= {hometown_days}""", "SAME_HOMETOWN"),
]

KEPT = """
with shared as ({pairs}),
kept as (
    select company_a, company_b, max(coalesce(n_companies, 0)) as n_companies
    from w.pair_evidence where reason = ? group by all
)
select s.kind, count(*) as pairs, count(k.company_a) / count(*) as kept,
    count(*) filter (where k.n_companies <= {weak_rarity_size}) / count(*) as at_full_weight
from shared as s left join kept as k using (company_a, company_b)
group by s.kind order by s.kind
"""

HUBS = """
with ring_values as (
    select t.kind, t.group_id, a.attr_kind, a.attr_value
    from w.company_attributes as a join truth as t using (company_id)
    group by all having count(distinct a.company_id) >= 2
)
select r.kind, r.attr_kind, count(*) as values_shared, count(*) filter (where v.is_hub) as hubs
from ring_values as r join w.attribute_values as v using (attr_kind, attr_value)
group by all order by all
"""


def main(folders: list[str]) -> None:
    settings = Settings()
    limits = {name: getattr(settings, name) for name in (
        "weak_days", "branch_days", "scope_min_length", "batch_min_age", "hometown_max_age", "hometown_days",
        "weak_rarity_size")}
    for folder in map(Path, folders):
        work = next((folder / ".results.duckdb.work").glob("*/work.duckdb"))
        con = duckdb.connect()
        con.execute(f"attach '{work}' as w (read_only)")
        con.execute(TRUTH, [str(folder / "truth.csv")])
        print(f"\n{folder}\n\n| kind | channel | ring pairs sharing it | kept as evidence | at full weight |")
        print("|---|---|---|---|---|")
        for channel, pairs, reason in CHANNELS:
            query = KEPT.format(pairs=pairs.format(**limits), **limits)
            for kind, n, kept, full in con.execute(query, [reason]).fetchall():
                print(f"| {kind} | {channel} | {n:,} | {kept:.2f} | {full:.2f} |")
        print("\n| kind | value kind | values two or more members share | hubs |\n|---|---|---|---|")
        for kind, attr_kind, n, hubs in con.execute(HUBS).fetchall():
            print(f"| {kind} | {attr_kind} | {n:,} | {hubs} |")


if __name__ == "__main__":
    main(sys.argv[1:])
