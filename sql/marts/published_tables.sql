-- The analyst-facing tables of this run, built in the working DB and copied into the published DB.
-- No raw resident-ID, phone or account number leaves here: people and phones are keyed pseudonyms
-- (HMAC, table `pseudonyms`) plus masked display values and derived fields.
-- Stable ids across runs, from the history stage (flows/lineage.py, docs/history.md).
create or replace table cluster_ids as
select cluster_no, cluster_id from stable_cluster_ids;

-- The hubs each cluster touches: values its members share with too many companies to count as a
-- link (a tower's room, an agency's phone), with how many members carry each.
create or replace table pub_cluster_hubs as
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    h.hub_key as hub_id,
    any_value(h.attr_kind) as attr_kind,
    display_value(any_value(h.attr_kind), any_value(h.attr_value)) as value_display,
    count(distinct h.company_id)::integer as n_members
from pub_hub_members as h
join company_clusters as cc using (company_id)
join cluster_ids as ci using (cluster_no)
group by ci.cluster_id, h.hub_key;

create or replace table pub_clusters as
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    f.n_companies::integer as n_companies,
    f.n_window_companies::integer as n_window_companies,
    s.risk_score,
    s.flagged and f.n_window_companies > 0 as flagged,
    array_to_string(s.reasons, '; ') as reasons,
    array_to_string(s.mitigations, '; ') as mitigations,
    array_to_string(f.link_reasons, '+') as link_reasons,
    f.n_links::integer as n_links,
    f.reg_span_days,
    f.open_span_days,
    f.max_companies_per_rep::integer as max_companies_per_rep,
    round(f.share_fast_open_7d, 3) as share_fast_open_7d,
    round(f.share_rep_young, 3) as share_rep_young,
    round(f.share_shared_trade_name, 3) as share_shared_trade_name,
    (select count(*) from pub_cluster_hubs as h where h.cluster_id = ci.cluster_id)::integer as n_hubs_touched,
    v.verdict,
    coalesce(v.verdict_overridden, false) as verdict_overridden
from cluster_features as f
join cluster_scores as s using (cluster_no)
join cluster_ids as ci using (cluster_no)
left join cluster_verdict_effects as v using (cluster_no);

-- Every scored pair inside a cluster, with its evidence: `strength` 'link' when the pair alone
-- reaches the link threshold, 'supporting' when it is weaker evidence that the cluster rules
-- (dense merge, leftover attach, nominee merge: flows/components.py) combined. A member held only
-- by supporting pairs is shown with those pairs, never without a reason.
create or replace temp table in_cluster_pairs as
select l.company_a, l.company_b, l.reason, l.score, l.is_link, cc.cluster_no
from company_links as l
join company_clusters as cc on cc.company_id = l.company_a
join company_clusters as cc_b on cc_b.company_id = l.company_b and cc_b.cluster_no = cc.cluster_no;

-- Members with at least one link (a pair over the link threshold) to a fellow member.
create or replace temp table linked_members as
select distinct unnest([company_a, company_b]) as company_id from in_cluster_pairs where is_link;

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
    case when lm.company_id is not null then 'link' else 'supporting evidence' end as joined_by
from company_clusters as cc
join cluster_ids as ci using (cluster_no)
join stg_companies as c using (company_id)
join company_features as f using (company_id)
left join pseudonyms as rp on rp.value = c.rep_id
left join pseudonyms as pp on pp.value = c.phone
left join member_verdict_flags as nv on nv.company_id = c.company_id
left join linked_members as lm on lm.company_id = c.company_id;

create or replace table pub_links as
with evidence as (
    select
        e.company_a, e.company_b,
        string_agg(
            e.reason || ' ' || coalesce(display_value(e.attr_kind, e.attr_value), '')
                || coalesce(' (shared by ' || e.n_companies || ')', '')
                || coalesce(', ' || e.days_apart || ' days apart', ''),
            '; ' order by w.weight desc, e.reason, e.attr_value, e.days_apart) as evidence,
        string_agg(distinct p.pseudonym, ',' order by p.pseudonym) as value_keys
    from pair_evidence as e
    join in_cluster_pairs as l using (company_a, company_b)
    join link_weights as w on w.reason = e.reason
    left join pseudonyms as p on p.value = split_part(e.attr_value, '~', 1)
    group by e.company_a, e.company_b
)
select
    getvariable('run_id') as run_id,
    ci.cluster_id,
    ca.uscc as uscc_a,
    cb.uscc as uscc_b,
    l.reason,
    l.score,
    ev.evidence,
    ev.value_keys,
    case when l.is_link then 'link' else 'supporting' end as strength
from in_cluster_pairs as l
join evidence as ev using (company_a, company_b)
join cluster_ids as ci on ci.cluster_no = l.cluster_no
join stg_companies as ca on ca.company_id = l.company_a
join stg_companies as cb on cb.company_id = l.company_b;
