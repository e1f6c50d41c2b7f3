-- Candidate typo pairs for REP_ID_TYPO: the same normalized representative name with different
-- 18-character IDs that differ in at most rep_id_max_hamming positions (a substitution differs in
-- one, an adjacent transposition in two). Common names pair millions of IDs at a million companies;
-- only these few need the exact check in Python (flows/pipeline/fuzzy_evidence.py).
-- A temp table: fuzzy_evidence, in this stage, is its one reader.
--
-- reads: stg_companies
-- params: rep_id_block_limit, rep_id_max_hamming

create or replace temp table rep_id_candidates as
with reps as (
    select company_id, rep_name, rep_id from stg_companies
    where rep_name is not null and length(rep_id) = 18
),
blocks as (
    select rep_name from reps group by rep_name having count(distinct rep_id) between 2 and getvariable('rep_id_block_limit')
)
select a.company_id as company_a, b.company_id as company_b, a.rep_id as id_a, b.rep_id as id_b
from reps as a
join reps as b on a.rep_name = b.rep_name and a.company_id < b.company_id and a.rep_id <> b.rep_id
where a.rep_name in (select rep_name from blocks)
    and hamming(a.rep_id, b.rep_id) <= getvariable('rep_id_max_hamming');
