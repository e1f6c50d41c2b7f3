-- The distinct resident IDs (representatives and agents) of both extracts.
--
-- reads: src_registrations, src_accounts

select distinct legal_rep_id as input from src_registrations where legal_rep_id is not null
union select distinct legal_rep_id from src_accounts where legal_rep_id is not null
union select distinct agent_id from src_accounts where agent_id is not null
