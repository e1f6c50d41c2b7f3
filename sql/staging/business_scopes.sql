-- The distinct business scopes of the registrations, each with a small id and its matching key (lower case,
-- no spaces or punctuation). Extracts repeat a few templates many times (1M demo companies: 7.8k scopes of
-- ~320 bytes), so company_base carries the id, not the text: at 5M companies the text alone was 1.6 GB of
-- company_base, held in memory with the lookups the later staging passes join.
--
-- reads: src_registrations

create or replace temp table business_scopes as
select
    (row_number() over (order by business_scope))::integer as scope_id,
    business_scope,
    nullif(regexp_replace(lower(business_scope), '[\s，,。.；、:：()（）]+', '', 'g'), '') as scope_key
from (select distinct business_scope from src_registrations where business_scope is not null);
