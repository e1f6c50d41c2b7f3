-- Verdicts in force applied to this run's clusters (matched by stable id):
--   confirmed_ring                  stays flagged whatever the score; new members highlighted
--   legitimate_group/false_positive unflagged, unless companies were added since the verdict and the
--                                   score still reaches the flag threshold: then re-raised, saying why
--   needs_review                    flag as scored, the verdict shown
-- "Added since" = members not in that cluster in the run the verdict was made against (verdict_members).
create or replace table member_verdict_flags as
select
    m.cluster_no,
    m.company_id,
    not exists (
        select 1 from verdict_members as vm
        where vm.cluster_id = v.cluster_id and vm.run_id = v.run_id and vm.uscc = m.uscc
    ) as new_since_verdict
from cur_members as m
join stable_cluster_ids as ids using (cluster_no)
join effective_verdicts as v on v.target = 'cluster' and v.cluster_id = ids.cluster_id;

create or replace table cluster_verdict_effects as
with applied as (
    select
        ids.cluster_no,
        v.verdict,
        v.made_by,
        strftime(v.made_at, '%Y-%m-%d') as made_on,
        (select count(*) from member_verdict_flags as f
            where f.cluster_no = ids.cluster_no and f.new_since_verdict) as n_added,
        s.risk_score,
        s.flagged as model_flagged
    from stable_cluster_ids as ids
    join effective_verdicts as v on v.target = 'cluster' and v.cluster_id = ids.cluster_id
    join cluster_scores as s using (cluster_no)
),
judged as (
    select
        *,
        verdict in ('legitimate_group', 'false_positive') and n_added > 0 and model_flagged as overridden
    from applied
)
select
    cluster_no,
    verdict,
    overridden as verdict_overridden,
    n_added,
    case
        when verdict = 'confirmed_ring' then true
        when verdict in ('legitimate_group', 'false_positive') then overridden
        else model_flagged
    end as flagged,
    case
        when verdict = 'confirmed_ring'
            then format('confirmed ring by {} on {}; {} companies added since', made_by, made_on, n_added)
        when overridden
            then format('marked {} by {} on {}; {} companies added since, risk {} - re-raised',
                        replace(verdict, '_', ' '), made_by, made_on, n_added, risk_score)
        when verdict in ('legitimate_group', 'false_positive') and n_added > 0
            then format('marked {} by {} on {}; {} companies added since, risk {} below the flag threshold - kept unflagged',
                        replace(verdict, '_', ' '), made_by, made_on, n_added, risk_score)
        when verdict in ('legitimate_group', 'false_positive')
            then format('marked {} by {} on {}; no companies added since - kept unflagged',
                        replace(verdict, '_', ' '), made_by, made_on)
        else format('marked {} by {} on {}', replace(verdict, '_', ' '), made_by, made_on)
    end as says
from judged;

update cluster_scores as s
set flagged = e.flagged, reasons = list_prepend(e.says, coalesce(s.reasons, []::varchar[]))
from cluster_verdict_effects as e
where s.cluster_no = e.cluster_no;
