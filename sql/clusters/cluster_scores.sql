-- Risk score 0-100 per cluster: a logistic sum of its terms' contributions (cluster_terms). The
-- terms that add (remove) at least explain_min_contribution become the cluster's reasons (mitigations)
-- in words. `flagged` is the score alone; cluster_flags makes the one flag decision.
--
-- reads: cluster_terms
-- params: flag_threshold, explain_min_contribution

create or replace table cluster_scores as
select
    cluster_no,
    round(100 / (1 + exp(-sum(contribution))), 1) as risk_score,
    round(100 / (1 + exp(-sum(contribution))), 1) >= getvariable('flag_threshold') as flagged,
    -- ties (0.5 x 0.8 from two terms) in term order: without it their order changed from run to run
    list(says order by contribution desc, term)
        filter (where term <> 'bias' and contribution >= getvariable('explain_min_contribution')) as reasons,
    list(says order by contribution, term)
        filter (where term <> 'bias' and contribution <= -getvariable('explain_min_contribution')) as mitigations
from cluster_terms
group by cluster_no;
