-- One row per company (normalised USCC), registrations first; companies seen only in the account
-- extract get a row too so every account has a company. company_id is a dense id ordered by USCC,
-- so the same input always gives the same ids.
-- Built in three passes (identity, people and names, address and phone) so that no statement holds
-- more than a few lookup tables in memory at once: at a million companies one wide eight-way join
-- does not fit a 3 GB budget.
-- The identity pass sorts and ranks narrow rows (keys, dates, a row reference) and fetches each kept
-- registration's wide columns once at the end: window operators carrying every extract column were
-- most of this pass.
create or replace temp table company_base as
with registrations as (
    select
        r.rowid as src_rowid,
        coalesce(u.normalized, upper(r.uscc)) as uscc_key,
        u.valid as uscc_valid, u.reason as uscc_reason, u.region_code as uscc_region,
        r.reg_date, r.src_file, r.src_row
    from src_registrations as r
    left join norm_uscc as u on u.input = r.uscc
),
account_only as (
    select
        coalesce(u.normalized, upper(a.uscc)) as uscc_key,
        -- min, not any_value: the same extracts must give the same row whatever the thread order
        min(u.valid) as uscc_valid,
        min(u.reason) as uscc_reason,
        min(u.region_code) as uscc_region,
        min(a.company_name) as company_name,
        min(a.legal_rep_name) as legal_rep_name,
        min(a.legal_rep_id) as legal_rep_id
    from src_accounts as a
    left join norm_uscc as u on u.input = a.uscc
    where not exists (
        select 1 from registrations as r where r.uscc_key = coalesce(u.normalized, upper(a.uscc))
    )
    group by 1
),
companies as (
    select (dense_rank() over (order by uscc_key))::integer as company_id, *
    from (
        -- a company registered more than once keeps its latest registration
        select
            uscc_key, uscc_valid, uscc_reason, uscc_region, src_rowid,
            null as company_name, null as legal_rep_name, null as legal_rep_id
        from registrations
        qualify row_number() over (
            partition by uscc_key
            order by reg_date desc nulls last, src_file, src_row
        ) = 1
        union all
        select
            uscc_key, uscc_valid, uscc_reason, uscc_region, null,
            company_name, legal_rep_name, legal_rep_id
        from account_only
    )
)
select
    c.company_id,
    c.uscc_key, c.uscc_valid, c.uscc_reason, c.uscc_region,
    -- registered companies take these from their registration, account-only ones from their accounts
    coalesce(r.company_name, c.company_name) as company_name,
    coalesce(r.legal_rep_name, c.legal_rep_name) as legal_rep_name,
    coalesce(r.legal_rep_id, c.legal_rep_id) as legal_rep_id,
    r.reg_address, r.phone, r.reg_date, r.reg_capital, r.business_scope, r.reg_authority, r.status,
    c.src_rowid is not null as in_registrations
from companies as c
left join src_registrations as r on r.rowid = c.src_rowid;

create or replace temp table company_people as
select
    c.company_id,
    cn.trade_name,
    cn.legal_form,
    pn.normalized as rep_name,
    coalesce(pid.normalized, nullif(upper(c.legal_rep_id), '')) as rep_id,
    pid.valid as rep_id_valid,
    pid.birth_date as rep_birth_date,
    pid.sex as rep_sex,
    pid.region_code as rep_region
from company_base as c
left join norm_company_name as cn on cn.input = c.company_name
left join norm_person_name as pn on pn.input = c.legal_rep_name
left join norm_resident_id as pid on pid.input = c.legal_rep_id;

create or replace temp table company_contact as
select
    c.company_id,
    addr.adcode as reg_adcode,
    addr.district as reg_district,
    addr.site_key as reg_site_key,
    addr.building_key as reg_building_key,
    addr.room_key as reg_room_key,
    addr.normalized as reg_address_norm,
    addr.notes as reg_address_notes,
    addr.workstation as reg_workstation,
    ph.e164 as phone,
    ph.type as phone_type,
    ph.is_virtual as phone_is_virtual
from company_base as c
left join norm_address as addr
    on addr.input = c.reg_address and addr.hint is not distinct from substr(c.uscc_region, 1, 6)
left join norm_phone as ph
    on ph.input = c.phone and ph.hint is not distinct from substr(c.uscc_region, 1, 4);

-- scope_key is computed once per distinct scope text: extracts repeat a few templates many times.
create or replace table stg_companies as
with scopes as (
    select
        business_scope,
        nullif(regexp_replace(lower(business_scope), '[\s，,。.；、:：()（）]+', '', 'g'), '') as scope_key
    from (select distinct business_scope from company_base)
)
select
    c.company_id,
    c.uscc_key as uscc,
    coalesce(c.uscc_valid, false) as uscc_valid,
    c.uscc_reason,
    c.uscc_region,
    c.company_name,
    p.trade_name,
    p.legal_form,
    c.legal_rep_name,
    p.rep_name,
    p.rep_id,
    p.rep_id_valid,
    p.rep_birth_date,
    p.rep_sex,
    p.rep_region,
    case
        when p.rep_birth_date is not null and c.reg_date is not null
        then date_diff('year', p.rep_birth_date, c.reg_date)
            - (strftime(c.reg_date, '%m%d') < strftime(p.rep_birth_date, '%m%d'))::integer
    end as rep_age_at_reg,
    c.reg_address,
    k.reg_adcode,
    k.reg_district,
    k.reg_site_key,
    k.reg_building_key,
    k.reg_room_key,
    k.reg_address_norm,
    k.reg_address_notes,
    k.reg_workstation,
    c.phone as phone_raw,
    k.phone,
    k.phone_type,
    k.phone_is_virtual,
    c.reg_date,
    c.reg_capital,
    c.business_scope,
    s.scope_key,
    c.reg_authority,
    c.status,
    c.in_registrations
from company_base as c
join company_people as p using (company_id)
join company_contact as k using (company_id)
left join scopes as s on s.business_scope = c.business_scope;

drop table company_base;
drop table company_people;
drop table company_contact;
