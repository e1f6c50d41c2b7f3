-- The distinct addresses (registered and bank contact) with the registering authority's region
-- (6 digits) as the parser's hint, so the lookup keys on (input, hint).
--
-- reads: src_registrations, src_accounts, norm_uscc

-- UNION dedupes the whole: a DISTINCT per part would hash every value twice (1M: half the query's CPU).
select r.reg_address as input, substr(u.region_code, 1, 6) as hint
from src_registrations as r left join norm_uscc as u on u.input = r.uscc
where r.reg_address is not null
union
select a.contact_address, substr(u.region_code, 1, 6)
from src_accounts as a left join norm_uscc as u on u.input = a.uscc
where a.contact_address is not null
