-- The person IDs and phones that get an HMAC pseudonym: of the people and phones the run saw, only
-- those the published tables show (cluster members' representatives and phones, the values behind
-- pairs inside a cluster, keyed by the first ID of an 'a~b' pair, and hub values).
--
-- reads: company_attributes, stg_companies, company_clusters, pair_evidence, attribute_values

with members as (
    select c.rep_id, c.phone from stg_companies as c join company_clusters using (company_id)
),
in_cluster_evidence as (
    select split_part(e.attr_value, '~', 1) as value
    from pair_evidence as e
    join company_clusters as a on a.company_id = e.company_a
    join company_clusters as b on b.company_id = e.company_b and b.cluster_no = a.cluster_no
),
published as (
    select value from (select unnest([rep_id, phone]) as value from members) where value is not null
    union select value from in_cluster_evidence where value is not null
    union select attr_value from attribute_values where is_hub
),
-- an IN list, not a distinct union: the few published values are looked up in the millions seen
known as (
    select attr_value as value from company_attributes where attr_kind in ('person', 'phone')
    union all select rep_id from stg_companies where rep_id is not null
    union all select phone from stg_companies where phone is not null
)
select value from published where value in (select value from known)
