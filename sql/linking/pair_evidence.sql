-- Every piece of evidence for every pair of companies, from the five evidence steps. A reason the
-- rule registry (flows/core/rules.py, table link_reasons) does not declare stops the run here: it
-- would otherwise find no weight and vanish from the links without a word.
--
-- reads: shared_value_evidence, weak_evidence, batch_evidence, fuzzy_evidence, room_neighbour_evidence, link_reasons

create or replace table pair_evidence as
-- not materialized: the check below reads only the reasons, so the four tables are read twice rather than the
-- millions of rows copied once into a CTE and again into the table (1M + 1M: 1.31-1.38 -> 1.00-1.04 CPU-s)
with evidence as not materialized (
    select company_a, company_b, reason, attr_kind, attr_value, n_companies, days_apart, season_value
    from shared_value_evidence
    union all
    select company_a, company_b, reason, attr_kind, attr_value, n_companies, null, null
    from weak_evidence
    union all
    select company_a, company_b, reason, attr_kind, attr_value, n_companies, null, null
    from batch_evidence
    union all
    select company_a, company_b, reason, attr_kind, attr_value, null, null, null
    from fuzzy_evidence
    union all
    select company_a, company_b, reason, attr_kind, attr_value, n_companies, null, null
    from room_neighbour_evidence
),
undeclared as (
    select distinct e.reason from evidence as e anti join link_reasons as r using (reason)
)
select * from evidence
where (select count(*) from undeclared) = 0
    or error('link reason(s) ' || (select string_agg(reason, ', ' order by reason) from undeclared)
             || ' not declared in the rule registry (flows/core/rules.py)');
