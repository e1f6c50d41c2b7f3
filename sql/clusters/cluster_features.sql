-- Cluster-level red flags: shares of members showing each company flag, plus what only a group
-- shows: a burst of registrations or openings, one person fronting several members, template
-- scope text, brand consistency (a group's subsidiaries share a trade name, or its first brand_stem_length
-- characters: 宇明, 宇明凯, 宇明宁 are one group's; a ring's names are unrelated), and the
-- shape of the group: how many unrelated members hang on one value that appeared with them and with
-- nothing else, how long that value lived, how many independent kinds of evidence tie the members, and
-- the cluster's own life (the shortest span holding concentration__min_share of its members).
--
-- reads: company_clusters, company_features, stg_companies, company_attributes, attribute_values,
--     company_links_kept, link_reasons
-- params: multi_bank__min_banks, shared_brand__min_length, brand_stem_length, nominee__window_days,
--     controller__window_days, controller__min_share, corroborated__min_kinds, concentration__window_days,
--     concentration__room_window_days, concentration__fade_windows, concentration__min_share, concentration__from,
--     concentration__full_at, concentration__quiet_room_window_days, concentration__holders_days, weak_days,
--     many_kinds__min_reach, burst_own_share

create or replace table cluster_features as
with members as (
    select cc.cluster_no, cc.cluster_size, f.*, c.trade_name, left(c.trade_name, getvariable('brand_stem_length'))
        as brand, c.scope_key
    from company_clusters as cc
    join company_features as f using (company_id)
    join stg_companies as c using (company_id)
),
-- Share of members whose trade name, or whose exact scope text, another member also has.
repeated_values as (
    select
        cluster_no,
        sum(n) filter (where kind = 'trade_name' and n >= 2) / any_value(cluster_size) as share_shared_trade_name,
        sum(n) filter (where kind = 'scope' and n >= 2) / any_value(cluster_size) as share_template_scope
    from (
        select cluster_no, 'trade_name' as kind, brand as value, any_value(cluster_size) as cluster_size,
            count(*) as n
        from members
        where trade_name is not null and length(trade_name) >= getvariable('shared_brand__min_length')
        group by cluster_no, brand
        union all
        select cluster_no, 'scope', scope_key, any_value(cluster_size), count(*)
        from members
        where scope_key is not null
        group by cluster_no, scope_key
    )
    group by cluster_no
),
-- Companies one person fronts within any 180 days: a serial owner adds a company every few years,
-- a nominee several in a season.
reps_in_cluster as (
    select cluster_no, rep_id, max(n_within_180d) as n
    from (
        select cc.cluster_no, c.rep_id,
            count(*) over (
                partition by cc.cluster_no, c.rep_id order by c.reg_date
                range between current row and interval (getvariable('nominee__window_days')::integer) days following
            ) as n_within_180d
        from company_clusters as cc join stg_companies as c using (company_id)
        where c.rep_id is not null and c.reg_date is not null
    )
    group by all
),
-- One mobile, landline or account-opening agent behind several member companies with different legal
-- representatives, registered within 180 days of each other: the dealer or agent behind a ring. A landline
-- counts its companies by trade name: a group's switchboard serves subsidiaries of one trade name, each
-- under its own representative, a dealer's line companies of as many names as representatives.
-- A number or agent most of whose companies are outside the cluster (controller__min_share) serves a business, not
-- a batch: a park's or an incubator's front desk, an agency's line or clerk gathers tenants and clients over years,
-- and a few of them registered in one season are a piece of its trade; a dealer's line serves his batch alone.
controllers as (
    select cluster_no, max(least(n_companies, n_reps)) as n
    from (
        select cc.cluster_no, ca.attr_value,
            case when ca.attr_kind = 'phone' and not (ca.attr_value like '+861%' and length(ca.attr_value) = 14)
                then count(distinct coalesce(left(c.trade_name, getvariable('brand_stem_length')),
                                             ca.company_id::varchar))
                else count(distinct ca.company_id) end as n_companies,
            count(distinct c.rep_id) as n_reps, date_diff('day', min(c.reg_date), max(c.reg_date)) as span,
            count(distinct ca.company_id) >= getvariable('controller__min_share') * any_value(av.n_companies)
                as own_value
        from company_attributes as ca
        join company_clusters as cc using (company_id)
        join stg_companies as c using (company_id)
        join attribute_values as av using (attr_kind, attr_value)
        where ca.attr_kind = 'phone' or (ca.attr_kind = 'person' and ca.role = 'agent')
        group by cc.cluster_no, ca.attr_kind, ca.attr_value
    )
    where span <= getvariable('controller__window_days') and own_value
    group by cluster_no
),
-- One person (in any role), phone (mobile or landline) or room behind several unrelated member companies
-- (counted by distinct trade name: a group's subsidiaries share one), carrying (nearly) no company outside
-- the cluster (min_share): a value that came into being with the group. A ring's nominee, dealer or
-- rented room lives for a season to a year; an agency's line, a group's switchboard or a serial owner
-- carries companies over years, and a room may legitimately fill with an incubator's tenants over a year.
-- The value's life is the shortest span in which min_share of all its companies registered (a stray old
-- tenant of a ring's room does not stretch it), or the cluster's own life so measured when that is
-- longer: a clerk of a bookkeeping agency may serve a dozen clients within a year, but the agency's
-- cluster lived for years. It counts fully within window_days (a room: room_window_days) and fades to
-- nothing at fade_windows times that.
-- A quiet room is the exception: one that took no other company for a season (weak_days) before its first member
-- and after its last, and none between them, where the register shows both seasons. An incubator or a
-- business-secretary address admits tenants as long as it runs, so its room has neighbours in time, while a farm's
-- room is done when its batch is registered (DOMAIN.md flag 1: a room's companies within a rolling window, and its
-- recent growth). A quiet room counts fully within quiet_room_window_days (a season) instead of room_window_days.
value_members as (
    select distinct cc.cluster_no, ca.attr_kind, ca.attr_value, ca.company_id, c.reg_date,
        coalesce(left(c.trade_name, getvariable('brand_stem_length')), c.company_id::varchar) as name
    from company_attributes as ca
    join company_clusters as cc using (company_id)
    join stg_companies as c using (company_id)
    where c.reg_date is not null
),
-- each person, phone or room two members of a cluster or more carry: how many of them, when the first and the last
-- of them registered, and how many companies carry it in all (the floor value and the slice test read it)
shared_values as (
    select m.cluster_no, m.attr_kind, m.attr_value, count(*) as n_members, min(m.reg_date) as first_date,
        max(m.reg_date) as last_date, any_value(v.n_companies) as n_holders
    from value_members as m
    join attribute_values as v using (attr_kind, attr_value)
    group by m.cluster_no, m.attr_kind, m.attr_value
    having count(*) >= 2
),
-- The companies registered in each shared room within concentration__holders_days either side of its cluster
-- members' first and last registration (an undated one counts): a room changes tenants over the years, so its
-- tenants of other years neither make a farm's room busy nor its members a slice of it; an incubator's intake of
-- the years around stays in (concentration; a floor sums its rooms)
room_season_holders as (
    select s.cluster_no, s.attr_value, count(distinct ca.company_id) as n_season_holders
    from shared_values as s
    join company_attributes as ca on ca.attr_kind = 'room' and ca.attr_value = s.attr_value
    join stg_companies as c on c.company_id = ca.company_id
    where s.attr_kind = 'room'
        and (c.reg_date is null
             or c.reg_date between s.first_date - to_days(getvariable('concentration__holders_days')::integer)
                               and s.last_date + to_days(getvariable('concentration__holders_days')::integer))
    group by s.cluster_no, s.attr_value
),
-- the register's first and last registration: a season before or after the extract is not seen, and an
-- incubator that opened in its last months is not known to stop
extract_days as (
    select min(reg_date) as first_day, max(reg_date) as last_day from stg_companies
),
room_seasons as (
    select v.cluster_no, v.attr_value, min(v.reg_date) as first_date, max(v.reg_date) as last_date
    from value_members as v
    where v.attr_kind = 'room'
    group by v.cluster_no, v.attr_value
    having count(distinct v.name) >= getvariable('concentration__from')
),
-- a room is quiet when the register shows a season either side of its members' registrations and no other
-- company (nor an undated one) registered in it from a season before the first to a season after the last
quiet_rooms as (
    select s.cluster_no, s.attr_value
    from room_seasons as s
    cross join extract_days as e
    where s.first_date - to_days(getvariable('weak_days')::integer) >= e.first_day
        and s.last_date + to_days(getvariable('weak_days')::integer) <= e.last_day
        and not exists (
            select 1
            from company_attributes as ca
            join stg_companies as c using (company_id)
            left join company_clusters as cc on cc.company_id = ca.company_id and cc.cluster_no = s.cluster_no
            where ca.attr_kind = 'room' and ca.attr_value = s.attr_value and cc.company_id is null
                and (c.reg_date is null
                     or c.reg_date between s.first_date - to_days(getvariable('weak_days')::integer)
                                       and s.last_date + to_days(getvariable('weak_days')::integer)))
),
-- A farm that outgrew its room: an operator's season intake into a few rooms side by side (集群注册, 托管: the agency
-- leases the rooms next to the full one, NEIGHBOUR_ROOM) is one place, not several small ones. The cluster's rooms
-- on one floor of one building that each hold two of its members or more (a shared room, not an office of one
-- company: a business park's tenants each take their own) count together as one value of kind 'floor' when there
-- are two such rooms or more and the rooms beyond the fullest hold at least concentration__from of its members
-- (an incubator's room with two companies next door is still one room); its holders are the rooms' holders
-- (room_season_holders), so the rooms must carry (almost) nobody but the cluster (min_share), as a room must.
-- It counts fully within a season
-- (quiet_room_window_days): rooms taken over side by side by one cluster in a season and holding no one else are
-- the operator's, while an incubator or a hosting agency admits its tenants into its space over as long as it
-- runs, and its span fades the value as a room's does.
cluster_rooms as (
    select v.cluster_no, v.attr_value as room_key, v.n_members, h.n_season_holders as n_holders,
        -- the room key ends |unit|floor|room: the floor is the key without its last part
        left(v.attr_value, length(v.attr_value) - length(string_split(v.attr_value, '|')[-1]) - 1) as floor_key
    from shared_values as v
    join room_season_holders as h using (cluster_no, attr_value)
    where v.attr_kind = 'room' and string_split(v.attr_value, '|')[-2] <> ''
),
floor_holders as (
    select r.cluster_no, r.floor_key, sum(r.n_holders) as n_companies
    from cluster_rooms as r
    group by r.cluster_no, r.floor_key
    -- the rooms beyond the fullest hold a value's worth of members themselves (concentration__from): the farm's
    -- overflow, not a stray tenant or two next door to an incubator's room
    having count(*) >= 2 and sum(r.n_members) - max(r.n_members) >= getvariable('concentration__from')
),
floor_members as (
    select distinct m.cluster_no, 'floor' as attr_kind, r.floor_key as attr_value, m.company_id, m.reg_date, m.name
    from value_members as m
    join cluster_rooms as r on r.cluster_no = m.cluster_no and m.attr_kind = 'room' and r.room_key = m.attr_value
    join floor_holders as f on f.cluster_no = r.cluster_no and f.floor_key = r.floor_key
),
-- A landline most of whose members in the cluster (concentration__min_share) are registered in one room is that
-- place's line: a front desk's switchboard an incubator's or a hosting agency's tenants give as their contact
-- (DOMAIN.md §0-2: incubators make the same patterns). It speaks for the place, and the room is judged as a room (a
-- season's fill); counted as a number, a desk line taken up by a year's tenants read as an operator's year. A
-- dealer's landline rings its fronts at different addresses, so it stays a number (issue 12: 5-8 companies with
-- different representatives, addresses and names)
line_rooms as (
    select p.cluster_no, p.attr_value, r.attr_value as room, count(*) as n_in_room
    from value_members as p
    join value_members as r on r.cluster_no = p.cluster_no and r.company_id = p.company_id and r.attr_kind = 'room'
    where p.attr_kind = 'phone' and not (p.attr_value like '+861%' and length(p.attr_value) = 14)
    group by p.cluster_no, p.attr_value, r.attr_value
),
place_lines as (
    select l.cluster_no, l.attr_value
    from line_rooms as l
    join shared_values as v on v.cluster_no = l.cluster_no and v.attr_kind = 'phone' and v.attr_value = l.attr_value
    group by l.cluster_no, l.attr_value
    having max(l.n_in_room) >= getvariable('concentration__min_share') * any_value(v.n_members)
),
value_lives as (
    select m.cluster_no, m.attr_kind, m.attr_value, count(*) as n_companies, count(distinct m.name) as n_names,
        any_value(m.n_holders) as n_holders,
        list(m.reg_date order by m.reg_date) as dates,
        ceil(getvariable('concentration__min_share') * any_value(m.n_holders))::integer - 1 as k,
        case when m.attr_kind = 'room' and q.attr_value is not null
                 then getvariable('concentration__quiet_room_window_days')
             when m.attr_kind = 'room' then getvariable('concentration__room_window_days')
             when m.attr_kind = 'floor' then getvariable('concentration__quiet_room_window_days')
             else getvariable('concentration__window_days') end as full_days
    from (
        -- each member's value with its holders: a room's of its season, a floor's its rooms', any other's all
        select m.*, coalesce(h.n_season_holders, v.n_companies, f.n_companies) as n_holders
        from (select * from value_members union all select * from floor_members) as m
        left join attribute_values as v
            on m.attr_kind <> 'floor' and v.attr_kind = m.attr_kind and v.attr_value = m.attr_value
        left join floor_holders as f
            on m.attr_kind = 'floor' and f.cluster_no = m.cluster_no and f.floor_key = m.attr_value
        left join room_season_holders as h
            on m.attr_kind = 'room' and h.cluster_no = m.cluster_no and h.attr_value = m.attr_value
        anti join place_lines as pl
            on m.attr_kind = 'phone' and pl.cluster_no = m.cluster_no and pl.attr_value = m.attr_value
    ) as m
    left join quiet_rooms as q on m.attr_kind = 'room' and q.cluster_no = m.cluster_no and q.attr_value = m.attr_value
    group by m.cluster_no, m.attr_kind, m.attr_value, q.attr_value
    having any_value(m.n_holders) is not null
        and count(*) >= getvariable('concentration__min_share') * any_value(m.n_holders)
        and count(distinct m.name) >= getvariable('concentration__from')
),
cluster_lives as (
    select cluster_no, list_min(list_transform(range(1, len(dates) - k + 1),
                                               lambda i: date_diff('day', dates[i], dates[i + k]))) as life_days
    from (
        select cluster_no, list(reg_date order by reg_date) as dates,
            ceil(getvariable('concentration__min_share') * count(*))::integer - 1 as k
        from members
        where reg_date is not null
        group by cluster_no
    )
),
-- A cluster whose shared values (persons, phones, rooms two or more members carry) are all mostly carried by
-- companies elsewhere is a slice of their holders: a park's front desk line or an incubator's address gathers
-- tenants over years, and a season's few of them, cut out by when they came, show a burst of the cut, not of an
-- operator (burst_own_share). A cluster sharing no such value (a batch tied by its branch and days) is no slice.
slices as (
    select cluster_no, bool_and(n_members < getvariable('burst_own_share') * n_holders) as is_slice
    from shared_values
    group by cluster_no
),
value_spans as (
    select v.*, greatest(c.life_days, list_min(list_transform(range(1, len(v.dates) - v.k + 1),
                                      lambda i: date_diff('day', v.dates[i], v.dates[i + v.k])))) as span_days
    from value_lives as v
    join cluster_lives as c using (cluster_no)
),
concentrations as (
    select cluster_no, n_names as n, span_days, attr_kind, n_holders,
        window_fade(span_days, full_days, getvariable('concentration__fade_windows')) as fade
    from value_spans
    qualify row_number() over (
        partition by cluster_no
        order by (least(n_names, getvariable('concentration__full_at')) - getvariable('concentration__from'))
            * fade desc, n_names desc, span_days, attr_kind, attr_value) = 1
),
-- Each cluster's links come in a few combinations of reasons: the lists below are taken apart once per
-- cluster and combination, not once per link.
cluster_links as (
    select cc.cluster_no, cc.cluster_size, l.reason, l.company_a, l.company_b
    from company_links_kept as l
    join company_clusters as cc on cc.company_id = l.company_a
    join company_clusters as cc_b on cc_b.company_id = l.company_b and cc_b.cluster_no = cc.cluster_no
    where l.is_link
),
-- The links one person fronts as representative of two unrelated companies (two brands, as shared_brand reads
-- them): a group's chairman fronting two subsidiaries of one trade name is no nominee
nominee_links as (
    select l.company_a, l.company_b
    from cluster_links as l
    join members as a on a.company_id = l.company_a
    join members as b on b.company_id = l.company_b
    where list_contains(string_split(l.reason, '+'), 'SAME_REP') and coalesce(a.brand <> b.brand, true)
),
cluster_link_reasons as (
    select cluster_no, reason, count(*) as n_links from cluster_links group by cluster_no, reason
),
-- The members each combination of reasons reaches (the ends of its links), then each family's reach.
reason_ends as (
    select distinct l.cluster_no, l.cluster_size, l.reason, n.company_a is not null as fronted,
        unnest([l.company_a, l.company_b]) as company_id
    from cluster_links as l
    left join nominee_links as n using (company_a, company_b)
),
-- An operator's footprint is on the cluster, not on a few of its members: a family counts as a kind of
-- the cluster's evidence only when its links reach many_kinds__min_reach of the members (a member's
-- misspelt room, whose bank contact address is the room everyone registered in, is no second channel).
-- A shared contact address is a channel of its own where it points away from the member's registered room (an
-- operator's office, a dealer's flat); a member whose contact address is its own registered room restates where
-- it is registered, as an incubator's or a park's tenants do, and its end of the link counts as the place.
-- A link where one person fronts two unrelated members counts as that person (the nominee channel) and nothing
-- else: the phone and room they share are his own.
family_reach as (
    select e.cluster_no,
        case when r.reason = 'SAME_CONTACT_ADDRESS' and not f.contact_elsewhere then nc.family_of['SAME_ROOM']
             else nc.family_of[r.reason] end as family,
        count(distinct e.company_id) >= getvariable('many_kinds__min_reach') * any_value(e.cluster_size) as reaches
    from reason_ends as e
    join company_features as f using (company_id)
    cross join unnest(case when e.fronted then ['SAME_REP'] else string_split(e.reason, '+') end) as r(reason)
    cross join (select list(reason) filter (where not corroborates) as reasons,
                       map(list(reason), list(family)) as family_of from link_reasons) as nc
    where e.fronted or not list_contains(nc.reasons, r.reason)
    group by all
),
evidence_kinds as (
    select cluster_no, count(*) filter (where reaches) as n_evidence_kinds from family_reach group by cluster_no
),
link_kinds as (
    select
        cl.cluster_no,
        list_sort(list_distinct(flatten(list(string_split(cl.reason, '+'))))) as link_reasons,
        sum(cl.n_links)::bigint as n_links,
        -- links resting on two or more independent kinds of evidence (a room implies its building, and a
        -- representative's companies naturally share the representative's phone and address); reasons of
        -- one family restate one fact (one branch twice over) and count as one kind
        sum(cl.n_links * (len(list_distinct(list_transform(
                list_filter(string_split(cl.reason, '+'), lambda r: not list_contains(nc.reasons, r)),
                lambda r: nc.family_of[r])))
            >= getvariable('corroborated__min_kinds'))::integer) / sum(cl.n_links) as share_corroborated_links
    from cluster_link_reasons as cl
    cross join (select list(reason) filter (where not corroborates) as reasons,
                       map(list(reason), list(family)) as family_of from link_reasons) as nc
    group by cl.cluster_no
)
select
    m.cluster_no,
    any_value(m.cluster_size) as n_companies,
    count(*) filter (where m.has_window_account) as n_window_companies,
    -- shares of all members: a member without an account did not open one fast (averaging over the
    -- members with accounts made one fast account among a serial owner's three companies 100%)
    avg(coalesce(m.fast_open_7d, false)::integer) as share_fast_open_7d,
    avg(coalesce(m.fast_open_30d, false)::integer) as share_fast_open_30d,
    count(m.first_open_date) as n_opened_companies,
    avg(m.rep_young::integer) as share_rep_young,
    avg(m.rep_under_30::integer) as share_rep_under_30,
    avg(m.rep_over_40::integer) as share_rep_over_40,
    avg(m.rep_nonlocal::integer) as share_rep_nonlocal,
    avg(m.capital_tiny::integer) as share_capital_tiny,
    avg(m.phone_virtual::integer) as share_phone_virtual,
    avg(m.cluster_address::integer) as share_cluster_address,
    avg(m.opened_by_agent::integer) as share_opened_by_agent,
    avg((m.n_banks >= getvariable('multi_bank__min_banks'))::integer) as share_multi_bank,
    avg(m.rep_is_agent_elsewhere::integer) as share_rep_is_agent,
    date_diff('day', quantile_disc(m.reg_date, 0.1), quantile_disc(m.reg_date, 0.9)) as reg_span_days,
    date_diff('day', quantile_disc(m.first_open_date, 0.1), quantile_disc(m.first_open_date, 0.9)) as open_span_days,
    coalesce(any_value(r.max_per_rep), 1) as max_companies_per_rep,
    coalesce(any_value(ctl.n), 0) as max_companies_per_controller,
    coalesce(any_value(con.n), 0) as max_companies_per_value,
    coalesce(any_value(con.fade), 0) as value_fade,
    any_value(con.span_days) as value_span_days,
    -- what that value is and how many companies carry it in all (a room of a cluster-registration address's size:
    -- the room_intake mitigation)
    any_value(con.attr_kind) as value_kind,
    any_value(con.n_holders) as value_holders,
    coalesce(any_value(rv.share_shared_trade_name), 0) as share_shared_trade_name,
    coalesce(any_value(rv.share_template_scope), 0) as share_template_scope,
    any_value(k.link_reasons) as link_reasons,
    any_value(k.n_links) as n_links,
    coalesce(any_value(k.share_corroborated_links), 0) as share_corroborated_links,
    -- independent kinds of evidence (families) among the cluster's links: an operator's footprint in several
    -- channels at once (a branch's batch, a contact room, a phone range, a scope), each across the cluster
    coalesce(any_value(ek.n_evidence_kinds), 0) as n_evidence_kinds,
    any_value(cl.life_days) as life_days,
    coalesce(any_value(sl.is_slice), false) as is_slice
from members as m
left join (select cluster_no, max(n) as max_per_rep from reps_in_cluster group by cluster_no) as r using (cluster_no)
left join repeated_values as rv using (cluster_no)
left join link_kinds as k using (cluster_no)
left join evidence_kinds as ek using (cluster_no)
left join controllers as ctl using (cluster_no)
left join concentrations as con using (cluster_no)
left join cluster_lives as cl using (cluster_no)
left join slices as sl using (cluster_no)
group by m.cluster_no;
