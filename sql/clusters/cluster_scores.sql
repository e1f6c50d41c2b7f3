-- Risk score 0-100 per cluster: a logistic sum of its terms' contributions (cluster_terms). The
-- terms that add (remove) at least explain_min_contribution become the cluster's reasons (mitigations)
-- in words, strongest first; equal contributions by the registry's order of terms, later first
-- (term_no desc: the order earlier releases mostly published, which left ties to thread order, so
-- that two runs of one extract could list them differently). `flagged` is the score alone; cluster_flags makes the one flag decision.
--
-- reads: cluster_terms
-- params: flag_threshold, explain_min_contribution

create or replace table cluster_scores as
select
    cluster_no,
    -- terms added in the registry's order: sum() adds them as threads deliver them, so a score rounded at a
    -- half could round two ways
    round(100 / (1 + exp(-list_sum(list(contribution order by term_no)))), 1) as risk_score,
    round(100 / (1 + exp(-list_sum(list(contribution order by term_no)))), 1) >= getvariable('flag_threshold') as flagged,
    list(says order by contribution desc, term_no desc)
        filter (where term <> 'bias' and contribution >= getvariable('explain_min_contribution')) as reasons,
    list(says order by contribution, term_no desc)
        filter (where term <> 'bias' and contribution <= -getvariable('explain_min_contribution')) as mitigations,
    -- the same reasons as sentence keys and parameters (any language can be rendered from them)
    list(struct_pack(keys := ['risk.' || term], pct := pct, value := shown_value, made_by := null::varchar,
                     made_on := null::varchar, added := null::varchar, risk := null::varchar)
         order by contribution desc, term_no desc)
        filter (where term <> 'bias' and contribution >= getvariable('explain_min_contribution')) as reason_codes,
    list(struct_pack(keys := ['risk.' || term], pct := pct, value := shown_value, made_by := null::varchar,
                     made_on := null::varchar, added := null::varchar, risk := null::varchar)
         order by contribution, term_no desc)
        filter (where term <> 'bias' and contribution <= -getvariable('explain_min_contribution')) as mitigation_codes
from cluster_terms
group by cluster_no;
