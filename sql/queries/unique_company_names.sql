-- The distinct company names of both extracts.
--
-- reads: src_registrations, src_accounts

-- UNION dedupes the whole: a DISTINCT per part would hash every value twice (1M: half the query's CPU).
select company_name as input from src_registrations where company_name is not null
union select company_name from src_accounts where company_name is not null
