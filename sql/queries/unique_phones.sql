-- The distinct phones (registration, bank contact, agent) with the registering authority's region
-- (4 digits) as the parser's hint, so the lookup keys on (input, hint).
--
-- reads: src_registrations, src_accounts, norm_uscc

-- UNION dedupes the whole: a DISTINCT per part would hash every value twice (1M: half the query's CPU).
select r.phone as input, substr(u.region_code, 1, 4) as hint
from src_registrations as r left join norm_uscc as u on u.input = r.uscc
where r.phone is not null
union
-- both phones of an account opening from one join to its USCC's region, not one join per phone
select p.input, p.hint
from (
    select unnest([a.contact_phone, a.agent_phone]) as input, substr(u.region_code, 1, 4) as hint
    from src_accounts as a left join norm_uscc as u on u.input = a.uscc
) as p
where p.input is not null
