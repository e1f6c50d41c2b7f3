-- The pairs the batch rules tied (the reasons batch_evidence emits: an improbable batch at a branch, its strays,
-- its near-age members, its sibling batch): the cluster step's batch-straggler rule
-- (flows/pipeline/batch_stragglers.py) takes a cluster most of whose members they tie for a student batch.
--
-- reads: pair_evidence, link_reasons

select distinct company_a, company_b
from pair_evidence
where reason in (select reason from link_reasons where produced_by = 'batch_evidence')
