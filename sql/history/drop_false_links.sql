-- Pairs an analyst marked false_link leave company_links entirely, before clustering: not as a link
-- and not as evidence for merging dense clusters either. Their pair_evidence stays for the record.
create or replace table dropped_links as
select l.company_a, l.company_b, l.score, l.reason, v.verdict_id, v.made_by, v.made_at
from company_links as l
join stg_companies as ca on ca.company_id = l.company_a
join stg_companies as cb on cb.company_id = l.company_b
join effective_verdicts as v
    on v.target = 'link' and v.verdict = 'false_link'
    and v.uscc_a = least(ca.uscc, cb.uscc) and v.uscc_b = greatest(ca.uscc, cb.uscc);

delete from company_links as l
using dropped_links as d
where l.company_a = d.company_a and l.company_b = d.company_b;
