-- Long table of the identifying values each company carries, with the role it plays and when it
-- was seen: the people (legal rep, account-opening agent) by resident-ID, phones, and addresses at
-- room level (registered and bank-side contact). Names alone are never an identity key.
--
-- reads: stg_companies, stg_accounts

create or replace table company_attributes as
with observed as (
    select company_id, 'person' as attr_kind, rep_id as attr_value, 'rep' as role, reg_date as seen_on
    from stg_companies where rep_id is not null
    union all
    select company_id, 'person', rep_id, 'rep', open_date
    from stg_accounts where rep_id is not null
    union all
    select a.company_id, 'person', a.agent_id, 'agent', a.open_date
    from stg_accounts as a
    join stg_companies as c using (company_id)
    where a.agent_id is not null and a.agent_id is distinct from c.rep_id and a.agent_id is distinct from a.rep_id
    union all
    select company_id, 'phone', phone, 'reg', reg_date from stg_companies where phone is not null
    union all
    select company_id, 'phone', contact_phone, 'contact', open_date from stg_accounts where contact_phone is not null
    union all
    select company_id, 'phone', agent_phone, 'agent', open_date from stg_accounts where agent_phone is not null
    union all
    select company_id, 'room', reg_room_key, 'reg', reg_date from stg_companies where reg_room_key is not null
    union all
    select company_id, 'room', contact_room_key, 'contact', open_date
    from stg_accounts where contact_room_key is not null
)
select company_id, attr_kind, attr_value, role, min(seen_on) as seen_on
from observed
group by all;
