-- One row per company in a cluster as published: masked people and phones with their pseudonyms,
-- derived fields and red flags, whether it joined since the cluster's verdict, and how it joined.
--
-- reads: company_clusters, stable_cluster_ids, stg_companies, company_features, pseudonyms,
--     member_verdict_flags, linked_members, company_regions
-- params: run_id

create or replace table pub_cluster_members as
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    c.uscc,
    c.company_name,
    c.trade_name,
    mask_name(c.rep_name) as legal_rep_name_masked,
    mask_id(c.rep_id) as legal_rep_id_masked,
    rp.pseudonym as legal_rep_key,
    c.rep_region as legal_rep_region,
    f.rep_age_at_reg,
    c.reg_address,
    c.reg_room_key,
    mask_phone(c.phone) as phone_masked,
    pp.pseudonym as phone_key,
    c.phone_type,
    c.reg_date,
    c.reg_capital,
    f.n_accounts::integer as n_accounts,
    f.first_open_date,
    f.days_to_first_account,
    f.has_window_account,
    f.rep_young, f.fast_open_7d, f.rep_nonlocal, f.capital_tiny, f.phone_virtual, f.cluster_address,
    f.rep_n_companies::integer as rep_n_companies,
    coalesce(nv.new_since_verdict, false) as new_since_verdict,
    -- 'link': at least one pair with a fellow member reaches the link threshold on its own;
    -- 'supporting evidence': the cluster rules placed it from weaker pairs (see links.strength).
    case when lm.company_id is not null then 'link' else 'supporting evidence' end as joined_by,
    cr.region
from company_clusters as cc
join stable_cluster_ids as ci using (cluster_no)
join stg_companies as c using (company_id)
join company_features as f using (company_id)
left join pseudonyms as rp on rp.value = c.rep_id
left join pseudonyms as pp on pp.value = c.phone
left join member_verdict_flags as nv on nv.company_id = c.company_id
left join linked_members as lm on lm.company_id = c.company_id
left join company_regions as cr on cr.company_id = c.company_id;
