-- Risk score 0-100 per cluster: a logistic sum of weighted red-flag terms (risk_terms), each term
-- a value in 0..1 so its weight is the most it can add. The top contributing terms become the
-- cluster's reasons in words; negative terms are listed as mitigating.
create or replace table cluster_terms as
with terms as (
    select
        cluster_no,
        n_companies,
        reg_span_days,
        open_span_days,
        max_companies_per_rep,
        {
            'fast_open_7d': share_fast_open_7d,
            'fast_open_30d': share_fast_open_30d,
            'rep_young': share_rep_young,
            'rep_under_30': share_rep_under_30,
            'rep_over_40': share_rep_over_40,
            'rep_nonlocal': share_rep_nonlocal,
            'capital_tiny': share_capital_tiny,
            'phone_virtual': share_phone_virtual,
            'cluster_address': share_cluster_address,
            'multi_bank': share_multi_bank,
            'rep_is_agent': share_rep_is_agent,
            'reg_burst': case when n_companies < 3 then 0 when reg_span_days <= 60 then 1
                when reg_span_days <= 180 then 0.5 else 0 end,
            'open_burst': case when n_companies < 3 then 0 when open_span_days <= 30 then 1
                when open_span_days <= 90 then 0.5 else 0 end,
            'nominee': case when max_companies_per_rep >= 3 then 1 when max_companies_per_rep = 2 then 0.3 else 0 end,
            'template_scope': share_template_scope,
            'shared_brand': share_shared_trade_name,
            'bias': 1.0
        } as term_values
    from cluster_features
),
long as (
    select cluster_no, n_companies, reg_span_days, open_span_days, max_companies_per_rep,
        unnest(map_keys(map(term_values))) as term, unnest(map_values(map(term_values))) as value
    from terms
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
