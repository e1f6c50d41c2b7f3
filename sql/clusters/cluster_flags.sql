-- The one place a cluster's flag is decided: flagged when its score reaches flag_threshold (or an
-- analyst's verdict says otherwise: cluster_verdict_effects) and at least one member opened an account
-- in the audit window. A verdict's sentence leads the cluster's reasons.
--
-- reads: cluster_scores, cluster_features, cluster_verdict_effects

create or replace table cluster_flags as
select
    s.cluster_no,
    s.risk_score,
    coalesce(v.flagged, s.flagged) and f.n_window_companies > 0 as flagged,
    case when v.cluster_no is null then s.reasons
         else list_prepend(v.says, coalesce(s.reasons, []::varchar[])) end as reasons,
    s.mitigations,
    case when v.cluster_no is null then s.reason_codes
         else list_prepend(v.code, coalesce(s.reason_codes, [])) end as reason_codes,
    s.mitigation_codes,
    v.verdict,
    coalesce(v.verdict_overridden, false) as verdict_overridden
from cluster_scores as s
join cluster_features as f using (cluster_no)
left join cluster_verdict_effects as v using (cluster_no);
