-- How many companies share each value; values shared by more than the kind's hub limit are hubs:
-- reported as entities of their own and never expanded into company pairs.
-- Most values belong to one company; a cheap min/max pass finds the shared ones first, so the
-- distinct counts and role lists run on their rows only.
--
-- A value a national run published as a hub (national_hub_values, empty in most runs) is a hub here too.
--
-- reads: company_attributes, national_hub_values
-- params: hub_limit_person, hub_limit_phone, hub_limit_room

create or replace table attribute_values as
with shared as (
    select attr_kind, attr_value
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
    end or (attr_kind, attr_value) in (select attr_kind, attr_value from national_hub_values) as is_hub
from company_attributes
semi join shared using (attr_kind, attr_value)
group by attr_kind, attr_value
having count(distinct company_id) >= 2;
