-- Hubs: values shared by more companies than their kind's limit (a tower's room, an agency's phone,
-- a bank clerk). They link nothing, but are entities of their own; one whose companies are mostly
-- fresh registrations with fast accounts and young representatives is itself a finding.
-- One row per hub and company that carries it; the hub's id is its value's pseudonym.
--
-- reads: company_attributes, attribute_values, pseudonyms

create or replace table pub_hub_members as
select
    'H' || left(coalesce(p.pseudonym, md5(ca.attr_kind || '|' || ca.attr_value)), 12) as hub_key,
    ca.attr_kind,
    ca.attr_value,
    ca.company_id
from company_attributes as ca
join attribute_values as v using (attr_kind, attr_value)
left join pseudonyms as p on p.value = ca.attr_value
where v.is_hub
group by all;
