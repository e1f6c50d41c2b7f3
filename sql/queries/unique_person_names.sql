-- The distinct person names (representatives and agents) of both extracts.
--
-- reads: src_registrations, src_accounts

select distinct legal_rep_name as input from src_registrations where legal_rep_name is not null
union select distinct legal_rep_name from src_accounts where legal_rep_name is not null
union select distinct agent_name from src_accounts where agent_name is not null
