-- One row per cluster as published: size, score, the flag (decided in cluster_flags), its reasons
-- and mitigations in words, the link reasons behind it, and the verdict in force.
-- No raw resident-ID, phone or account number leaves the marts: people and phones are keyed
-- pseudonyms (HMAC, table `pseudonyms`) plus masked display values and derived fields.
--
-- reads: cluster_features, cluster_flags, stable_cluster_ids, pub_cluster_hubs
-- params: run_id, language

create or replace table pub_clusters as
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    f.n_companies::integer as n_companies,
    f.n_window_companies::integer as n_window_companies,
    s.risk_score,
    s.flagged,
    array_to_string(s.reasons, '; ') as reasons,
    array_to_string(s.mitigations, '; ') as mitigations,
    array_to_string(f.link_reasons, '+') as link_reasons,
    f.n_links::integer as n_links,
    f.reg_span_days,
    f.open_span_days,
    f.max_companies_per_rep::integer as max_companies_per_rep,
    round(f.share_fast_open_7d, 3) as share_fast_open_7d,
    round(f.share_rep_young, 3) as share_rep_young,
    round(f.share_shared_trade_name, 3) as share_shared_trade_name,
    (select count(*) from pub_cluster_hubs as h where h.cluster_id = ci.cluster_id)::integer as n_hubs_touched,
    s.verdict,
    s.verdict_overridden,
    -- reasons and mitigations as registry sentence keys with their parameters (JSON), for any language
    coalesce(to_json(s.reason_codes), '[]')::varchar as reason_codes,
    coalesce(to_json(s.mitigation_codes), '[]')::varchar as mitigation_codes,
    getvariable('language') as language
from cluster_features as f
join cluster_flags as s using (cluster_no)
join stable_cluster_ids as ci using (cluster_no);
