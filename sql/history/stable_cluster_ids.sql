-- Stable cluster ids: inherited ones (inherited_ids, from the matching in flows/lineage.py) plus a
-- fresh id for every other cluster: 'C' + md5 of its smallest USCC (salted '#1', '#2'... when that
-- id was ever issued before in this results DB, so a fresh id never repeats an earlier one).
--
-- reads: cur_clusters, inherited_ids, used_cluster_ids

create or replace table stable_cluster_ids as
with fresh as (
    select c.cluster_no, c.min_uscc
    from cur_clusters as c
    anti join inherited_ids as i using (cluster_no)
),
candidates as (
    select
        f.cluster_no,
        s.salt,
        'C' || left(md5(f.min_uscc || case when s.salt = 0 then '' else '#' || s.salt end), 12) as cluster_id
    from fresh as f
    cross join range(0, 32) as s(salt)
),
unused as (
    select c.*
    from candidates as c
    anti join used_cluster_ids as u using (cluster_id)
    anti join inherited_ids as i using (cluster_id)
)
select cluster_no, cluster_id, false as inherited
from unused
qualify row_number() over (partition by cluster_no order by salt) = 1
union all
select cluster_no, cluster_id, true as inherited
from inherited_ids;
