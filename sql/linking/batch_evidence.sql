-- Time-and-place batches that chance cannot explain (BATCH_COHORT): fresh companies whose 18-22-year-old
-- representatives come from another province and whose accounts were opened within batch_days of each
-- other, in a number the region's base rates make improbable. A recruited student batch shares nothing but
-- this profile and timing for many of its members [DOMAIN.md §0-2].
--
-- A cell is a branch and an origin, one county, one prefecture or one province (a batch is recruited from one
-- school or town, or by one recruiter over two or three prefectures of a province: BATCH_PROVINCE when no
-- narrower cell holds the pair; from anywhere elsewhere, measured on the demo at 200,000 companies, the cells
-- join two batches at a branch more often than they find a member). A wider origin has a bigger share of the
-- region, so the same test asks more of it. Around each such opening,
-- `n_cell` openings of the cell fall within batch_days either side; by chance the branch's own fresh openings
-- in that window (`n_branch`) would hold
--     expected = n_branch x (share of the region's fresh openings in the hometown_days either side that have
--                            this profile and origin, the cell itself left out, plus one)
-- of them. The cell is a batch when it holds batch_min_companies or more and the Poisson chance of seeing
-- n_cell or more is at most batch_chance_rate: the chance batches a run may let through per opening it tests,
-- so the same share of a small or a big region (a fixed number per run made a province's batch need a chance
-- 25 times smaller than a city's: with it the evidence reached 0.57 of the plain demo's batch members at 200,000
-- companies and 0.50 at 5,000,000, with the rate 0.58 and 0.56; bench/RESULTS-detection.md). The test is
-- relative, so it neither grows with the region nor catches ordinary students: a busy branch or a big flow from
-- one place raises the expected count, and a bigger region raises both sides alike.
-- Representatives just past the profile's age (batch_max_age to batch_member_max_age: recruiters also sign up
-- young adults who left school) count in no cell and no base rate; one whose opening falls in a cell that is a
-- batch without it joins that batch (BATCH_NEAR_AGE), so they can neither make a batch nor loosen the test; by
-- county or prefecture only (it fits the profile less; by province, at 200,000 hard demo companies, 19 of 19 such
-- pairs joined an ordinary company to a batch).
-- A temp table: pair_evidence, in this stage, is its one reader.
--
-- A batch is one event at one or two branches (BATCH_JOINED): once a cell is a batch, the same profile from its
-- origin at another branch within batch_days is judged with it, not against every cell of the run: it joins
-- when the chance of seeing that many such openings at that branch by the base rates above (the batch's own
-- cell left out of its origin's share too), times the number of
-- branches that had fresh openings within batch_days of the batch (any of them could have shown such a cell),
-- is at most batch_stray_chance, the strays a batch may take in by chance. A prefecture's batch takes strays only
-- at a branch of its own branch's city when both branches have one: a recruiter brings his batch to branches of one
-- city, and the same prefecture's batch at another city's branch that week is another recruiter's (kept
-- 1,000,000-company runs, s15-branches: 0.79 of BATCH_JOINED links within one ring joined branches of one city,
-- 0.46 of those across two rings; the region's batches, and so these coincidences, grow with the square of its
-- size). A county's batch (one school or town) still takes them in anywhere: on the kept hard 1,000,000-company run,
-- whose batches are one county each, keeping those to one city too lost 4 of 629 batches and parted no two rings
-- (s15-studentplace). (The same profile from other origins at the
-- batch's own branch is not taken in: at 20,000 demo companies it joined another ring's member, and through
-- it that ring, to a batch. Nor does a province's batch take in strays, nor an older member join at another
-- branch: each is the wider test already.)
--
-- Two batches of one province at one branch opening within branch_days of each other (BATCH_SIBLING) are one
-- event: a recruiter works two or three prefectures of a province, and one recruiter's students open together.
-- Each batch passed its own chance test, so the pair of them is no coincidence of ordinary openings; what joins
-- them is the province, the branch and the same few days. Not within all of batch_days: on the kept demo runs
-- at 1,000,000 companies the members of one ring's two prefecture batches opened mostly 0-3 days apart, two
-- rings' batches evenly over the week (with branch_days, hard + variety 1M: 3,729 pairs within one ring and 99
-- across two; hard 1M, whose batches are one county each: 217 across two, against 588 within batch_days).
--
-- A batch's second branch may show a batch of its own (BATCH_TWO_BRANCHES): a recruiter takes one event to one or two
-- branches in his city, and each half can be improbable by itself; BATCH_JOINED refuses such a cell, as two
-- recruiters' batches of one prefecture in one week also look like that. Two batches of one prefecture's students at
-- two branches of one city, opening within branch_days of each other (as BATCH_SIBLING: one recruiter's students open
-- together), are one event when each half picks the other: the one other branch where it sees such a batch in its
-- days, or among several the one its half shares a phone, agent, room or representative with (the recruiter's
-- footprint), or with none such the one of its own bank; otherwise neither (an event is at one or two branches, and
-- which two belong together chance cannot say); two batches each of one county are one event only if of one county. Session 16 tied only two branches of one bank: on the clean-room
-- 200,000-company runs (bench/cleanroom), whose careful batches open at two branches of one bank, 14 of 168 batches
-- had split into their halves; on the third generator's (bench/thirdgen), whose batches open at two banks' branches,
-- the one-bank rule missed its halves and at 1,000,000 companies tied wrong ones (student batch ring recall 0.70,
-- 147 flagged clusters holding two rings; with any bank, the footprint and the bank as the last pick: 0.86, 124;
-- bench/RESULTS-detection.md, session 17 s17-twins).
--
-- Neither rule joins two recruiters' batches (strays_apart, twin_apart). A recruiter sends his students with his own
-- opening agent, or signs several up under one person: a person acting for two or more of a cell's openings (an
-- agent, a representative: a shared person, shared_value_evidence) marks whose batch it is. Two cells that each show
-- such people, none of them in common, are two recruiters' batches that met in one week, however improbable each is
-- and whatever the branches and days say. Persons only: a recruiter's team writes several phones (the dealer's, his
-- agent's), and a room is written in many ways. Tested after each rule's ambiguity test, so it only ever takes pairs
-- away. On the kept runs (bench/link_counterfactual.py FOLDER batch-rows, session 20): every pair it took away at
-- 200k joined two rings; at 1,000,000 companies the clean-room run's pair precision 0.844 -> 0.866, flagged clusters
-- holding two rings 156 -> 134, ring recall unchanged.
--
-- reads: stg_companies, stg_accounts, shared_value_evidence
-- params: batch_min_age, batch_max_age, batch_member_max_age, fresh_days, batch_days, hometown_days,
--     batch_min_companies, batch_chance_rate, batch_stray_chance, branch_days

create or replace temp table batch_evidence as
with fresh as (
    -- each company's first opening at a branch soon after registering
    select company_id, bank_branch, min(open_date) as open_date
    from stg_accounts
    where bank_branch is not null and open_date is not null
        and days_since_registration between 0 and getvariable('fresh_days')
    group by company_id, bank_branch
),
profiled as (
    select f.company_id, f.bank_branch, f.open_date,
        c.rep_region is not null
            and left(c.rep_region, 2) <> left(coalesce(c.reg_adcode, c.uscc_region), 2) as from_elsewhere,
        c.rep_age_at_reg between getvariable('batch_min_age') and getvariable('batch_max_age') as young,
        c.rep_age_at_reg > getvariable('batch_max_age')
            and c.rep_age_at_reg <= getvariable('batch_member_max_age') as nearly_young,
        c.rep_region
    from fresh as f
    join stg_companies as c using (company_id)
),
-- the fresh openings at each branch around each opening, and in the whole region in the season
volumes as (
    select *,
        count(*) over (
            partition by bank_branch order by open_date
            range between interval (getvariable('batch_days')) days preceding
                and interval (getvariable('batch_days')) days following
        ) as n_branch,
        count(*) over (
            order by open_date
            range between interval (getvariable('hometown_days')) days preceding
                and interval (getvariable('hometown_days')) days following
        ) as n_season
    from profiled
),
-- one row per opening from elsewhere and each origin it falls in: its county and prefecture. `young` openings
-- are the profile the cells count; a `nearly_young` one (batch_max_age to batch_member_max_age) is counted by
-- nothing and only joins a cell that is a batch without it (BATCH_NEAR_AGE)
levels as (
    select v.company_id, v.bank_branch, v.open_date, v.n_branch, v.n_season, v.young, u.origin
    from volumes as v, unnest([left(v.rep_region, 6), left(v.rep_region, 4)]) as u(origin)
    where v.from_elsewhere and (v.young or v.nearly_young)
),
cells as (
    select *,
        count(*) filter (where young) over (
            partition by bank_branch, origin order by open_date
            range between interval (getvariable('batch_days')) days preceding
                and interval (getvariable('batch_days')) days following
        ) as n_cell,
        count(*) filter (where young) over (
            partition by origin order by open_date
            range between interval (getvariable('hometown_days')) days preceding
                and interval (getvariable('hometown_days')) days following
        ) as n_origin_season
    from levels
),
expected as (
    select *,
        n_branch * (n_origin_season - n_cell + 1) / greatest(n_season - n_cell + 1, 1) as chance_count
    from cells
),
-- P(Poisson(chance_count) >= n_cell) (flows/core/sqlfunctions.py); a cell at or under the expected count is no
-- batch whatever the sum says
tested as (
    select *,
        case when chance_count >= n_cell then 1.0 else poisson_at_least(n_cell, chance_count) end as chance
    from expected
),
batch_openings as (
    select company_id, bank_branch, origin, open_date, n_cell, chance, n_branch, n_origin_season, n_season, young,
        young and n_cell >= getvariable('batch_min_companies')
            and chance <= getvariable('batch_chance_rate') as is_batch
    from tested
),
batches as (select * from batch_openings where is_batch),
-- the people acting for each opening's cell: a person (an opening agent, a representative) two or more of the
-- cell's openings share, not a hub (shared_value_evidence). A recruiter's agent opens for many of his batch; two
-- cells that each show such people and none in common are two recruiters' (strays_apart, twin_apart)
acting_people as (
    select company_a as company_id, attr_value from shared_value_evidence where attr_kind = 'person'
    union
    select company_b, attr_value from shared_value_evidence where attr_kind = 'person'
),
cell_people as (
    select o.company_id, o.bank_branch, o.origin, p.attr_value as person
    from batch_openings as o
    join batch_openings as m
        on m.bank_branch = o.bank_branch and m.origin = o.origin
        and abs(date_diff('day', m.open_date, o.open_date)) <= getvariable('batch_days')
    join acting_people as p on p.company_id = m.company_id
    group by all
    having count(distinct m.company_id) >= 2
),
-- A province's cells (BATCH_PROVINCE) count the openings its counties' and prefectures' batches leave: a batch
-- is an event, so its members must not make a province cell look improbable (counted, two one-county batches from
-- one province at one branch in a week made a province batch of both and joined them, and the province's
-- ordinary young openings around a batch to it: at 1,000,000 hard demo companies 681 pairs within a batch
-- against 1,060 across two and 332 to other companies), nor count in the province's ordinary flow.
narrow_members as (
    select company_id, bank_branch, left(origin, 4) as prefecture, open_date, max(n_cell) as n_cell,
        max(origin) filter (where length(origin) = 6) as county
    from batches
    group by all
),
province_levels as (
    select v.company_id, v.bank_branch, v.open_date, v.n_branch, v.n_season, left(v.rep_region, 2) as origin
    from volumes as v
    anti join narrow_members as n using (company_id, bank_branch)
    where v.from_elsewhere and v.young
),
province_tested as (
    select *,
        case when chance_count >= n_cell then 1.0 else poisson_at_least(n_cell, chance_count) end as chance
    from (
        select *, n_branch * (n_origin_season - n_cell + 1) / greatest(n_season - n_cell + 1, 1) as chance_count
        from (
            select *,
                count(*) over (
                    partition by bank_branch, origin order by open_date
                    range between interval (getvariable('batch_days')) days preceding
                        and interval (getvariable('batch_days')) days following
                ) as n_cell,
                count(*) over (
                    partition by origin order by open_date
                    range between interval (getvariable('hometown_days')) days preceding
                        and interval (getvariable('hometown_days')) days following
                ) as n_origin_season
            from province_levels
        )
    )
),
province_batches as (
    select * from province_tested
    where n_cell >= getvariable('batch_min_companies') and chance <= getvariable('batch_chance_rate')
),
-- the county or prefecture batches of the province at the branch within batch_days of a leftover's opening: the
-- leftovers join one, never two (which one they belong to is not for chance to say), when they are a group
-- (batch_min_companies) and chance explains so many of the province's there at most batch_stray_chance of the time:
-- conditioned on the batch, its branch and days are the one place looked at, as for a stray at a second branch
-- (one or two leftovers: at 1,000,000 hard demo companies 109 pairs within a batch against 193 to others)
province_narrow as (
    select p.company_id as province_company, p.bank_branch, p.n_cell, m.company_id, m.prefecture
    from province_tested as p
    join narrow_members as m
        on m.bank_branch = p.bank_branch and left(m.prefecture, 2) = p.origin
        and abs(date_diff('day', m.open_date, p.open_date)) <= getvariable('batch_days')
    where p.n_cell >= getvariable('batch_min_companies') and p.chance <= getvariable('batch_stray_chance')
),
province_single as (
    select province_company, bank_branch from province_narrow
    group by all having count(distinct prefecture) = 1
),
-- each branch's city: the prefecture where most of the companies opening accounts there are registered. A company
-- opens its basic account where it is registered, out of area only for listed reasons (PBoC, DOMAIN.md flag 9), so
-- a branch's openers are mostly its own city's; a branch with no such majority has no city here (and its strays
-- are judged as before)
branch_cities as (
    select bank_branch, arg_max(prefecture, n) as city, max(n) * 2 > sum(n) as clear
    from (
        select a.bank_branch, left(coalesce(c.reg_adcode, c.uscc_region), 4) as prefecture, count(*) as n
        from stg_accounts as a
        join stg_companies as c using (company_id)
        where a.bank_branch is not null and coalesce(c.reg_adcode, c.uscc_region) is not null
        group by all
    )
    group by bank_branch
),
-- the branches with fresh openings within batch_days of each batch's opening days
active_branches as (
    select d.open_date, count(distinct f.bank_branch) as n_branches
    from (select distinct open_date from batches) as d
    join (select distinct bank_branch, open_date from profiled) as f
        on f.open_date between d.open_date - getvariable('batch_days')::integer
            and d.open_date + getvariable('batch_days')::integer
    group by d.open_date
),
-- openings of the batch's profile and origin at another branch within its days, judged by their own cell
strays as (
    select x.company_id, x.bank_branch, x.open_date, x.origin, b.company_id as batch_company,
        b.bank_branch as batch_branch,
        b.n_cell as batch_size, x.n_cell as n_seen, n.n_branches,
        -- the origin's share of the season without this cell and without the batch it may belong to: the
        -- batch is the event the test is conditioned on, not part of the origin's ordinary flow
        x.n_branch * (greatest(x.n_origin_season - x.n_cell - b.n_cell, 0) + 1)
            / greatest(x.n_season - x.n_cell - b.n_cell + 1, 1) as n_expected
    from batch_openings as x
    join batches as b
        on abs(date_diff('day', x.open_date, b.open_date)) <= getvariable('batch_days')
        and x.company_id <> b.company_id and x.origin = b.origin and x.bank_branch <> b.bank_branch
        and x.young
    join active_branches as n on n.open_date = b.open_date
    -- a recruiter brings a batch to branches of one city: a cell of the origin at another city's branch is
    -- another event, unless the batch is of one county (one school or town: two recruiters' batches of one county
    -- in one week are far rarer than of one prefecture, and a county batch may be spread over cities); a branch
    -- with no city of its own is judged as before
    left join branch_cities as xc on xc.bank_branch = x.bank_branch and xc.clear
    left join branch_cities as bc on bc.bank_branch = b.bank_branch and bc.clear
    -- a cell that is a batch of its own within those days is another event (another dealer's batch from the
    -- same place), not this batch's second branch: at 1,000,000 demo companies such cells joined two batches;
    -- unless both are batches of one county (a recruiter's town split over two branches)
    where (xc.city is null or bc.city is null or xc.city = bc.city or length(b.origin) = 6)
        and (length(b.origin) = 6 or not exists (
        select 1 from batches as m
        where m.bank_branch = x.bank_branch and left(m.origin, 4) = left(x.origin, 4)
            and abs(date_diff('day', m.open_date, x.open_date)) <= getvariable('batch_days')))
),
-- a stray whose cell shows people acting for it and a batch member whose cell shows others, none of them the
-- stray's: two recruiters' openings, not one event (tested after the ambiguity test below, so that a stray near two
-- batches, one of them another recruiter's, is still not placed with the other by chance)
strays_apart as (
    select s.company_id, s.batch_company
    from strays as s
    join cell_people as a on a.company_id = s.company_id and a.bank_branch = s.bank_branch and a.origin = s.origin
    join cell_people as b
        on b.company_id = s.batch_company and b.bank_branch = s.batch_branch and b.origin = s.origin
    group by all
    having count(*) filter (where a.person = b.person) = 0
),
-- a stray near two batches of its origin (at two branches) could be either's: it joins neither, or it would
-- tie the two into one
unambiguous as (
    select company_id from strays group by company_id having count(distinct batch_branch) = 1
),
joined as (
    select * from strays semi join unambiguous using (company_id)
    anti join strays_apart using (company_id, batch_company)
    where n_expected < n_seen
        and poisson_at_least(n_seen, greatest(n_expected, 1e-9)) * n_branches <= getvariable('batch_stray_chance')
),
-- one row per pair, whichever of its cells (and branches, when the two opened at two) made it a batch; the
-- narrowest origin names the reason: a county or prefecture (BATCH_COHORT), else a province (BATCH_PROVINCE: a
-- recruiter working two or three prefectures of one province), and a member aged over batch_max_age is
-- BATCH_NEAR_AGE
cell_pairs as (
    select least(a.company_id, b.company_id) as company_a, greatest(a.company_id, b.company_id) as company_b,
        a.bank_branch, greatest(a.n_cell, b.n_cell) as n_cell, length(a.origin) >= 4 as narrow,
        a.young and b.young as both_young
    from batch_openings as a
    join batch_openings as b
        on a.bank_branch = b.bank_branch and a.origin = b.origin and a.company_id <> b.company_id
        and abs(date_diff('day', a.open_date, b.open_date)) <= getvariable('batch_days')
    where a.is_batch
    union all
    select least(a.company_id, b.company_id), greatest(a.company_id, b.company_id), a.bank_branch,
        greatest(a.n_cell, b.n_cell), false, true
    from province_batches as a
    join province_tested as b
        on a.bank_branch = b.bank_branch and a.origin = b.origin and a.company_id <> b.company_id
        and abs(date_diff('day', a.open_date, b.open_date)) <= getvariable('batch_days')
    union all
    select least(n.province_company, n.company_id), greatest(n.province_company, n.company_id), n.bank_branch,
        n.n_cell, false, true
    from province_narrow as n
    semi join province_single using (province_company, bank_branch)
),
-- two batches of one province from two of its prefectures at one branch, opening within branch_days: one event
siblings as (
    select least(a.company_id, b.company_id) as company_a, greatest(a.company_id, b.company_id) as company_b,
        'BATCH_SIBLING' as reason, 'branch' as attr_kind, min(a.bank_branch) as attr_value,
        max(greatest(a.n_cell, b.n_cell)) as n_companies
    from narrow_members as a
    join narrow_members as b
        on a.bank_branch = b.bank_branch and left(a.prefecture, 2) = left(b.prefecture, 2)
        and a.prefecture < b.prefecture and a.company_id <> b.company_id
        and abs(date_diff('day', a.open_date, b.open_date)) <= getvariable('branch_days')
    group by all
),
-- every member of a batch, by county, prefecture or province, with its representative's prefecture
event_members as (
    select company_id, bank_branch, prefecture, open_date, n_cell, county from narrow_members
    union all
    select p.company_id, p.bank_branch, left(c.rep_region, 4), p.open_date, p.n_cell, null
    from province_batches as p join stg_companies as c using (company_id)
),
-- batches of one prefecture's students at two branches of one city, opening within branch_days of each other: one
-- recruiter's event at its second branch, whichever banks the two branches are of (a branch with no city of its own
-- is judged as any, as for a stray). Two batches each of one county, two counties, are two schools' or towns' (two
-- events: on the clean-room 200,000-company run s2, the branch pairs this rule tied across two rings fell from 12
-- to 7 and its pairs within one ring stayed whole; bench/RESULTS-detection.md, session 17 s17-twins)
twin_candidates as (
    select a.company_id, a.bank_branch, b.company_id as other_company, b.bank_branch as other_branch,
        greatest(a.n_cell, b.n_cell) as n_cell, a.prefecture
    from event_members as a
    join event_members as b
        on a.prefecture = b.prefecture and a.bank_branch <> b.bank_branch
        and abs(date_diff('day', a.open_date, b.open_date)) <= getvariable('branch_days')
    left join branch_cities as ac on ac.bank_branch = a.bank_branch and ac.clear
    left join branch_cities as bc on bc.bank_branch = b.bank_branch and bc.clear
    where (ac.city is null or bc.city is null or ac.city = bc.city)
        and (a.county is null or b.county is null or a.county = b.county)
),
-- two halves whose cells each show people acting for them, none in common: two recruiters' batches, whatever the
-- days say; that branch is not the half's second one (tested after the pick, so that a half seeing two branches,
-- one of them another recruiter's, still does not take the other by elimination)
twin_apart as (
    select t.company_id, t.other_branch
    from twin_candidates as t
    join cell_people as a
        on a.company_id = t.company_id and a.bank_branch = t.bank_branch and a.origin = t.prefecture
    join cell_people as b
        on b.company_id = t.other_company and b.bank_branch = t.other_branch and b.origin = t.prefecture
    group by t.company_id, t.other_branch, t.other_company
    having count(*) filter (where a.person = b.person) = 0
),
-- the recruiter's own footprint: a phone, agent, room or representative shared by a member of each half (a shared
-- value no hub, shared_value_evidence). A member's half is its own batch at its branch: the companies its cell ties
-- to it there (cell_pairs) and itself, so two rings' batches at the same two branches in the same days do not lend
-- each other their footprints
twin_footprints as (
    select distinct c.company_id, c.bank_branch, c.other_branch
    from twin_candidates as c
    semi join shared_value_evidence as e
        on e.company_a = least(c.company_id, c.other_company) and e.company_b = greatest(c.company_id, c.other_company)
),
twin_half as (
    select company_a as company_id, company_b as mate, bank_branch from cell_pairs
    union
    select company_b, company_a, bank_branch from cell_pairs
    union
    select company_id, company_id, bank_branch from event_members
),
twin_corroborated as (
    select distinct t.company_id, t.other_branch
    from twin_candidates as t
    join twin_half as h on h.company_id = t.company_id and h.bank_branch = t.bank_branch
    join twin_footprints as c
        on c.company_id = h.mate and c.bank_branch = t.bank_branch and c.other_branch = t.other_branch
),
-- an event is at one or two branches: a member pairs with the one other branch it sees; seeing two or more, with the
-- one its half shares a phone, agent, room or representative with (on the kept 200,000-company runs of either outside
-- generator no such value tied two rings' halves; at 1,000,000 a few did); with none such, with the one of its own
-- branch's bank (a recruiter who chose a bank: the clean-room generator's careful batches; the session-16 rule asked
-- it always); else which it belongs with chance cannot say, and it pairs with neither. Both halves must pick each
-- other
branch_banks as (
    select bank_branch, any_value(bank) as bank from stg_accounts
    where bank_branch is not null and bank is not null group by bank_branch
),
twin_pick as (
    select t.company_id,
        case when count(distinct t.other_branch) = 1 then any_value(t.other_branch)
            when count(distinct k.other_branch) = 1 then any_value(k.other_branch)
            when count(distinct k.other_branch) = 0 and count(distinct t.other_branch) filter (where ab.bank = bb.bank) = 1
                then any_value(t.other_branch) filter (where ab.bank = bb.bank) end as pick
    from twin_candidates as t
    left join twin_corroborated as k using (company_id, other_branch)
    left join branch_banks as ab on ab.bank_branch = t.bank_branch
    left join branch_banks as bb on bb.bank_branch = t.other_branch
    group by t.company_id
),
twin_pairs as (
    select t.* from twin_candidates as t
    join twin_pick as a on a.company_id = t.company_id and a.pick = t.other_branch
    join twin_pick as b on b.company_id = t.other_company and b.pick = t.bank_branch
    anti join twin_apart as x on x.company_id = t.company_id and x.other_branch = t.other_branch
    anti join twin_apart as y on y.company_id = t.other_company and y.other_branch = t.bank_branch
),
twins as (
    select t.company_id as company_a, t.other_company as company_b,
        'BATCH_TWO_BRANCHES' as reason, 'branch' as attr_kind, min(least(t.bank_branch, t.other_branch)) as attr_value,
        max(t.n_cell) as n_companies
    from twin_pairs as t
    where t.company_id < t.other_company
    group by all
),
cohort as (
    select company_a, company_b,
        case when not bool_and(both_young) then 'BATCH_NEAR_AGE'
            when bool_or(narrow) then 'BATCH_COHORT' else 'BATCH_PROVINCE' end as reason,
        'branch' as attr_kind, min(bank_branch) as attr_value,
        coalesce(max(n_cell) filter (where narrow), max(n_cell)) as n_companies
    from cell_pairs
    group by company_a, company_b
),
stray_pairs as (
    select least(company_id, batch_company) as company_a, greatest(company_id, batch_company) as company_b,
        'BATCH_JOINED' as reason, 'branch' as attr_kind, min(batch_branch) as attr_value,
        max(batch_size) as n_companies
    from joined
    group by all
)
select * from cohort
union all
select s.* from stray_pairs as s anti join cohort as c using (company_a, company_b)
union all
select s.* from siblings as s
anti join cohort as c using (company_a, company_b)
anti join stray_pairs as j using (company_a, company_b)
union all
select t.* from twins as t
anti join cohort as c using (company_a, company_b)
anti join stray_pairs as j using (company_a, company_b)
anti join siblings as s using (company_a, company_b);
