-- This run's clusters as USCC sets, with the smallest USCC as each cluster's stable sort key.
create or replace table cur_members as
select cc.cluster_no, c.company_id, c.uscc
from company_clusters as cc
join stg_companies as c using (company_id);

create or replace table cur_clusters as
select cluster_no, min(uscc) as min_uscc, count(*)::integer as n_companies
from cur_members
group by cluster_no;
