-- The distinct resident IDs (representatives and agents) of both extracts.
--
-- reads: src_registrations, src_accounts

-- UNION dedupes the whole: a DISTINCT per part would hash every value twice (1M: half the query's CPU).
select legal_rep_id as input from src_registrations where legal_rep_id is not null
union select legal_rep_id from src_accounts where legal_rep_id is not null
union select agent_id from src_accounts where agent_id is not null
