-- The distinct USCCs of both extracts, to parse once each.
--
-- reads: src_registrations, src_accounts

-- UNION dedupes the whole: a DISTINCT per part would hash every value twice (1M: half the query's CPU).
select uscc as input from src_registrations where uscc is not null
union select uscc from src_accounts where uscc is not null
