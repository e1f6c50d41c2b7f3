-- This run's clusters with their size and smallest USCC (the stable sort key of a cluster).
--
-- reads: cur_members

create or replace table cur_clusters as
select cluster_no, min(uscc) as min_uscc, count(*)::integer as n_companies
from cur_members
group by cluster_no;
