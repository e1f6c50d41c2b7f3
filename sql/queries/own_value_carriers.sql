-- The companies carrying each exact value an operator writes into his fronts' filings and can keep to them:
-- a person (legal representative or account-opening agent, by resident ID), a phone (mobile or landline, as
-- registered or given to a bank) and a word-for-word business scope. Hubs and generic scope texts are left out,
-- as for the evidence. Not the registered room: a room changes tenants over the years, so a room's other carriers
-- are no sign of one hand. Every carrier of the value is listed, whenever it registered: the cluster step
-- (components.attach_own_values) asks whether all of them but a leftover sit in one cluster.
-- One row per value and company; a value is a 64-bit hash of its kind and text (only ever compared for equality),
-- flagged when it is a scope text (the fronts' merge of agents and batches leaves those out).
--
-- reads: company_attributes, attribute_values, stg_companies
-- params: scope_min_length, hub_limit_scope

select distinct hash(a.attr_kind, a.attr_value) as value_key, a.company_id, false as is_scope
from company_attributes as a
join attribute_values as v using (attr_kind, attr_value)
where not v.is_hub and a.attr_kind in ('person', 'phone')
union all
select hash('scope', scope_key), company_id, true
from stg_companies
where scope_key in (
    select scope_key from stg_companies
    where length(scope_key) >= getvariable('scope_min_length')
    group by scope_key
    having count(*) between 2 and getvariable('hub_limit_scope')
)
