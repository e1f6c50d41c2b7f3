-- One row per company, assembled from its three passes (company_base, company_people,
-- company_contact), which are temp tables of this stage's connection.
--
-- reads: company_base, company_people, company_contact, business_scopes

create or replace table stg_companies as
select
    c.company_id,
    c.uscc_key as uscc,
    coalesce(c.uscc_valid, false) as uscc_valid,
    c.uscc_region,
    c.company_name,
    p.trade_name,
    c.legal_rep_name,
    p.rep_name,
    p.rep_id,
    p.rep_id_valid,
    p.rep_region,
    case
        when p.rep_birth_date is not null and c.reg_date is not null
        then date_diff('year', p.rep_birth_date, c.reg_date)
            - (strftime(c.reg_date, '%m%d') < strftime(p.rep_birth_date, '%m%d'))::integer
    end as rep_age_at_reg,
    c.reg_address,
    k.reg_adcode,
    k.reg_site_key,
    k.reg_building_key,
    k.reg_room_key,
    k.reg_address_norm,
    k.reg_place,
    k.reg_address_notes,
    k.phone,
    k.phone_type,
    k.phone_is_virtual,
    k.phone_also,
    c.reg_date,
    c.reg_capital,
    s.scope_key
from company_base as c
join company_people as p using (company_id)
join company_contact as k using (company_id)
left join business_scopes as s using (scope_id);
