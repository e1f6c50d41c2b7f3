-- Risk score 0-100 per cluster: a logistic sum of weighted red-flag terms (risk_terms), each term
-- a value in 0..1 so its weight is the most it can add. The top contributing terms become the
-- cluster's reasons in words; negative terms are listed as mitigating.
create or replace table cluster_terms as
with terms as (
    select
        cluster_no,
        share_fast_open_7d::double as fast_open_7d,
        share_fast_open_30d::double as fast_open_30d,
        share_rep_young::double as rep_young,
        share_rep_under_30::double as rep_under_30,
        share_rep_over_40::double as rep_over_40,
        share_rep_nonlocal::double as rep_nonlocal,
        share_capital_tiny::double as capital_tiny,
        share_phone_virtual::double as phone_virtual,
        share_cluster_address::double as cluster_address,
        share_multi_bank::double as multi_bank,
        share_rep_is_agent::double as rep_is_agent,
        -- bursts count fully within one season (burst_days), fading to nothing at a year: a ring
        -- registers and opens its members over weeks to a few months, a family business or a
        -- group over years
        (case when n_companies < 3 then 0
            else greatest(0, least(1, (365 - reg_span_days) / (365 - getvariable('burst_days')))) end)::double
            as reg_burst,
        (case when n_companies < 3 then 0
            else greatest(0, least(1, (365 - open_span_days) / (365 - getvariable('burst_days')))) end)::double
            as open_burst,
        (case when max_companies_per_rep >= 3 then 1 when max_companies_per_rep = 2 then 0.3
            else 0 end)::double as nominee,
        share_template_scope::double as template_scope,
        (case when max_companies_per_controller >= 4 then 1 when max_companies_per_controller = 3 then 0.5
            else 0 end)::double as controller,
        share_opened_by_agent::double as opened_by_agent,
        share_corroborated_links::double as corroborated,
        share_shared_trade_name::double as shared_brand,
        (n_companies = 2)::double as pair_only,
        1.0::double as bias
    from cluster_features
),
long as (
    select u.cluster_no, u.term, u.value, f.reg_span_days, f.open_span_days, f.max_companies_per_rep,
        f.max_companies_per_controller
    from (unpivot terms on columns(* exclude (cluster_no)) into name term value value) as u
    join cluster_features as f using (cluster_no)
)
select
    l.cluster_no,
    l.term,
    coalesce(l.value, 0)::double as value,
    coalesce(l.value, 0) * t.weight as contribution,
    replace(replace(t.says, '{pct}', format('{:.0f}%', 100 * coalesce(l.value, 0))), '{value}',
        case l.term
            when 'reg_burst' then l.reg_span_days::varchar
            when 'open_burst' then l.open_span_days::varchar
            when 'nominee' then l.max_companies_per_rep::varchar
            when 'controller' then l.max_companies_per_controller::varchar
            else format('{:.2f}', coalesce(l.value, 0))
        end) as says
from long as l
join risk_terms as t using (term);

create or replace table cluster_scores as
select
    cluster_no,
    round(100 / (1 + exp(-sum(contribution))), 1) as risk_score,
    round(100 / (1 + exp(-sum(contribution))), 1) >= getvariable('flag_threshold') as flagged,
    list(says order by contribution desc) filter (where term <> 'bias' and contribution >= 0.3) as reasons,
    list(says order by contribution) filter (where term <> 'bias' and contribution <= -0.3) as mitigations
from cluster_terms
group by cluster_no;
