-- How many companies share each value; values shared by more than the kind's hub limit are hubs:
-- reported as entities of their own and never expanded into company pairs.
-- Most values belong to one company; a cheap min/max pass finds the shared ones first, so the
-- distinct counts and role lists run on their rows only.
--
-- A mobile number past hub_limit_phone or a room past hub_limit_room is still no hub when it came with one
-- season's companies: at least hosted_season_share of them seen with it within weak_days around their median day,
-- and no more than hub_season_limit of them. A dealer's or an account-opening agent's mobile gathers a batch of
-- new companies in a season, a farm's room fills with its batch (UK: 100 firms at one house in 14 days), and a big
-- batch is no less a ring for outgrowing a count the small ones stay under; an agency's number serves its clients
-- over years, a hosting address its tenants, a switchboard or a bookkeeper's line is a landline. Landlines and
-- people stay cut at the count. A new incubator's room filled in one season links too: what tells its intake from
-- a farm's batch is what else the companies share, which the score weighs (room_intake).
--
-- A value a national run published as a hub (national_hub_values, empty in most runs) is a hub here too.
--
-- reads: company_attributes, national_hub_values
-- params: hub_limit_person, hub_limit_phone, hub_limit_room, hub_season_limit, hosted_season_share, weak_days

create or replace table attribute_values as
with shared as (
    select attr_kind, attr_value, quantile_disc(seen_on, 0.5) as mid_seen
    from company_attributes
    group by attr_kind, attr_value
    having min(company_id) < max(company_id)
)
select
    attr_kind,
    attr_value,
    count(distinct company_id)::integer as n_companies,
    list_sort(list_distinct(list(role))) as roles,
    min(seen_on) as first_seen,
    max(seen_on) as last_seen,
    count(distinct company_id) > case attr_kind
        when 'person' then getvariable('hub_limit_person')
        when 'phone' then getvariable('hub_limit_phone')
        else getvariable('hub_limit_room')
    end and not (
        (attr_kind = 'room' or (attr_kind = 'phone' and attr_value like '+861%' and length(attr_value) = 14))
        and count(distinct company_id) <= getvariable('hub_season_limit')
        and count(distinct company_id) filter (
            where abs(date_diff('day', s.mid_seen, seen_on)) * 2 <= getvariable('weak_days'))
            >= getvariable('hosted_season_share') * count(distinct company_id)
    ) or (attr_kind, attr_value) in (select attr_kind, attr_value from national_hub_values) as is_hub
from company_attributes
join shared as s using (attr_kind, attr_value)
group by attr_kind, attr_value, s.mid_seen
having count(distinct company_id) >= 2;
