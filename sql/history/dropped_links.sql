-- Pairs an analyst marked with a verdict whose effect is drop_link (false_link): they leave the links
-- before clustering, not as a link and not as evidence for merging dense clusters either. Their
-- pair_evidence stays for the record.
--
-- reads: company_links, stg_companies, effective_verdicts, verdict_kinds

create or replace table dropped_links as
select l.company_a, l.company_b, l.score, l.reason, v.verdict_id, v.made_by, v.made_at
from company_links as l
join stg_companies as ca on ca.company_id = l.company_a
join stg_companies as cb on cb.company_id = l.company_b
join effective_verdicts as v
    on v.target = 'link'
    and v.uscc_a = least(ca.uscc, cb.uscc) and v.uscc_b = greatest(ca.uscc, cb.uscc)
join verdict_kinds as k on k.verdict = v.verdict and k.target = 'link' and k.effect = 'drop_link';
