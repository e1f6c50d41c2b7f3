-- Members with at least one link (a pair over the link threshold) to a fellow member.
--
-- reads: in_cluster_pairs

create or replace temp table linked_members as
select distinct unnest([company_a, company_b]) as company_id from in_cluster_pairs where is_link;
