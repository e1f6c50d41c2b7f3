-- NEIGHBOUR_ROOM: a hosted address that outgrew its room. Cluster registration (集群注册, 托管, 商务秘书) puts a
-- season's new companies into one room, and when the room is full into the rooms next to it, on its floor or the
-- next (an agency leases rooms side by side; two farms a few floors apart are two tenants of a busy building).
-- A room's season is its companies registered within the weak_days window that holds most of them (the earliest
-- such window on a tie); the room is a season room when they are at least hosted_season_share of its companies. A
-- careful farm fills unevenly, a few in its first weeks and the rest months later: a window centred on its median
-- company cut that fill in half (half in season, under the share) though all of it fits in one season, so the room
-- next door linked to nobody and the farm split by room. A farm fills a room in a season
-- (a tenant or two of earlier years may have been there before), an incubator's or a hosting agency's room takes
-- tenants over years, and an office's room holds one company. Two season rooms of one building within
-- hosted_floor_reach floors, one of them holding at least hosted_room_min_companies of the season, filled at one
-- time (their seasons overlap, or one follows the other within hosted_fill_gap_days: the next room takes over as
-- the last one fills), link their season's companies that arrived while the other room filled, unless the rooms
-- name two different hosting companies or are mostly marked as hosted in ways that share nothing (desk numbers
-- in one, cluster-registration notes in the other). Two farms side by side that filled seasons apart, or under
-- two agents, are two operators; a room's tenants of other years are no part of its farm. A room so full that it is a hub
-- (hub_limit_room) is reported as one and links nobody here either.
-- A hosting note that names its host (托管于…, 入驻…商务秘书) names the operator: season rooms of one building under
-- one named host are its rooms on any floor (an agent leases what the building has free), and a room holding a
-- single company under that name is one of its desks too. One agent writes its hosted addresses one way: season
-- rooms both mostly marked as hosted, in a way they share (desk numbers in both, or cluster-registration notes in
-- both), are its rooms within hosted_marked_floor_reach floors. Unmarked rooms stay within hosted_floor_reach: two
-- unmarked farms a few floors apart are two tenants of a busy building.
-- A farm's rooms written with and without their tower (和捷财富大厦C座2522室 beside 和捷财富大厦2521室: applicants leave
-- the letter out) have two building keys, so the rooms never met. A season room written with no block is taken for
-- the block of the season rooms near its floor at that site when they are all of one block, both are written under
-- one place name (or each under none), and its own writings name no block in words (中座, 东楼, 二期): the rooms
-- a farm filled at one time on one floor of a tower are that tower's. Where two blocks have season rooms near that
-- floor the room is left as written (never guessed), as room_blocks leaves a room two towers have.
-- A temp table: pair_evidence, in this stage, is its one reader.
--
-- reads: stg_companies
-- params: hosted_room_min_companies, hosted_season_share, hosted_floor_reach, hosted_marked_floor_reach,
--     hosted_fill_gap_days, weak_days, hub_limit_room

create or replace temp table room_neighbour_evidence as
with placed as (
    select
        company_id,
        reg_building_key as building_key,
        reg_room_key as room_key,
        reg_site_key as site_key,
        -- the building key is site|block; an empty block is a room written with no tower
        substr(reg_building_key, length(reg_site_key) + 2) as block,
        coalesce(reg_place, '') as place,
        names_block_in_words(reg_address_norm) as names_block,
        reg_date,
        -- the room key ends |unit|floor|room
        try_cast(string_split(reg_room_key, '|')[-2] as integer) as floor,
        list_filter(reg_address_notes, lambda x: x like 'hosted:%')[1] as host,
        -- how the address says it is hosted: a desk number, a cluster-registration note, a named host
        list_filter(reg_address_notes, lambda x: x in ('workstation', 'cluster_registration') or x like 'hosted:%')
            as markers
    from stg_companies
    where reg_room_key is not null and reg_building_key is not null and reg_date is not null
),
-- each room's season: the weak_days window from one of its registrations that holds most of its companies
shared_rooms as (
    select room_key, season_from
    from (
        select room_key, reg_date as season_from,
            count(*) over (partition by room_key) as n_all,
            count(*) over (
                partition by room_key order by reg_date
                range between current row and interval (getvariable('weak_days')::integer) days following
            ) as n_in
        from placed
    )
    where n_all <= getvariable('hub_limit_room')
    qualify row_number() over (partition by room_key order by n_in desc, season_from) = 1
),
seasoned as (
    select p.*, date_diff('day', r.season_from, p.reg_date) between 0 and getvariable('weak_days') as in_season
    from placed as p
    join shared_rooms as r using (room_key)
),
season_rooms as (
    select
        room_key,
        any_value(building_key) as building_key,
        any_value(floor) as floor,
        any_value(site_key) as site_key,
        any_value(block) as block,
        list_distinct(list(place) filter (where in_season)) as places,
        bool_or(names_block) filter (where in_season) as names_block,
        mode(host order by host) filter (where in_season) as host,  -- a tie to the first name, not to thread order
        list_distinct(flatten(list(markers) filter (where in_season))) as markers,
        count(*) filter (where in_season and len(markers) > 0) / count(*) filter (where in_season) as marked_share,
        count(*) filter (where in_season) as n_companies,
        min(reg_date) filter (where in_season) as fill_from,
        max(reg_date) filter (where in_season) as fill_to
    from seasoned
    group by room_key
    -- a room of one company takes part only under a named host (below: and only beside that host's rooms)
    having (count(*) filter (where in_season) >= 2 or (count(*) = 1 and any_value(host) is not null))
        and count(*) filter (where in_season) >= getvariable('hosted_season_share') * count(*)
),
-- a season room written with no block, and the one block of the season rooms near its floor at its site
towered as (
    select u.room_key, any_value(l.site_key || '|' || l.block) as tower_key
    from season_rooms as u
    join season_rooms as l
        on l.site_key = u.site_key and l.block <> ''
        and abs(l.floor - u.floor) <= getvariable('hosted_floor_reach')
        and len(list_intersect(l.places, u.places)) > 0
    where u.block = '' and u.site_key is not null and not u.names_block
    group by u.room_key
    having count(distinct l.block) = 1
),
placed_rooms as (
    select r.*, coalesce(t.tower_key, r.building_key) as tower_key
    from season_rooms as r
    left join towered as t using (room_key)
),
-- only buildings with two season rooms or more are paired
neighbours as (
    select a.room_key as room_a, b.room_key as room_b,
        case when a.building_key = b.building_key then a.building_key else a.tower_key end as building_key,
        a.n_companies + b.n_companies as n_companies,
        a.fill_from as from_a, a.fill_to as to_a, b.fill_from as from_b, b.fill_to as to_b
    from placed_rooms as a
    join placed_rooms as b
        on (a.building_key = b.building_key or a.tower_key = b.tower_key) and a.room_key < b.room_key
    where (a.host = b.host
            or (least(a.n_companies, b.n_companies) >= 2
                and (abs(a.floor - b.floor) <= getvariable('hosted_floor_reach')
                     or (abs(a.floor - b.floor) <= getvariable('hosted_marked_floor_reach')
                         and a.marked_share >= 0.5 and b.marked_share >= 0.5
                         and list_has_any(a.markers, b.markers)))))
        and greatest(a.n_companies, b.n_companies) >= getvariable('hosted_room_min_companies')
        and (a.host is null or b.host is null or a.host = b.host)
        -- one agent writes its hosted addresses one way: rooms mostly marked, in ways that share nothing (desk
        -- numbers in one, cluster-registration notes in the other), are two agents' rooms
        and not (a.marked_share >= 0.5 and b.marked_share >= 0.5 and not list_has_any(a.markers, b.markers))
        and a.fill_from <= b.fill_to + getvariable('hosted_fill_gap_days')
        and b.fill_from <= a.fill_to + getvariable('hosted_fill_gap_days')
),
pairs as (
    select x.company_id as company_x, y.company_id as company_y, n.building_key, n.n_companies
    from neighbours as n
    join seasoned as x on x.room_key = n.room_a and x.in_season
    join seasoned as y on y.room_key = n.room_b and y.in_season
    -- each arrived while the other room filled (within hosted_fill_gap_days): a room's later tenant of the same
    -- season is not the farm next door
    where x.reg_date between n.from_b - getvariable('hosted_fill_gap_days')
            and n.to_b + getvariable('hosted_fill_gap_days')
        and y.reg_date between n.from_a - getvariable('hosted_fill_gap_days')
            and n.to_a + getvariable('hosted_fill_gap_days')
)
select
    least(company_x, company_y) as company_a,
    greatest(company_x, company_y) as company_b,
    'NEIGHBOUR_ROOM' as reason,
    'building' as attr_kind,
    building_key as attr_value,
    n_companies
from pairs;
