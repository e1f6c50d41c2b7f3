-- Evidence that is weak alone and only links companies in combination: the same building (not
-- room), accounts opened at the same branch within a few days, identical non-trivial business-scope
-- text, mobiles that differ only in the last two digits, young representatives from the same county
-- elsewhere registering in the same month (recruiters work through hometown networks [inference]).
-- Co-location, shared text and shared branches count only between companies that arrived together
-- (registered, or opened after registering, within weak_days): rings form in a season.
-- Mobiles of one number block (all but the last two digits) are PHONE_BLOCK instead, at full weight, when the
-- block holds more of them than its range explains by chance in their year: by chance a block holds a hundredth
-- of the mobiles that came to its segment (the 10,000 numbers sharing all but the last four digits; the block's own
-- left out, plus one) in the 2 x weak_days from one of its numbers, and the Poisson chance of the block's count in
-- those days must be at most phone_block_rate (for two numbers both in those days): the chance SIM
-- batches a run lets through per occupied block, one share at every size (the bar was the chance times the
-- run's occupied blocks, so a province's SIM batch of three in a quiet range stopped counting where a city's
-- counted). Where a segment is sparse, three in one block is a dealer's SIM batch and two are chance; where a
-- segment is crowded, more are needed.
-- BATCH_PROFILE is the other strong reason here: two fresh
-- companies with 18-22-year-old representatives opening at the same branch within a week is how
-- recruited student batches show up [domain inference, DOMAIN.md §1-2].
-- A temp table: pair_evidence, in this stage, is its one reader.
--
-- reads: stg_companies, stg_accounts, company_attributes
-- params: hub_limit_building, weak_days, branch_days, branch_window_openings, hub_limit_branch, batch_min_age,
--     batch_max_age, fresh_days, batch_days, scope_min_length, hometown_max_age,
--     hub_limit_scope, similar_phone_block_limit, hometown_days, hub_limit_hometown, hub_limit_batch_region,
--     phone_block_rate

create or replace temp table weak_evidence as
with building_members as (
    select company_id, reg_building_key as building_key, reg_date
    from stg_companies
    where reg_building_key is not null
),
-- Buildings (and scopes below) are numbered so that the pair joins compare integers, not long keys;
-- any numbering will do, it is only a join key.
buildings as (
    select building_key, count(*) as n_companies, row_number() over () as building_no
    from building_members
    group by building_key
    having count(*) between 2 and getvariable('hub_limit_building')
),
building_pair_members as (
    select m.company_id, m.reg_date, g.building_no, g.building_key, g.n_companies
    from building_members as m
    join buildings as g using (building_key)
),
same_building as (
    select a.company_id as company_a, b.company_id as company_b, 'SAME_BUILDING' as reason,
        'building' as attr_kind, a.building_key as attr_value, a.n_companies
    from building_pair_members as a
    join building_pair_members as b
        on a.building_no = b.building_no and a.company_id < b.company_id
    where abs(date_diff('day', a.reg_date, b.reg_date)) <= getvariable('weak_days')
),
-- Openings of new companies at each branch, with how many such openings the branch had within its window
-- either side: at a busy branch a co-opening is no coincidence worth recording. The window is branch_days,
-- narrowed at a branch so busy that its usual openings (its openings over the extract's days) in the window
-- would exceed branch_window_openings: a co-opening then counts only among the openings of fewer days. So an
-- opening has as many chance co-openers at a busy branch as at a quiet one, in a city or a province (with one
-- window for all, the same branch's co-openings were cut by hub_limit_branch as the region around it filled:
-- on the hard demo 0 of a weak-links ring's co-openings at 200,000 companies, 0.43 at 1,000,000).
-- A pair's n_companies, which scales SAME_BRANCH_DAYS down at a crowded branch (weak_rarity_size), is the branch's
-- usual openings in the window (at least the pair's two), not the window's count: a ring opening its accounts
-- together is the coincidence the evidence is about, so its own openings must not make the branch look crowded
-- (counted, they did for 0.83 of a weak-links ring's co-openings kept at 1,000,000 hard demo companies). A window
-- holding more than hub_limit_branch openings however they came is still a hub: a mass opening, not a batch.
opening_rows as (
    select
        a.company_id, a.bank_branch, a.open_date, a.days_since_registration, c.rep_age_at_reg,
        (epoch(a.open_date) // (86400 * 8))::bigint as day_bucket
    from stg_accounts as a
    join stg_companies as c using (company_id)
    where a.bank_branch is not null and a.open_date is not null
        and a.days_since_registration between 0 and getvariable('weak_days')
),
branch_windows as (
    select b.bank_branch, b.n_openings / x.n_days as usual_per_day,
        least(getvariable('branch_days'), greatest(0, floor(
            (getvariable('branch_window_openings') * x.n_days / b.n_openings - 1) / 2)))::integer as window_days
    from (select bank_branch, count(*) as n_openings from opening_rows group by bank_branch) as b
    cross join (select date_diff('day', min(open_date), max(open_date)) + 1 as n_days from opening_rows) as x
),
-- each branch's openings up to each day it had one, so a window's count is two look-ups
branch_running as (
    select bank_branch, open_date, sum(count(*)) over (partition by bank_branch order by open_date) as n_upto
    from opening_rows
    group by bank_branch, open_date
),
windowed as (
    select o.*, w.window_days, o.open_date + w.window_days as window_last,
        o.open_date - w.window_days - 1 as window_before,
        greatest(2, ceil(w.usual_per_day * (2 * w.window_days + 1)))::bigint as n_usual
    from opening_rows as o
    join branch_windows as w using (bank_branch)
),
openings as (
    select o.company_id, o.bank_branch, o.open_date, o.days_since_registration, o.rep_age_at_reg, o.day_bucket,
        o.window_days, o.n_usual, (last.n_upto - coalesce(before.n_upto, 0))::bigint as n_nearby
    from windowed as o
    asof join branch_running as last
        on last.bank_branch = o.bank_branch and last.open_date <= o.window_last
    asof left join branch_running as before
        on before.bank_branch = o.bank_branch and before.open_date <= o.window_before
),
quiet_openings as (
    select * from openings where n_nearby <= getvariable('hub_limit_branch')
),
-- Branches numbered in their names' order: pairs carry the number, and the smallest number is the smallest name.
branch_numbers as (
    select bank_branch, row_number() over (order by bank_branch) as branch_no
    from (select distinct bank_branch from openings)
),
-- Co-openings are looked up in the opening's 8-day bucket and its two neighbours (near_bucket), an
-- equality join on branch and bucket: joining on the branch alone compared every two openings there.
same_branch as (
    select a.company_id as company_a, b.company_id as company_b, 'SAME_BRANCH_DAYS' as reason,
        'branch' as attr_kind, n.branch_no, a.n_usual as n_companies
    from (select *, unnest([day_bucket - 1, day_bucket, day_bucket + 1]) as near_bucket from quiet_openings) as a
    join branch_numbers as n using (bank_branch)
    join quiet_openings as b
        on a.bank_branch = b.bank_branch
        and b.day_bucket = a.near_bucket
        and a.company_id < b.company_id
        and abs(date_diff('day', a.open_date, b.open_date)) <= a.window_days
),
-- Young representatives' fresh companies are few, so their co-openings are kept at any branch.
batch_openings as (
    select * from openings
    where rep_age_at_reg between getvariable('batch_min_age') and getvariable('batch_max_age')
        and days_since_registration between 0 and getvariable('fresh_days')
),
batch_profile as (
    select a.company_id as company_a, b.company_id as company_b, 'BATCH_PROFILE' as reason,
        'branch' as attr_kind, a.bank_branch as attr_value, null::bigint as n_companies
    from (select *, unnest([day_bucket - 1, day_bucket, day_bucket + 1]) as near_bucket from batch_openings) as a
    join batch_openings as b
        on a.bank_branch = b.bank_branch
        and b.day_bucket = a.near_bucket
        and a.company_id < b.company_id
        and abs(date_diff('day', a.open_date, b.open_date)) <= getvariable('batch_days')
),
-- Young representatives' fresh companies whose representatives come from one prefecture of another
-- province, registering within batch_days: a recruiter's batch from one school or town, wherever in
-- the prefecture each member's ID was issued. The more such companies the prefecture sends in the
-- hometown_days either side the less a pair says (rarity scaling); beyond hub_limit_batch_region it is
-- a migration flow.
batch_region_members as (
    select c.company_id, left(c.rep_region, 4) as home_region, c.reg_date,
        count(*) over (
            partition by left(c.rep_region, 4) order by c.reg_date
            range between interval (getvariable('hometown_days')) days preceding
                and interval (getvariable('hometown_days')) days following
        ) as n_nearby
    from stg_companies as c
    semi join batch_openings as o using (company_id)
    where c.rep_region is not null and c.reg_date is not null
        and left(c.rep_region, 2) <> left(coalesce(c.reg_adcode, c.uscc_region), 2)
),
batch_region as (
    select a.company_id as company_a, b.company_id as company_b, 'BATCH_HOME_REGION' as reason,
        'region' as attr_kind, a.home_region as attr_value, greatest(a.n_nearby, b.n_nearby) as n_companies
    from batch_region_members as a
    join batch_region_members as b
        on a.home_region = b.home_region and a.company_id < b.company_id
        and abs(date_diff('day', a.reg_date, b.reg_date)) <= getvariable('batch_days')
    where a.n_nearby <= getvariable('hub_limit_batch_region') and b.n_nearby <= getvariable('hub_limit_batch_region')
),
scope_members as (
    select company_id, scope_key, reg_date
    from stg_companies
    where length(scope_key) >= getvariable('scope_min_length')
),
scopes as (
    select scope_key, row_number() over () as scope_no
    from scope_members
    group by scope_key
    having count(*) between 2 and getvariable('hub_limit_scope')
),
scope_pair_members as (
    select m.company_id, m.reg_date, s.scope_no, left(s.scope_key, 40) as scope_head
    from scope_members as m
    join scopes as s using (scope_key)
),
same_scope as (
    select a.company_id as company_a, b.company_id as company_b, 'SAME_SCOPE' as reason,
        'scope' as attr_kind, a.scope_head as attr_value, null::bigint as n_companies
    from scope_pair_members as a
    join scope_pair_members as b on a.scope_no = b.scope_no and a.company_id < b.company_id
    where abs(date_diff('day', a.reg_date, b.reg_date)) <= getvariable('weak_days')
),
mobiles as (
    select distinct company_id, attr_value as phone, left(attr_value, 12) as phone_prefix
    from company_attributes
    where attr_kind = 'phone' and attr_value like '+861%' and length(attr_value) = 14
),
prefixes as (
    select phone_prefix from mobiles
    group by phone_prefix
    having count(distinct phone) between 2 and getvariable('similar_phone_block_limit')
),
-- When each number first came with a company (registered with it, or given to the bank): a dealer hands a SIM
-- batch out with the companies it fronts within a year (from the first registration to the last account opening:
-- registrations spread over months, accounts weeks to months later; the year the concentration term counts), while
-- the other numbers of its range arrive over all the years an
-- extract spans. So a block is judged in its year: its numbers that came in the 2 x weak_days from one of them
-- against its segment's numbers that came in those days (the bar was the segment's numbers of every year, which grow
-- with the years and the companies a run holds: on the kept hard demo 0.75 of a weak-links ring's blocks passed at
-- 200,000 companies, 0.52 at 1,000,000). A number whose day is unknown counts in every year.
phone_days as (
    select attr_value as phone, left(attr_value, 12) as phone_prefix, left(attr_value, 10) as segment,
        min(seen_on) as first_seen
    from company_attributes
    where attr_kind = 'phone' and attr_value like '+861%' and length(attr_value) = 14
        and left(attr_value, 10) in (select left(phone_prefix, 10) from prefixes)
    group by attr_value
),
undated as (
    select segment, phone_prefix, count(*) as n from phone_days where first_seen is null group by all
),
segment_season as (
    select phone, phone_prefix, segment, first_seen,
        count(*) over (
            partition by segment order by first_seen
            range between current row and interval (2 * getvariable('weak_days')) days following
        ) as m_season
    from phone_days
    where first_seen is not null
),
block_season as (
    select phone, phone_prefix, segment, first_seen, m_season,
        count(*) over (
            partition by phone_prefix order by first_seen
            range between current row and interval (2 * getvariable('weak_days')) days following
        ) as k_season
    from segment_season
    semi join prefixes using (phone_prefix)
),
-- the numbers of a block, each with the chance of the block's count in its year from that number on
phone_chances as (
    select b.phone, b.phone_prefix, b.first_seen,
        poisson_at_least(b.k_season + coalesce(ub.n, 0),
                         (b.m_season + coalesce(us.n, 0) - b.k_season - coalesce(ub.n, 0) + 1) / 99) as chance
    from block_season as b
    left join (select segment, sum(n) as n from undated group by segment) as us using (segment)
    left join undated as ub using (phone_prefix)
),
-- The improbable years: from a block's number on, so many of the block that chance explains it at most
-- phone_block_rate; and, with no start (every year), a block improbable against its segment's numbers of all years,
-- as before: a careful ring uses its SIM batch over more than a year, which a quiet range still shows.
batch_seasons as (
    select phone_prefix, first_seen as season_start from phone_chances
    where chance <= getvariable('phone_block_rate')
    union all
    select k.phone_prefix, null
    from (select phone_prefix, segment, count(*) as k from phone_days semi join prefixes using (phone_prefix)
          group by all) as k
    join (select segment, count(*) as m from phone_days group by segment) as g using (segment)
    where poisson_at_least(k.k, (g.m - k.k + 1) / 99) <= getvariable('phone_block_rate')
),
-- Two numbers of a block link in full when both came in one improbable year (its 2 x weak_days from its first
-- number), or the block is improbable over all years: in a range busy over the years, a number the block took up in
-- another year is no part of that year's batch.
similar_phone as (
    select a.company_id as company_a, b.company_id as company_b,
        case when exists (
                select 1 from batch_seasons as s
                where s.phone_prefix = a.phone_prefix
                    and coalesce(date_diff('day', s.season_start, da.first_seen)
                                 between 0 and 2 * getvariable('weak_days'), true)
                    and coalesce(date_diff('day', s.season_start, db.first_seen)
                                 between 0 and 2 * getvariable('weak_days'), true))
            then 'PHONE_BLOCK' else 'SIMILAR_PHONE' end as reason,
        'phone' as attr_kind, a.phone || '~' || right(b.phone, 2) as attr_value, null::bigint as n_companies
    from mobiles as a
    join mobiles as b
        on a.phone_prefix = b.phone_prefix and a.company_id < b.company_id and a.phone <> b.phone
    join prefixes as x on x.phone_prefix = a.phone_prefix
    join phone_days as da on da.phone = a.phone
    join phone_days as db on db.phone = b.phone
),
-- A county's young newcomers within hometown_days either side, and within batch_days: its usual count in the
-- season is what the rest of the season holds, scaled to the whole season. A batch registers within days, so its
-- own members do not make their county look like a migration flow (counted in the window, a batch of twenty was a
-- hub by itself: on the kept hard + variety demo at 1,000,000 companies 44 more pairs of one student batch link,
-- 2 fewer, none between two groups; nothing moves at 200,000); a steady flow fills the rest of the season as much.
hometown_members as (
    select company_id, rep_region, reg_date,
        (n_season - n_week) * (2 * getvariable('hometown_days') + 1)
            / (2 * (getvariable('hometown_days') - getvariable('batch_days'))) as n_usual
    from (
        select company_id, rep_region, reg_date,
            count(*) over (
                partition by rep_region order by reg_date
                range between interval (getvariable('hometown_days')) days preceding
                    and interval (getvariable('hometown_days')) days following
            ) as n_season,
            count(*) over (
                partition by rep_region order by reg_date
                range between interval (getvariable('batch_days')) days preceding
                    and interval (getvariable('batch_days')) days following
            ) as n_week
        from stg_companies
        where rep_region is not null
            and rep_age_at_reg between getvariable('batch_min_age') and getvariable('hometown_max_age')
            and left(rep_region, 4) <> left(coalesce(reg_adcode, uscc_region), 4)
    )
),
same_hometown as (
    select a.company_id as company_a, b.company_id as company_b, 'SAME_HOMETOWN' as reason,
        'region' as attr_kind, a.rep_region as attr_value, null::bigint as n_companies
    from hometown_members as a
    join hometown_members as b
        on a.rep_region = b.rep_region and a.company_id < b.company_id
        and abs(date_diff('day', a.reg_date, b.reg_date)) <= getvariable('hometown_days')
    -- a county that usually sends many young people to the region in a month is a migration flow, not a ring
    where a.n_usual <= getvariable('hub_limit_hometown') and b.n_usual <= getvariable('hub_limit_hometown')
),
-- At a busy branch the window is narrowed so that a co-opening alone has no more chance co-openers than at a quiet
-- one. A pair that also shares a building, a scope text or a mobile's number block is another matter: the chance of
-- both coincidences is the product of two small ones, so its co-opening counts within the whole branch_days,
-- however busy the branch (a ring opening its accounts over a few days at one branch in a big region kept 0.73 of
-- those co-openings with the narrowed window alone, 1.00 in a region a fifth the size). Its n_companies is the
-- branch's usual count in the narrowed window, as for any co-opening there.
signed_pairs as (
    select company_a, company_b from same_building
    union select company_a, company_b from same_scope
    union select company_a, company_b from similar_phone
),
corroborated_branch as (
    select p.company_a, p.company_b, n.branch_no, a.n_usual as n_companies
    from signed_pairs as p
    join quiet_openings as a on a.company_id = p.company_a
    join quiet_openings as b on b.company_id = p.company_b and b.bank_branch = a.bank_branch
    join branch_numbers as n on n.bank_branch = a.bank_branch
    where abs(date_diff('day', a.open_date, b.open_date)) <= getvariable('branch_days')
)
-- One row per pair and reason. A company has one building, scope and hometown row, so those reasons
-- give each pair once; several openings or mobiles can give a pair more than once. Each of those is
-- grouped on its own, by the pair's two ids: its reason and kind are constants.
select p.company_a, p.company_b, 'SAME_BRANCH_DAYS' as reason, 'branch' as attr_kind, n.bank_branch as attr_value,
    p.n_companies
from (select company_a, company_b, min(branch_no) as branch_no, max(n_companies) as n_companies
      from (select company_a, company_b, branch_no, n_companies from same_branch
            union all select * from corroborated_branch)
      group by company_a, company_b) as p
join branch_numbers as n using (branch_no)
union all
select company_a, company_b, 'BATCH_PROFILE', 'branch', min(attr_value), max(n_companies)
from batch_profile group by company_a, company_b
union all
select company_a, company_b, reason, 'phone', min(attr_value), max(n_companies)
from similar_phone group by company_a, company_b, reason
union all select * from same_building
union all select * from same_scope
union all select * from same_hometown
union all select * from batch_region;
