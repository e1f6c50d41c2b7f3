"""What the clusters near the flag look like: rings held whole but unflagged beside the legitimate clusters that
score highest, side by side on their shape, after this checkout's score stage (as bench/rescore.py re-runs it).

    python bench/cluster_shapes.py FOLDER [FOLDER ...] [--legit N] [--min-size 3]

A FOLDER is a `bench/quality.py --keep` run or a kept 1M run (truth.csv, one `*results.duckdb` and its working
dir). Per cluster: what it holds (ring kind and level, or the legitimate kinds), size, score, the terms' larger
contributions, and its shape: the most members on one representative / agent / phone / registered room / contact
room (`n of m`: members of all the value's m carriers), distinct trade-name stems and representatives, the
registration span (days, whole cluster and life = shortest span holding 80%), the families of its links, and the
members' median age, capital (10k CNY) and days to a first account. Masked: no value is printed, only counts.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

SHAPE = """
with truth as (
    select upper(trim(uscc)) as uscc, kind, nullif(group_id, '') as group_id, is_ring::boolean as is_ring,
        nullif(sophistication, '') as level
    from read_csv(?, all_varchar = true, header = true)
),
members as (
    select cc.cluster_no, cc.cluster_size, c.company_id, c.rep_id, c.reg_date, c.rep_age_at_reg, c.reg_capital,
        coalesce(left(c.trade_name, getvariable('brand_stem_length')), c.company_id::varchar) as stem,
        f.days_to_first_account, t.kind, t.group_id, coalesce(t.is_ring, false) as is_ring, t.level
    from company_clusters as cc join stg_companies as c using (company_id)
    join company_features as f using (company_id)
    left join truth as t on t.uscc = c.uscc
),
make_up as (
    select cluster_no, any_value(cluster_size) as n,
        avg((not is_ring)::integer) as legit_share,
        mode(group_id) filter (where is_ring) as ring,
        string_agg(distinct kind, '+' order by kind) filter (where not is_ring) as legit_kinds,
        count(distinct stem) as stems, count(distinct rep_id) as reps,
        date_diff('day', min(reg_date), max(reg_date)) as span,
        median(rep_age_at_reg) as age, median(reg_capital) as capital, median(days_to_first_account) as days_open
    from members group by cluster_no
),
ring_of as (
    select m.cluster_no, any_value(m.kind) as kind, any_value(m.level) as level, count(*) as n_ring,
        any_value(s.size) as ring_size
    from members as m join (select group_id, count(*) as size from truth where is_ring group by group_id) as s
        using (group_id)
    join make_up as u on u.cluster_no = m.cluster_no and u.ring = m.group_id
    group by m.cluster_no
),
on_values as (
    select cc.cluster_no, ca.attr_kind || ':' || ca.role as what, ca.attr_value, count(distinct ca.company_id) as n,
        any_value(v.n_companies) as carriers
    from company_attributes as ca join company_clusters as cc using (company_id)
    join attribute_values as v using (attr_kind, attr_value)
    group by all
),
best_values as (
    select cluster_no, what, n, carriers from on_values
    qualify row_number() over (partition by cluster_no, what order by n desc, carriers) = 1
),
value_cols as (
    select cluster_no,
        any_value(n || '/' || carriers) filter (where what = 'person:rep') as rep,
        any_value(n || '/' || carriers) filter (where what = 'person:agent') as agent,
        string_agg(what[7:] || '=' || n || '/' || carriers, ' ' order by what)
            filter (where what like 'phone:%' and n >= 2) as phone,
        any_value(n || '/' || carriers) filter (where what = 'room:reg') as room,
        any_value(n || '/' || carriers) filter (where what = 'room:contact') as contact_room
    from best_values group by cluster_no
),
link_families as (
    select cc.cluster_no, string_agg(r || '=' || n, ' ' order by n desc) as links
    from (
        select cc.cluster_no, r.reason as r, count(*) as n
        from company_links_kept as l
        join company_clusters as cc on cc.company_id = l.company_a
        join company_clusters as cb on cb.company_id = l.company_b and cb.cluster_no = cc.cluster_no
        cross join unnest(string_split(l.reason, '+')) as r(reason)
        where l.is_link group by all
    ) as cc group by cc.cluster_no
),
terms as (
    select cluster_no, string_agg(term || '=' || round(contribution, 2), ' ' order by abs(contribution) desc)
        filter (where abs(contribution) >= 0.1 and term <> 'bias') as terms
    from cluster_terms group by cluster_no
)
select u.cluster_no, coalesce(r.kind || '/' || r.level || ' ' || r.n_ring || '/' || r.ring_size,
                              'LEGIT ' || u.legit_kinds) as holds,
    round(u.legit_share, 2) as legit, u.n, s.risk_score as score, s.flagged, f.n_evidence_kinds as kinds,
    f.life_days as life, u.span, u.stems, u.reps, v.rep, v.agent, v.phone, v.room, v.contact_room,
    u.age, u.capital, u.days_open, lf.links, t.terms
from make_up as u
join cluster_scores as s using (cluster_no) join cluster_features as f using (cluster_no)
left join ring_of as r using (cluster_no)
left join value_cols as v using (cluster_no) left join link_families as lf using (cluster_no)
left join terms as t using (cluster_no)
"""


def main() -> None:
    from rescore import rescore

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--legit", type=int, default=15, help="the N highest-scoring legitimate clusters")
    parser.add_argument("--min-size", type=int, default=3)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="shellring-shapes-"))
    try:
        for folder in args.folders:
            con = rescore(folder, scratch)
            con.execute(f"create temp table shapes as {SHAPE}", [str(folder / "truth.csv")])
            cols = [d[0] for d in con.execute("select * from shapes limit 0").description]
            print(f"\n## {folder.name}\n\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
            for label, query in (
                ("rings whole but unflagged", """select * from shapes where not holds like 'LEGIT%'
                    and legit <= 0.2 and not flagged and holds is not null
                    and split_part(split_part(holds, ' ', 2), '/', 1)::int
                        >= 0.8 * split_part(split_part(holds, ' ', 2), '/', 2)::int order by score desc"""),
                ("legitimate, flagged", "select * from shapes where legit > 0.5 and flagged order by score desc"),
                ("legitimate, highest unflagged", f"""select * from shapes where legit > 0.5 and not flagged
                    and n >= {args.min_size} order by score desc limit {args.legit}""")):
                print(f"| **{label}** |" + " |" * (len(cols) - 1))
                for row in con.execute(query).fetchall():
                    print("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
