-- The people and names pass of stg_companies: trade name, the representative's normalized name and
-- resident ID with what the ID tells (birth date, issuing region).
--
-- reads: company_base, norm_company_name, norm_person_name, norm_resident_id

create or replace temp table company_people as
select
    c.company_id,
    cn.trade_name,
    pn.normalized as rep_name,
    coalesce(pid.normalized, nullif(upper(c.legal_rep_id), '')) as rep_id,
    pid.valid as rep_id_valid,
    pid.birth_date as rep_birth_date,
    pid.region_code as rep_region
from company_base as c
left join norm_company_name as cn on cn.input = c.company_name
left join norm_person_name as pn on pn.input = c.legal_rep_name
left join norm_resident_id as pid on pid.input = c.legal_rep_id;
