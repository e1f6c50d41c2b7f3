-- Candidate typo pairs for REP_ID_TYPO: the same normalized representative name with different
-- 18-character IDs that differ in at most rep_id_max_hamming positions (a substitution differs in
-- one, an adjacent transposition in two). Only these few need the exact check in Python
-- (flows/pipeline/fuzzy_evidence.py).
-- Two IDs that differ in at most h positions agree on at least one of h + 1 disjoint parts of them (the county
-- code, the birth date, the tail when h is 2), so pairs are looked up in blocks of one name and one equal part,
-- never in a whole name's block. A name's holders grow with the extract (a common name has thousands of IDs in a
-- province, a few hundred in a city), and a limit on them dropped a city's typo in a province-wide run; the holders
-- of one name born in one county, or on one day, do not grow with the cities an extract spans. A block with more
-- than rep_id_block_limit IDs is still skipped (a compute guard: a million companies' common names paired in full).
-- A temp table: fuzzy_evidence, in this stage, is its one reader.
--
-- reads: stg_companies
-- params: rep_id_block_limit, rep_id_max_hamming

create or replace temp table rep_id_candidates as
with reps as (
    select company_id, rep_name, rep_id from stg_companies
    where rep_name is not null and length(rep_id) = 18
),
parts as (
    select r.company_id, r.rep_name, r.rep_id, u.part_no,
        substr(r.rep_id, 1 + u.part_no * 18 // (getvariable('rep_id_max_hamming') + 1),
               (u.part_no + 1) * 18 // (getvariable('rep_id_max_hamming') + 1)
                   - u.part_no * 18 // (getvariable('rep_id_max_hamming') + 1)) as part
    from reps as r
    cross join unnest(range(getvariable('rep_id_max_hamming') + 1)) as u(part_no)
),
blocks as (
    select rep_name, part_no, part from parts
    group by rep_name, part_no, part
    having count(distinct rep_id) between 2 and getvariable('rep_id_block_limit')
),
block_parts as (
    select * from parts semi join blocks using (rep_name, part_no, part)
)
select distinct a.company_id as company_a, b.company_id as company_b, a.rep_id as id_a, b.rep_id as id_b
from block_parts as a
join block_parts as b
    on a.rep_name = b.rep_name and a.part_no = b.part_no and a.part = b.part
    and a.company_id < b.company_id and a.rep_id <> b.rep_id
where hamming(a.rep_id, b.rep_id) <= getvariable('rep_id_max_hamming');
