-- One row per company (normalised USCC), registrations first; companies seen only in the account
-- extract get a row too so every account has a company. company_id is a dense id ordered by USCC,
-- so the same input always gives the same ids.
create or replace table stg_companies as
with registrations as (
    select
        r.*,
        coalesce(u.normalized, upper(r.uscc)) as uscc_key,
        row_number() over (
            partition by coalesce(u.normalized, upper(r.uscc))
            order by r.reg_date desc nulls last, r.src_file, r.src_row
        ) as copy_no
    from src_registrations as r
    left join norm_uscc as u on u.input = r.uscc
),
account_only as (
    select
        coalesce(u.normalized, upper(a.uscc)) as uscc_key,
        any_value(a.company_name) as company_name,
        any_value(a.legal_rep_name) as legal_rep_name,
        any_value(a.legal_rep_id) as legal_rep_id
    from src_accounts as a
    left join norm_uscc as u on u.input = a.uscc
    where coalesce(u.normalized, upper(a.uscc)) not in (select uscc_key from registrations)
    group by all
),
companies as (
    select
        uscc_key, uscc as uscc_raw, company_name, legal_rep_name, legal_rep_id, reg_address, phone,
        reg_date, reg_capital, business_scope, reg_authority, status, true as in_registrations
    from registrations
    where copy_no = 1
    union all
    select
        uscc_key, uscc_key, company_name, legal_rep_name, legal_rep_id, null, null,
        null, null, null, null, null, false
    from account_only
)
select
    (dense_rank() over (order by c.uscc_key))::integer as company_id,
    c.uscc_key as uscc,
    coalesce(u.valid, false) as uscc_valid,
    u.reason as uscc_reason,
    u.region_code as uscc_region,
    c.company_name,
    cn.trade_name,
    cn.legal_form,
    c.legal_rep_name,
    pn.normalized as rep_name,
    pn.pinyin as rep_name_pinyin,
    coalesce(pid.normalized, nullif(upper(c.legal_rep_id), '')) as rep_id,
    pid.valid as rep_id_valid,
    pid.birth_date as rep_birth_date,
    pid.sex as rep_sex,
    pid.region_code as rep_region,
    case
        when pid.birth_date is not null and c.reg_date is not null
        then date_diff('year', pid.birth_date, c.reg_date)
            - (strftime(c.reg_date, '%m%d') < strftime(pid.birth_date, '%m%d'))::integer
    end as rep_age_at_reg,
    c.reg_address,
    addr.adcode as reg_adcode,
    addr.district as reg_district,
    addr.site_key as reg_site_key,
    addr.building_key as reg_building_key,
    addr.room_key as reg_room_key,
    addr.normalized as reg_address_norm,
    addr.notes as reg_address_notes,
    addr.workstation as reg_workstation,
    c.phone as phone_raw,
    ph.e164 as phone,
    ph.type as phone_type,
    ph.is_virtual as phone_is_virtual,
    c.reg_date,
    c.reg_capital,
    c.business_scope,
    nullif(regexp_replace(lower(c.business_scope), '[\s，,。.；、:：()（）]+', '', 'g'), '') as scope_key,
    c.reg_authority,
    c.status,
    c.in_registrations
from companies as c
left join norm_uscc as u on u.input = c.uscc_raw
left join norm_company_name as cn on cn.input = c.company_name
left join norm_person_name as pn on pn.input = c.legal_rep_name
left join norm_resident_id as pid on pid.input = c.legal_rep_id
left join norm_address as addr on addr.input = c.reg_address and addr.hint is not distinct from substr(u.region_code, 1, 6)
left join norm_phone as ph on ph.input = c.phone and ph.hint is not distinct from substr(u.region_code, 1, 4);
