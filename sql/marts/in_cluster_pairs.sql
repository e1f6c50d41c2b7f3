-- Every scored pair inside a cluster, with its evidence: `strength` 'link' when the pair alone
-- reaches the link threshold, 'supporting' when it is weaker evidence that the cluster rules
-- (dense merge, leftover attach, nominee merge: flows/pipeline/components.py) combined. A member held
-- only by supporting pairs is shown with those pairs, never without a reason.
--
-- reads: company_links_kept, company_clusters

create or replace temp table in_cluster_pairs as
select l.company_a, l.company_b, l.reason, l.score, l.is_link, cc.cluster_no
from company_links_kept as l
join company_clusters as cc on cc.company_id = l.company_a
join company_clusters as cc_b on cc_b.company_id = l.company_b and cc_b.cluster_no = cc.cluster_no;
