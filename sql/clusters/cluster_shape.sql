-- The shape of a cluster that no member's profile shows, for the structural risk terms (cluster_terms):
--
-- * max_names_per_rep, rep_mass_fade (rep_mass): the most member companies of different trade names one person is
--   legal representative of, and how briefly he gathered them. A legal representative answers for each company;
--   nobody fronts many unrelated new companies in a year as a trade (DOMAIN.md flag 3), whereas a serial owner adds
--   one every year or two and a group's chairman fronts subsidiaries of one trade name. Each run of the person's
--   companies (from one registration to a later one) counts fully within rep_mass__window_days and fades to nothing
--   at rep_mass__fade_windows times that, as concentration and own_template fade a value's life: a careful
--   operator who spreads one nominee's fronts over thirteen months is the same nominee, not a serial owner (who
--   needs years for as many), and a cut at day 365 made him invisible. The run kept is the one worth most
--   (companies past rep_mass__from, up to rep_mass__full_at, times its fade).
-- * template_names, template_fade (own_template): the most member companies of different trade names
--   registered with one word-for-word business scope (at least scope_min_length characters) that (almost) no
--   company outside the cluster uses in the prefectures where its members carry it (min_share of the text's
--   companies there are members), and how briefly it was in use. A scope text used across the prefecture is a
--   common phrasing; one that only this cluster's unrelated companies use there was written once and copied by
--   one hand (DOMAIN.md flag 11). Its users elsewhere are not counted: a phrase's chance users grow with the
--   number of prefectures an extract spans, a ring's fronts and an agency's clients do not (counted over the
--   whole extract, a city's ring lost the term in a province-wide run when three companies of other cities
--   happened to write its text). An agency that registers its clients with one text does so over years and
--   where it works, so its other clients still count, and the text's life fades the term as concentration's
--   does: the shortest span holding min_share of its companies, or the cluster's own life when that is longer,
--   full within window_days and nothing at fade_windows times that.
--
-- * lone_line_names, lone_line_fade (lone_line): the most member companies, each of its own trade name and
--   representative, on one phone (mobile or landline) that (almost) no company outside the cluster gives (min_share
--   of its companies are members), in a cluster tied by nothing else (at most max_kinds families of evidence reach
--   its members: cluster_features.n_evidence_kinds; nor is it the line of a building most of whose companies,
--   building_share, it carries), and the pace at which the number gathered them. Many unrelated companies share a
--   number for a reason that shows in their other fields: a group's switchboard serves subsidiaries of one trade
--   name, an agency's line comes with its address and its clerk opening the accounts, a park's serves its
--   building's tenants, a family's companies share a person. A number that is all they share is a dealer's, or a
--   small agency's that gives its own number for clients it takes on over years: they differ in pace, not in a
--   fixed window. The span holding min_share of the line's companies counts fully up to days_per_company per
--   company (the more companies, the longer it may take: seventeen over fifteen months is a faster pace than six in
--   a year), but never past max_window_days (eighteen months; issue 12's careful dealer took sixteen for seven): a
--   big agency's clerk gives the agency's number for forty clients over three years, a faster pace than any
--   dealer's, which a window growing with the count read as a dealer's batch; what tells them apart is how long
--   the number kept gathering. It fades to nothing at fade_windows times that window (DOMAIN.md flag 6).
--
-- Companies are counted by brand, as cluster_features counts them (the trade name's first brand_stem_length
-- characters: a group's subsidiaries are named after it).
--
-- reads: company_clusters, stg_companies, cluster_features, company_attributes, attribute_values
-- params: rep_mass__window_days, rep_mass__fade_windows, rep_mass__from, rep_mass__full_at, scope_min_length,
--     brand_stem_length, own_template__min_share, own_template__from,
--     own_template__window_days, own_template__fade_windows, lone_line__min_share, lone_line__max_kinds,
--     lone_line__days_per_company, lone_line__max_window_days, lone_line__fade_windows, lone_line__building_share

create or replace table cluster_shape as
with members as (
    select cc.cluster_no, c.rep_id, c.scope_key, c.reg_date,
        coalesce(left(c.trade_name, getvariable('brand_stem_length')), c.company_id::varchar) as name,
        coalesce(left(coalesce(c.reg_adcode, c.uscc_region), 4), '') as prefecture
    from company_clusters as cc
    join stg_companies as c using (company_id)
    where c.reg_date is not null
),
rep_members as (
    select cluster_no, rep_id, reg_date, name from members where rep_id is not null
),
-- a person's companies in one cluster are few (hub limits cut the rest): each is paired with each one the person
-- registered after it within the faded window, and the run between them counted
rep_runs as (
    select a.cluster_no, a.rep_id, date_diff('day', a.reg_date, b.reg_date) as span_days, count(distinct m.name) as n_names
    from rep_members as a
    join rep_members as b
        on b.cluster_no = a.cluster_no and b.rep_id = a.rep_id and b.reg_date >= a.reg_date
        and b.reg_date < a.reg_date + to_days(ceil(getvariable('rep_mass__fade_windows')
                                                    * getvariable('rep_mass__window_days'))::integer)
    join rep_members as m
        on m.cluster_no = a.cluster_no and m.rep_id = a.rep_id and m.reg_date between a.reg_date and b.reg_date
    group by a.cluster_no, a.rep_id, a.reg_date, b.reg_date
),
reps as (
    select cluster_no, n_names as max_names_per_rep, rep_mass_fade
    from (select *, window_fade(span_days, getvariable('rep_mass__window_days'), getvariable('rep_mass__fade_windows'))
              as rep_mass_fade
          from rep_runs)
    qualify row_number() over (
        partition by cluster_no
        order by greatest(0, least(n_names, getvariable('rep_mass__full_at')) - getvariable('rep_mass__from'))
            * rep_mass_fade desc, n_names desc, span_days, rep_id) = 1
),
-- a company's prefecture: the first four digits of its registration's division code, else of its USCC's
scope_users as (
    select scope_key, coalesce(left(coalesce(reg_adcode, uscc_region), 4), '') as prefecture, count(*) as n_companies
    from stg_companies
    where length(scope_key) >= getvariable('scope_min_length')
    group by all
),
template_members as (
    select cluster_no, scope_key, reg_date, name, prefecture from members
    where length(scope_key) >= getvariable('scope_min_length')
),
-- the text's users in the prefectures where the cluster's members carry it
local_users as (
    select p.cluster_no, p.scope_key, sum(u.n_companies) as n_companies
    from (select distinct cluster_no, scope_key, prefecture from template_members) as p
    join scope_users as u using (scope_key, prefecture)
    group by all
),
templates as (
    select m.cluster_no, m.scope_key, count(distinct m.name) as n_names, list(m.reg_date order by m.reg_date) as dates,
        ceil(getvariable('own_template__min_share') * any_value(u.n_companies))::integer - 1 as k
    from template_members as m
    join local_users as u using (cluster_no, scope_key)
    group by m.cluster_no, m.scope_key
    having count(*) >= getvariable('own_template__min_share') * any_value(u.n_companies)
        and count(distinct m.name) >= getvariable('own_template__from')
),
template_spans as (
    select t.cluster_no, t.n_names,
        greatest(f.life_days, list_min(list_transform(range(1, len(t.dates) - t.k + 1),
                                                      lambda i: date_diff('day', t.dates[i], t.dates[i + t.k]))))
            as span_days
    from templates as t
    join cluster_features as f using (cluster_no)
),
best_template as (
    select cluster_no, n_names, span_days,
        window_fade(span_days, getvariable('own_template__window_days'), getvariable('own_template__fade_windows'))
            as fade
    from template_spans
    qualify row_number() over (partition by cluster_no order by n_names * fade desc, n_names desc, span_days) = 1
),
line_companies as (
    select distinct cc.cluster_no, ca.attr_value, ca.company_id, c.reg_date,
        coalesce(left(c.trade_name, getvariable('brand_stem_length')), ca.company_id::varchar) as name,
        coalesce(c.rep_id, ca.company_id::varchar) as rep, c.reg_building_key as building
    from company_attributes as ca
    join company_clusters as cc using (company_id)
    join stg_companies as c using (company_id)
    where ca.attr_kind = 'phone'
),
line_members as (
    select l.cluster_no, l.attr_value, count(distinct l.name) as n_names, count(distinct l.rep) as n_reps,
        list(l.reg_date order by l.reg_date) filter (where l.reg_date is not null) as dates,
        ceil(getvariable('lone_line__min_share') * count(*))::integer - 1 as k
    from line_companies as l
    join attribute_values as v on v.attr_kind = 'phone' and v.attr_value = l.attr_value
    group by l.cluster_no, l.attr_value
    having count(*) >= getvariable('lone_line__min_share') * any_value(v.n_companies)
),
-- a park's switchboard serves most of its building's tenants (a shared building is no kind of evidence); a
-- dealer who registers in a busy park holds a few of its many
building_sizes as (
    select reg_building_key as building, count(*) as n_companies
    from stg_companies
    where reg_building_key is not null
    group by reg_building_key
),
building_lines as (
    select distinct l.cluster_no, l.attr_value
    from line_companies as l
    join building_sizes as b using (building)
    group by l.cluster_no, l.attr_value, l.building
    having count(*) >= 2 and count(*) >= getvariable('lone_line__building_share') * any_value(b.n_companies)
),
line_paces as (
    select l.cluster_no, least(l.n_names, l.n_reps) as n,
        list_min(list_transform(range(1, len(l.dates) - least(l.k, len(l.dates) - 1) + 1),
                                lambda i: date_diff('day', l.dates[i], l.dates[i + least(l.k, len(l.dates) - 1)])))
            as span_days
    from line_members as l
    join cluster_features as f using (cluster_no)
    anti join building_lines as b using (cluster_no, attr_value)
    where f.n_evidence_kinds <= getvariable('lone_line__max_kinds') and len(l.dates) > 0
),
lone_lines as (
    select cluster_no, n as lone_line_names, span_days as lone_line_span_days,
        window_fade(span_days, window_days, getvariable('lone_line__fade_windows')) as lone_line_fade
    from (select *, least(n * getvariable('lone_line__days_per_company'), getvariable('lone_line__max_window_days'))
              as window_days
          from line_paces)
    qualify row_number() over (partition by cluster_no order by n * lone_line_fade desc, n desc, span_days) = 1
)
select c.cluster_no, coalesce(r.max_names_per_rep, 0) as max_names_per_rep, coalesce(r.rep_mass_fade, 0) as rep_mass_fade,
    coalesce(t.n_names, 0) as template_names, coalesce(t.fade, 0) as template_fade,
    t.span_days as template_span_days, coalesce(ll.lone_line_names, 0) as lone_line_names,
    coalesce(ll.lone_line_fade, 0) as lone_line_fade, ll.lone_line_span_days
from (select distinct cluster_no from company_clusters) as c
left join reps as r using (cluster_no)
left join best_template as t using (cluster_no)
left join lone_lines as ll using (cluster_no);
