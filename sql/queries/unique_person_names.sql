-- The distinct representatives' names of both extracts (the agents' names are read by no step).
--
-- reads: src_registrations, src_accounts

-- UNION dedupes the whole: a DISTINCT per part would hash every value twice (1M: half the query's CPU).
select legal_rep_name as input from src_registrations where legal_rep_name is not null
union select legal_rep_name from src_accounts where legal_rep_name is not null
