-- The identity pass of stg_companies: one row per company (normalized USCC), registrations first;
-- companies seen only in the account extract get a row too so every account has a company. company_id is a dense id ordered by USCC,
-- so the same input always gives the same ids.
-- Built in three passes (identity, people and names, address and phone) so that no statement holds
-- more than a few lookup tables in memory at once: at a million companies one wide eight-way join
-- does not fit a 3 GB budget.
-- The identity pass sorts and ranks narrow rows (keys, dates, a row reference) and fetches each kept
-- registration's wide columns once at the end: window operators carrying every extract column were
-- most of this pass.
-- src_file is the extract the kept row came from (an account-only company: its first account file by
-- name), for company_regions.
--
-- reads: src_registrations, src_accounts, norm_uscc, business_scopes

create or replace temp table company_base as
with registrations as (
    select
        r.rowid as src_rowid,
        coalesce(u.normalized, upper(r.uscc)) as uscc_key,
        u.valid as uscc_valid, u.region_code as uscc_region,
        r.reg_date, r.src_file, r.src_sheet, r.src_row
    from src_registrations as r
    left join norm_uscc as u on u.input = r.uscc
),
account_only as (
    select
        coalesce(u.normalized, upper(a.uscc)) as uscc_key,
        -- min, not any_value: the same extracts must give the same row whatever the thread order
        min(u.valid) as uscc_valid,
        min(u.region_code) as uscc_region,
        min(a.company_name) as company_name,
        min(a.legal_rep_name) as legal_rep_name,
        min(a.legal_rep_id) as legal_rep_id,
        min(a.src_file) as src_file
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
            uscc_key, uscc_valid, uscc_region, src_rowid,
            null as company_name, null as legal_rep_name, null as legal_rep_id, null as src_file
        from registrations
        qualify row_number() over (
            partition by uscc_key
            order by reg_date desc nulls last, src_file, src_sheet, src_row
        ) = 1
        union all
        select
            uscc_key, uscc_valid, uscc_region, null,
            company_name, legal_rep_name, legal_rep_id, src_file
        from account_only
    )
)
select
    c.company_id,
    c.uscc_key, c.uscc_valid, c.uscc_region,
    -- registered companies take these from their registration, account-only ones from their accounts
    coalesce(r.company_name, c.company_name) as company_name,
    coalesce(r.legal_rep_name, c.legal_rep_name) as legal_rep_name,
    coalesce(r.legal_rep_id, c.legal_rep_id) as legal_rep_id,
    r.reg_address, r.phone, r.reg_date, r.reg_capital, s.scope_id,
    coalesce(r.src_file, c.src_file) as src_file
from companies as c
left join src_registrations as r on r.rowid = c.src_rowid
left join business_scopes as s on s.business_scope = r.business_scope;
