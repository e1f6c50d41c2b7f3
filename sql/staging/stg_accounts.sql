-- One row per account opening, tied to its company, with normalized people, phones and address.
-- Exact duplicate rows were already rejected at ingest; every other row is kept.
-- in_window marks the newly opened accounts under audit (since/until, null = open).
-- It reads company_base (the companies' ids, keys, regions and dates are stg_companies' own) and runs before
-- the other company passes: their in-memory temp tables would leave its lookup joins less memory (5M + 5M:
-- 2.4 GB spilled after them).
--
-- reads: src_accounts, norm_uscc, company_base, norm_resident_id, norm_phone, norm_address, room_blocks
-- params: since, until

create or replace table stg_accounts as
with accounts as (
    -- ids are numbered over narrow rows (sort keys and a reference to the extract row); the wide
    -- columns are fetched once the order is fixed
    select
        a.rowid as src_rowid,
        -- company_id is the dense rank of the USCC key this row joins on: the same order, sorted as integers
        (row_number() over (
            order by c.company_id, a.open_date, a.account_no, a.src_file, a.src_sheet, a.src_row
        ))::integer as account_id,
        c.company_id, c.uscc_region, c.reg_date
    from src_accounts as a
    left join norm_uscc as u on u.input = a.uscc
    join company_base as c on c.uscc_key = coalesce(u.normalized, upper(a.uscc))
)
select
    k.account_id,
    k.company_id,
    a.bank_branch,
    regexp_extract(a.bank_branch, '^(.*?银行|.*?信用社|.*?合作银行)', 1) as bank,
    a.open_date,
    (getvariable('since') is null or a.open_date >= getvariable('since'))
        and (getvariable('until') is null or a.open_date <= getvariable('until')) as in_window,
    coalesce(rid.normalized, nullif(upper(a.legal_rep_id), '')) as rep_id,
    coalesce(aid.normalized, nullif(upper(a.agent_id), '')) as agent_id,
    agent_phone.e164 as agent_phone,
    agent_phone.is_virtual as agent_phone_is_virtual,
    agent_phone.also as agent_phone_also,
    contact_phone.e164 as contact_phone,
    contact_phone.is_virtual as contact_phone_is_virtual,
    contact_phone.also as contact_phone_also,
    coalesce(rb.room_key, addr.room_key) as contact_room_key,
    date_diff('day', k.reg_date, a.open_date) as days_since_registration
from accounts as k
join src_accounts as a on a.rowid = k.src_rowid
left join norm_resident_id as rid on rid.input = a.legal_rep_id
left join norm_resident_id as aid on aid.input = a.agent_id
left join norm_phone as agent_phone
    on agent_phone.input = a.agent_phone and agent_phone.hint is not distinct from substr(k.uscc_region, 1, 4)
left join norm_phone as contact_phone
    on contact_phone.input = a.contact_phone and contact_phone.hint is not distinct from substr(k.uscc_region, 1, 4)
left join norm_address as addr
    on addr.input = a.contact_address and addr.hint is not distinct from substr(k.uscc_region, 1, 6)
left join room_blocks as rb on rb.written_room_key = addr.room_key;
