-- The region each company came from: the region of the extract file holding the registration that
-- company_base keeps (the latest), or for a company seen only in account extracts, of its first account
-- file. A regional run names no file's region: every company is in the run's region. A national run
-- (several regions' extracts in one run) publishes it on cluster_members.
--
-- reads: stg_companies, src_registrations, src_accounts, norm_uscc, extract_regions
-- params: region

create or replace table company_regions as
with registered as (
    select coalesce(u.normalized, upper(r.uscc)) as uscc, r.src_file
    from src_registrations as r
    left join norm_uscc as u on u.input = r.uscc
    qualify row_number() over (
        partition by coalesce(u.normalized, upper(r.uscc))
        order by r.reg_date desc nulls last, r.src_file, r.src_sheet, r.src_row
    ) = 1
),
opened as (
    select coalesce(u.normalized, upper(a.uscc)) as uscc, min(a.src_file) as src_file
    from src_accounts as a
    left join norm_uscc as u on u.input = a.uscc
    group by 1
)
select c.company_id, coalesce(er.region, getvariable('region')) as region
from stg_companies as c
left join registered as r on r.uscc = c.uscc
left join opened as o on o.uscc = c.uscc
left join extract_regions as er on er.src_file = coalesce(r.src_file, o.src_file);
