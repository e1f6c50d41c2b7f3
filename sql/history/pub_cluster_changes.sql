-- What changed since the region's previous run, one row per cluster of this run plus one per
-- previous cluster that left no trace ('disappeared'). Kinds, in order of precedence:
--   merged   two or more previous clusters flow into this one (related = the other previous ids)
--   split    its one previous cluster flows into several of this run's clusters (related = the
--            pieces it split into, for the piece that kept the id; the id it split from, for the others)
--   grown / shrunk / unchanged   same id, companies added (grown) or only removed (shrunk) or neither
--   new      no previous cluster overlaps it
-- companies_added = members in none of its previous clusters; companies_removed = members of its
-- previous clusters it no longer holds (only for a cluster that carries a previous id).
--
-- reads: lineage_edges, stable_cluster_ids, cur_members, prev_members
-- params: run_id, previous_run_id

create or replace table pub_cluster_changes as
with successors as (
    select previous_cluster_id, count(*) as n_successors, list(ids.cluster_id order by ids.cluster_id) as successor_ids
    from lineage_edges as e
    join stable_cluster_ids as ids using (cluster_no)
    group by previous_cluster_id
),
predecessors as (
    select
        e.cluster_no,
        count(*) as n_predecessors,
        list(e.previous_cluster_id order by e.previous_cluster_id) as predecessor_ids,
        max(s.n_successors) as max_successors,
        -- of the predecessor that split the most (the lowest id among equals), so reruns agree
        list(s.successor_ids order by s.n_successors desc, e.previous_cluster_id)[1] as successor_ids
    from lineage_edges as e
    join successors as s using (previous_cluster_id)
    group by e.cluster_no
),
added as (
    select m.cluster_no, list(m.uscc order by m.uscc) as companies
    from cur_members as m
    where not exists (
        select 1 from lineage_edges as e join prev_members as p on p.cluster_id = e.previous_cluster_id
        where e.cluster_no = m.cluster_no and p.uscc = m.uscc)
    group by m.cluster_no
),
removed as (
    select e.cluster_no, list(distinct p.uscc order by p.uscc) as companies
    from lineage_edges as e
    join stable_cluster_ids as ids using (cluster_no)
    join prev_members as p on p.cluster_id = e.previous_cluster_id
    where ids.inherited
      and not exists (select 1 from cur_members as m where m.cluster_no = e.cluster_no and m.uscc = p.uscc)
    group by e.cluster_no
),
current_rows as (
    select
        ids.cluster_id,
        case
            when p.cluster_no is null then 'new'
            when p.n_predecessors >= 2 then 'merged'
            when p.max_successors >= 2 then 'split'
            when a.companies is not null then 'grown'
            when r.companies is not null then 'shrunk'
            else 'unchanged'
        end as change,
        case
            when p.cluster_no is null then []
            when p.n_predecessors >= 2 then list_filter(p.predecessor_ids, lambda x: x <> ids.cluster_id)
            when p.max_successors >= 2 and ids.inherited then list_filter(p.successor_ids, lambda x: x <> ids.cluster_id)
            when p.max_successors >= 2 then p.predecessor_ids
            else []
        end::varchar[] as related_cluster_ids,
        coalesce(a.companies, [])::varchar[] as companies_added,
        coalesce(r.companies, [])::varchar[] as companies_removed
    from stable_cluster_ids as ids
    left join predecessors as p using (cluster_no)
    left join added as a using (cluster_no)
    left join removed as r using (cluster_no)
),
disappeared as (
    select
        p.cluster_id,
        'disappeared' as change,
        []::varchar[] as related_cluster_ids,
        []::varchar[] as companies_added,
        list(p.uscc order by p.uscc)::varchar[] as companies_removed
    from prev_members as p
    where p.cluster_id not in (select previous_cluster_id from lineage_edges)
    group by p.cluster_id
)
select
    getvariable('run_id') as run_id,
    cluster_id,
    change,
    related_cluster_ids,
    companies_added,
    companies_removed,
    getvariable('previous_run_id') as previous_run_id
from (select * from current_rows union all by name select * from disappeared);
