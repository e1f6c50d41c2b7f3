-- Long table of the identifying values each company carries, with the role it plays and when it
-- was seen: the people (legal rep, account-opening agent) by resident-ID, phones, and addresses at
-- room level (registered and bank-side contact). Names alone are never an identity key.
--
-- reads: stg_companies, stg_accounts

create or replace table company_attributes as
-- A company has one registration row, so its registered phone and room are one row each as they stand;
-- only the representative (as registered and as the banks recorded) and the accounts' values repeat, and
-- only those are grouped, each on the company and the value (the accounts' phones also on their role).
with reps as (
    select company_id, rep_id as attr_value, reg_date as seen_on from stg_companies where rep_id is not null
    union all
    select company_id, rep_id, open_date from stg_accounts where rep_id is not null
)
select company_id, 'person' as attr_kind, attr_value, 'rep' as role, min(seen_on) as seen_on
from reps
group by company_id, attr_value
union all
select a.company_id, 'person', a.agent_id, 'agent', min(a.open_date)
from stg_accounts as a
join stg_companies as c using (company_id)
where a.agent_id is not null and a.agent_id is distinct from c.rep_id and a.agent_id is distinct from a.rep_id
group by a.company_id, a.agent_id
union all
select company_id, 'phone', phone, 'reg', reg_date from stg_companies where phone is not null
union all
-- a second number written in the same field (0571-88123456/13812345678) is as much the company's
select company_id, 'phone', phone_also, 'reg', reg_date
from stg_companies where phone_also is not null and phone_also is distinct from phone
union all
select company_id, 'phone', phone, source, min(open_date)
from (
    select company_id, open_date, 'contact' as source, contact_phone as phone
    from stg_accounts where contact_phone is not null
    union all
    select company_id, open_date, 'contact', contact_phone_also from stg_accounts where contact_phone_also is not null
    union all
    select company_id, open_date, 'agent', agent_phone from stg_accounts where agent_phone is not null
    union all
    select company_id, open_date, 'agent', agent_phone_also from stg_accounts where agent_phone_also is not null
)
group by company_id, source, phone
union all
select company_id, 'room', reg_room_key, 'reg', reg_date from stg_companies where reg_room_key is not null
union all
select company_id, 'room', contact_room_key, 'contact', min(open_date)
from stg_accounts where contact_room_key is not null
group by company_id, contact_room_key;
