-- The distinct phones (registration, bank contact, agent) with the registering authority's region
-- (4 digits) as the parser's hint, so the lookup keys on (input, hint).
--
-- reads: src_registrations, src_accounts, norm_uscc

select distinct r.phone as input, substr(u.region_code, 1, 4) as hint
from src_registrations as r left join norm_uscc as u on u.input = r.uscc
where r.phone is not null
union
select distinct p.input, substr(u.region_code, 1, 4)
from (
    select uscc, contact_phone as input from src_accounts
    union all select uscc, agent_phone from src_accounts
) as p
left join norm_uscc as u on u.input = p.uscc
where p.input is not null
