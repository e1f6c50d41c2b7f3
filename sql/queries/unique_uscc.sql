-- The distinct USCCs of both extracts, to parse once each.
--
-- reads: src_registrations, src_accounts

select distinct uscc as input from src_registrations where uscc is not null
union select distinct uscc from src_accounts where uscc is not null
