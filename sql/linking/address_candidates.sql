-- Candidate pairs for SIMILAR_ADDRESS: the same site (district + road + number, or POI) with different
-- or missing room keys. Their texts are compared in Python (flows/pipeline/fuzzy_evidence.py):
-- near-identical text is the same place written in a way the parser could not key to one room.
-- A temp table: fuzzy_evidence, in this stage, is its one reader.
--
-- reads: stg_companies
-- params: address_block_limit

create or replace temp table address_candidates as
with sites as (
    select company_id, reg_site_key, reg_room_key, reg_address_norm from stg_companies
    where reg_site_key is not null and reg_address_norm is not null
),
blocks as (
    select reg_site_key from sites group by reg_site_key having count(*) between 2 and getvariable('address_block_limit')
),
-- both sides are cut to the blocks before the self-join, not after: sites above the limit would
-- otherwise be paired out in full first
block_sites as (
    select * from sites where reg_site_key in (select reg_site_key from blocks)
)
select a.company_id as company_a, b.company_id as company_b,
    a.reg_address_norm as text_a, b.reg_address_norm as text_b
from block_sites as a
join block_sites as b on a.reg_site_key = b.reg_site_key and a.company_id < b.company_id
where a.reg_room_key is distinct from b.reg_room_key
    and (a.reg_room_key is null or b.reg_room_key is null);
