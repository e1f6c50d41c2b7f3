-- The distinct company names of both extracts.
--
-- reads: src_registrations, src_accounts

select distinct company_name as input from src_registrations where company_name is not null
union select distinct company_name from src_accounts where company_name is not null
