"""How student-batch evidence holds as the region grows: the window counts the absolute hub limits cut on, and
what the base-rate test (sql/linking/batch_evidence.sql, BATCH_COHORT) finds, on demo extracts of any size.

    python bench/batch_evidence_at_size.py /work/data200k-scale /work/data1m /work/data5m

The extracts are staged roughly, without the job (a full run of 5 million companies needs more disk than a
shared box has): USCC, representative ID and registration date from the registrations, branch, opening date and
USCC from the accounts, read by position; ages and home regions from the ID's digits. Then the real
batch_evidence step runs with the default settings, and truth.csv says which pairs are one batch.
"""

from __future__ import annotations

import sys
import time

import duckdb
import polars as pl

from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import run_step

DATE = ("coalesce(try_strptime({c}, '%Y-%m-%d'), try_strptime({c}, '%Y/%m/%d'), try_strptime({c}, '%Y年%m月%d日'),"
        " try_strptime({c}, '%Y%m%d'), try_strptime({c}, '%Y.%m.%d'))::date")

STAGE = """
create table stg_companies as
select row_number() over () as company_id, uscc, substr(uscc, 3, 6) as uscc_region, null::varchar as reg_adcode,
    case when regexp_full_match(rep_id, '\\d{17}[\\dXx]') then left(rep_id, 6) end as rep_region,
    case when regexp_full_match(rep_id, '\\d{17}[\\dXx]') then
        date_diff('year', try_strptime(substr(rep_id, 7, 8), '%Y%m%d')::date, reg_date)
        - case when strftime(reg_date, '%m%d') < substr(rep_id, 11, 4) then 1 else 0 end end as rep_age_at_reg,
    reg_date
from reg where reg_date is not null;
create table stg_accounts as
select c.company_id, a.bank_branch, a.open_date, date_diff('day', c.reg_date, a.open_date) as days_since_registration,
    regexp_extract(a.bank_branch, '^(.*?银行|.*?信用社|.*?合作银行)', 1) as bank
from acc as a join stg_companies as c using (uscc) where a.open_date is not null;
"""

# The window counts of student-batch members against the limits that cut them (settings' defaults)
WINDOWS = {
    "SAME_HOMETOWN: county, under 30, +-30 days (hub_limit_hometown {hub_limit_hometown})": ("""
        select company_id, count(*) over (partition by rep_region order by reg_date
            range between interval 30 days preceding and interval 30 days following) as n
        from stg_companies where rep_region is not null and rep_age_at_reg between 18 and 30
            and left(rep_region, 4) <> left(uscc_region, 4)""", "hub_limit_hometown"),
    "BATCH_HOME_REGION: prefecture, 18-22, fresh, +-30 days (hub_limit_batch_region {hub_limit_batch_region})": ("""
        select c.company_id, count(*) over (partition by left(rep_region, 4) order by reg_date
            range between interval 30 days preceding and interval 30 days following) as n
        from stg_companies as c
        semi join (select company_id from stg_accounts where days_since_registration between 0 and 10)
            using (company_id)
        where rep_region is not null and rep_age_at_reg between 18 and 22
            and left(rep_region, 2) <> left(uscc_region, 2)
        """, "hub_limit_batch_region"),
    "SAME_BRANCH_DAYS: branch openings +-3 days (hub_limit_branch {hub_limit_branch})": ("""
        select company_id, count(*) over (partition by bank_branch order by open_date
            range between interval 3 days preceding and interval 3 days following) as n
        from stg_accounts where days_since_registration between 0 and 180""", "hub_limit_branch"),
}


def stage(con: duckdb.DuckDBPyConnection, folder: str) -> None:
    reg = pl.read_csv(f"{folder}/registrations.csv", encoding="utf8-lossy", columns=[0, 3, 6], infer_schema=False,
                      truncate_ragged_lines=True)
    reg.columns = ["uscc", "rep_id", "reg_raw"]
    acc = pl.read_csv(f"{folder}/accounts.csv", encoding="utf8-lossy", columns=[1, 2, 3], infer_schema=False,
                      truncate_ragged_lines=True)
    acc.columns = ["bank_branch", "open_raw", "uscc"]
    con.register("reg_raw", reg.to_arrow())
    con.register("acc_raw", acc.to_arrow())
    con.execute(f"create table reg as select upper(trim(uscc)) as uscc, rep_id, {DATE.format(c='reg_raw')} as reg_date "
                "from reg_raw")
    con.execute(f"create table acc as select bank_branch, {DATE.format(c='open_raw')} as open_date, "
                "upper(trim(uscc)) as uscc from acc_raw")
    con.execute(STAGE)
    con.execute(f"create table truth as select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id "
                f"from read_csv('{folder}/truth.csv', all_varchar = true)")
    con.execute("create table labels as select c.company_id, t.kind, t.group_id from stg_companies as c "
                "join truth as t using (uscc)")


# Batch-mates that co-opened at one branch within batch_days (BATCH_PROFILE) and also share a hometown: the
# county (SAME_HOMETOWN) or the prefecture (BATCH_HOME_REGION), the pair that links a member with no shared value
HOMETOWN_PAIRS = """
create temp table fresh_young as
select a.company_id, a.bank_branch, a.open_date, c.rep_region, c.reg_date,
    left(c.rep_region, 2) <> left(c.uscc_region, 2) as other_province
from stg_accounts as a join stg_companies as c using (company_id)
where a.days_since_registration between 0 and $fresh_days and c.rep_region is not null
    and c.rep_age_at_reg between $batch_min_age and $batch_max_age;
create temp table county_window as
select company_id, count(*) over (partition by rep_region order by reg_date
    range between interval ($hometown_days) days preceding and interval ($hometown_days) days following) as n
from stg_companies where rep_region is not null and rep_age_at_reg between $batch_min_age and $hometown_max_age
    and left(rep_region, 4) <> left(uscc_region, 4);
create temp table prefecture_window as
select company_id, count(*) over (partition by left(rep_region, 4) order by reg_date
    range between interval ($hometown_days) days preceding and interval ($hometown_days) days following) as n
from (select distinct company_id, rep_region, reg_date from fresh_young where other_province);
create temp table hometown_pairs as
select a.company_id as a, b.company_id as b,
    a.rep_region = b.rep_region and abs(date_diff('day', a.reg_date, b.reg_date)) <= $hometown_days
        and ca.n is not null and cb.n is not null as county,
    greatest(ca.n, cb.n) as n_county,
    left(a.rep_region, 4) = left(b.rep_region, 4) and a.other_province and b.other_province
        and abs(date_diff('day', a.reg_date, b.reg_date)) <= $batch_days as prefecture,
    greatest(pa.n, pb.n) as n_prefecture
from fresh_young as a
join fresh_young as b on a.bank_branch = b.bank_branch and a.company_id < b.company_id
    and abs(date_diff('day', a.open_date, b.open_date)) <= $batch_days
join labels as la on la.company_id = a.company_id
join labels as lb on lb.company_id = b.company_id and la.group_id = lb.group_id and la.kind = 'student_batch'
left join county_window as ca on ca.company_id = a.company_id
left join county_window as cb on cb.company_id = b.company_id
left join prefecture_window as pa on pa.company_id = a.company_id
left join prefecture_window as pb on pb.company_id = b.company_id;
"""


def print_hometown_cut(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Student-batch members with a batch-mate at their branch and hometown, with and without the hub limits."""
    con.execute(_bind(HOMETOWN_PAIRS, settings.model_dump()))
    members = con.execute("select count(*) from labels where kind = 'student_batch'").fetchone()[0]

    def reached(condition: str) -> int:
        return con.execute(f"select count(distinct m) from (select a as m, * from hometown_pairs where {condition} "
                           f"union all select b, * from hometown_pairs where {condition})").fetchone()[0]
    rows = {
        "one county, any count": "county",
        f"one county, within hub_limit_hometown {settings.hub_limit_hometown}":
            f"county and n_county <= {settings.hub_limit_hometown}",
        "one prefecture, any count": "prefecture",
        f"one prefecture, within hub_limit_batch_region {settings.hub_limit_batch_region}":
            f"prefecture and n_prefecture <= {settings.hub_limit_batch_region}",
        "either, within the limits": f"(county and n_county <= {settings.hub_limit_hometown}) or (prefecture and "
                                     f"n_prefecture <= {settings.hub_limit_batch_region})",
    }
    print("\n| batch-mate at the member's branch within batch_days, and hometown | student-batch members |\n|---|---|")
    for title, condition in rows.items():
        n = reached(condition)
        print(f"| {title} | {n:,} ({n / members:.2f}) |")


def _bind(sql: str, values: dict) -> str:
    """The settings' integers into the diagnostic SQL (a bench script's own query, not a pipeline step)."""
    for name in sorted(values, key=len, reverse=True):
        if isinstance(values[name], int):
            sql = sql.replace(f"${name}", str(values[name]))
    return sql


def report(folder: str) -> None:
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    started = time.perf_counter()
    stage(con, folder)
    settings = Settings()
    settings.apply(con)
    n = con.execute("select count(*) from stg_companies").fetchone()[0]
    print(f"\n## {folder}: {n:,} companies staged in {time.perf_counter() - started:.0f} s\n")
    print("| window | student-batch members: p10 / median / p90 | share cut by the limit |\n|---|---|---|")
    for title, (sql, limit) in WINDOWS.items():
        q, share = con.execute(f"select quantile_cont(n, [0.1, 0.5, 0.9]), avg((n > ?)::int) from ({sql}) "
                               "join labels using (company_id) where kind = 'student_batch'",
                               [getattr(settings, limit)]).fetchone()
        print(f"| {title.format(**settings.model_dump())} | {' / '.join(f'{v:g}' for v in q)} | {share:.2f} |")
    print_hometown_cut(con, settings)
    started = time.perf_counter()
    # no shared values staged here: BATCH_TWO_BRANCHES finds no footprint between two halves, as if there were none
    con.execute("create or replace table shared_value_evidence (company_a bigint, company_b bigint, reason varchar)")
    run_step(con, "linking/batch_evidence")
    seconds = time.perf_counter() - started
    pairs = con.execute("""
        select count(*) filter (where a.group_id = b.group_id and a.kind = 'student_batch'), count(*)
        from batch_evidence as e join labels as a on a.company_id = e.company_a
        join labels as b on b.company_id = e.company_b""").fetchone()
    touched = con.execute("""
        with m as (select company_a as company_id from batch_evidence union select company_b from batch_evidence)
        select count(*) filter (where kind = 'student_batch'),
            (select count(*) from labels where kind = 'student_batch'),
            count(*) filter (where kind <> 'student_batch')
        from m join labels using (company_id)""").fetchone()
    print(f"\nBATCH_COHORT ({seconds:.1f} s): {pairs[1]:,} pairs, {pairs[0] / max(pairs[1], 1):.3f} of them inside one "
          f"student batch; {touched[0]:,} of {touched[1]:,} student-batch members ({touched[0] / touched[1]:.2f}) "
          f"and {touched[2]:,} other companies carry it")


if __name__ == "__main__":
    for path in sys.argv[1:]:
        report(path)
