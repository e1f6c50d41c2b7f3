-- The region each company came from: the region of the extract file holding the registration that
-- company_base keeps (the latest), or for a company seen only in account extracts, of its first account
-- file (company_base.src_file). A regional run names no file's region: every company is in the run's
-- region. A national run (several regions' extracts in one run) publishes it on cluster_members.
--
-- reads: company_base, extract_regions
-- params: region

create or replace table company_regions as
select c.company_id, coalesce(er.region, getvariable('region')) as region
from company_base as c
left join extract_regions as er on er.src_file = c.src_file;
