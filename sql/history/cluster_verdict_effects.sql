-- Cluster verdicts in force applied to this run's clusters (matched by stable id), by the effect the
-- rule registry gives each verdict kind (verdict_kinds.effect, flows/core/rules.py):
--   always_flag          (confirmed_ring)  flagged whatever the score; new members highlighted
--   unflag_unless_grown  (legitimate_group, false_positive)  unflagged, unless companies were added
--                        since the verdict, the score still reaches the flag threshold and a member
--                        opened an account in the audit window (what a flag needs): then re-raised,
--                        saying why
--   as_scored            (needs_review)  flagged as scored, the verdict shown
-- "Added since" = members not in that cluster in the run the verdict was made against. The sentence
-- is the verdict's registry sentence ({by}, {on}, {added}) plus the outcome for unflag_unless_grown.
--
-- reads: stable_cluster_ids, effective_verdicts, verdict_kinds, member_verdict_flags, cluster_scores,
--     cluster_features
-- params: verdict_reraised, verdict_kept_unflagged_grown, verdict_kept_unflagged,
--     verdict_kept_unflagged_outside_window

create or replace table cluster_verdict_effects as
with applied as (
    select
        ids.cluster_no,
        v.verdict,
        k.effect,
        k.says,
        v.made_by,
        strftime(v.made_at, '%Y-%m-%d') as made_on,
        (select count(*) from member_verdict_flags as f
            where f.cluster_no = ids.cluster_no and f.new_since_verdict) as n_added,
        s.risk_score,
        s.flagged as model_flagged,
        f.n_window_companies > 0 as in_window
    from stable_cluster_ids as ids
    join effective_verdicts as v on v.target = 'cluster' and v.cluster_id = ids.cluster_id
    join verdict_kinds as k on k.verdict = v.verdict and k.target = 'cluster'
    join cluster_scores as s using (cluster_no)
    join cluster_features as f using (cluster_no)
),
judged as (
    select
        *,
        effect = 'unflag_unless_grown' and n_added > 0 and model_flagged and in_window as overridden,
        replace(replace(replace(says, '{by}', made_by), '{on}', made_on), '{added}', n_added::varchar) as verdict_says
    from applied
)
select
    cluster_no,
    verdict,
    overridden as verdict_overridden,
    n_added,
    case effect
        when 'always_flag' then true
        when 'unflag_unless_grown' then overridden
        when 'as_scored' then model_flagged
        else error('verdict ' || verdict || ' has effect ' || effect || ', which cluster_verdict_effects does not apply')
    end as flagged,
    verdict_says || case
        when effect <> 'unflag_unless_grown' then ''
        else replace(replace(
            case when overridden then getvariable('verdict_reraised')
                 when n_added > 0 and model_flagged then getvariable('verdict_kept_unflagged_outside_window')
                 when n_added > 0 then getvariable('verdict_kept_unflagged_grown')
                 else getvariable('verdict_kept_unflagged') end,
            '{added}', n_added::varchar), '{risk}', format('{}', risk_score))
    end as says,
    -- the same sentence as registry keys and parameters (cluster_scores.reason_codes)
    struct_pack(
        keys := ['verdict.' || verdict] || case
            when effect <> 'unflag_unless_grown' then []::varchar[]
            when overridden then ['verdict.reraised']
            when n_added > 0 and model_flagged then ['verdict.kept_unflagged_outside_window']
            when n_added > 0 then ['verdict.kept_unflagged_grown']
            else ['verdict.kept_unflagged'] end,
        pct := null::varchar, value := null::varchar, made_by := made_by, made_on := made_on,
        added := n_added::varchar, risk := format('{}', risk_score)) as code
from judged;
