-- This run's clusters as USCC sets, to compare with the previous run's (prev_members).
--
-- reads: company_clusters, stg_companies

create or replace table cur_members as
select cc.cluster_no, c.company_id, c.uscc
from company_clusters as cc
join stg_companies as c using (company_id);
