-- Each cluster's risk terms (rule registry: risk_terms), each a value in 0..1 so that its weight is the
-- most it can add, its contribution, and its sentence with the measured value filled in. A term the
-- registry does not declare stops the run: it would otherwise add nothing without a word.
--
-- A mitigation that answers only the members' profile (risk_terms.offsets_profile_only: older
-- representatives) takes away at most what the profile terms (risk_terms.profile: age, origin, capital,
-- phones, how fast and by whom accounts were opened) added: members who look like ordinary business people
-- explain away a young, hasty profile, not one person fronting eight companies or one phone on a season's new
-- companies. A careful operator chooses ordinary-looking members; the shape he leaves is the same.
--
-- reads: cluster_features, cluster_shape, risk_terms
-- params: burst_days, reg_burst__min_companies, reg_burst__fade_days, open_burst__min_companies,
--     open_burst__fade_days, nominee__full_at, nominee__partial_at, nominee__partial, controller__full_at,
--     controller__partial_at, controller__partial, concentration__from, concentration__full_at, many_kinds__from,
--     many_kinds__full_at, many_kinds__window_days, many_kinds__fade_windows, rep_mass__from, rep_mass__full_at,
--     own_template__from, own_template__full_at, lone_line__from, lone_line__full_at, room_intake__more_than,
--     long_intake__from_days, long_intake__full_days

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
        -- group over years. No dates, no burst: least() and greatest() skip a NULL span, which made it 1
        -- (a slice of a busy value's holders shows the burst of its cut, not of an operator: is_slice)
        (case when n_companies < getvariable('reg_burst__min_companies') or reg_span_days is null or is_slice then 0
            else greatest(0, least(1, (getvariable('reg_burst__fade_days') - reg_span_days)
                / (getvariable('reg_burst__fade_days') - getvariable('burst_days')))) end)::double as reg_burst,
        -- an opening burst needs min_companies members that opened an account, not one opening in a trio
        (case when n_opened_companies < getvariable('open_burst__min_companies') or open_span_days is null
                or is_slice then 0
            else greatest(0, least(1, (getvariable('open_burst__fade_days') - open_span_days)
                / (getvariable('open_burst__fade_days') - getvariable('burst_days')))) end)::double as open_burst,
        (case when max_companies_per_rep >= getvariable('nominee__full_at') then 1
            when max_companies_per_rep >= getvariable('nominee__partial_at') then getvariable('nominee__partial')
            else 0 end)::double as nominee,
        share_template_scope::double as template_scope,
        (case when max_companies_per_controller >= getvariable('controller__full_at') then 1
            when max_companies_per_controller >= getvariable('controller__partial_at')
            then getvariable('controller__partial')
            else 0 end)::double as controller,
        -- rises linearly from nothing at `from` unrelated companies on one value to full at `full_at`,
        -- times how briefly the value lived (cluster_features: value_fade)
        (greatest(0, least(1, (max_companies_per_value - getvariable('concentration__from'))
            / (getvariable('concentration__full_at') - getvariable('concentration__from'))))
            * coalesce(value_fade, 0))::double as concentration,
        -- several independent kinds of evidence among companies registered within a season to a year:
        -- nothing at `from` kinds, full at `full_at`, fading with the cluster's life as concentration does
        -- (no dates, no life: nothing, as least() and greatest() would skip the NULL and make it 1)
        (case when life_days is null then 0 else
            greatest(0, least(1, (n_evidence_kinds - getvariable('many_kinds__from'))
                / (getvariable('many_kinds__full_at') - getvariable('many_kinds__from'))))
            * window_fade(life_days, getvariable('many_kinds__window_days'), getvariable('many_kinds__fade_windows'))
            end)::double as many_kinds,
        -- the shape terms (cluster_shape) rise linearly from nothing at `from` unrelated companies to full at
        -- `full_at`; the person's and the template's times how briefly they gathered them
        (greatest(0, least(1, (coalesce(sh.max_names_per_rep, 0) - getvariable('rep_mass__from'))
            / (getvariable('rep_mass__full_at') - getvariable('rep_mass__from'))))
            * coalesce(sh.rep_mass_fade, 0))::double as rep_mass,
        (greatest(0, least(1, (coalesce(sh.template_names, 0) - getvariable('own_template__from'))
            / (getvariable('own_template__full_at') - getvariable('own_template__from'))))
            * coalesce(sh.template_fade, 0))::double as own_template,
        -- the lone line's rises the same way, times how fast the number gathered its companies
        (greatest(0, least(1, (coalesce(sh.lone_line_names, 0) - getvariable('lone_line__from'))
            / (getvariable('lone_line__full_at') - getvariable('lone_line__from'))))
            * coalesce(sh.lone_line_fade, 0))::double as lone_line,
        -- a room of a cluster-registration address's size (more than room_intake__more_than companies in all) whose
        -- intake is all the cluster shows: concentration on that room and no second kind of evidence reaching the
        -- members (many_kinds' kinds), no person, scope text or line of their own (rep_mass, own_template,
        -- lone_line). An incubator admits a season's tenants into one room as a farm does; what tells a farm's
        -- batch is what else it shares. It takes back what concentration added (the same value)
        (case when value_kind = 'room' and value_holders > getvariable('room_intake__more_than')
                  and n_evidence_kinds < 2 and rep_mass = 0 and own_template = 0 and lone_line = 0
              then concentration else 0 end)::double as room_intake,
        -- a year's intake or more is no batch: the profile fades from from_days to nothing at full_days
        (case when life_days is null then 0 else greatest(0, least(1, (life_days - getvariable('long_intake__from_days'))
            / (getvariable('long_intake__full_days') - getvariable('long_intake__from_days')))) end)::double
            as long_intake,
        share_opened_by_agent::double as opened_by_agent,
        share_corroborated_links::double as corroborated,
        share_shared_trade_name::double as shared_brand,
        (n_companies = 2)::double as pair_only,
        1.0::double as bias
    from cluster_features
    left join cluster_shape as sh using (cluster_no)
),
long as (
    select u.cluster_no, u.term, u.value, f.reg_span_days, f.open_span_days, f.max_companies_per_rep,
        f.max_companies_per_controller, f.max_companies_per_value, f.value_holders, f.n_evidence_kinds, f.life_days,
        sh.max_names_per_rep,
        sh.template_names, sh.lone_line_names
    from (unpivot terms on columns(* exclude (cluster_no)) into name term value value) as u
    join cluster_features as f using (cluster_no)
    left join cluster_shape as sh using (cluster_no)
)
select
    l.cluster_no,
    l.term,
    t.term_no,
    coalesce(l.value, 0)::double as value,
    case when t.offsets_profile_only
        then greatest(coalesce(l.value, 0) * t.weight,
                      -sum(case when t.profile then greatest(coalesce(l.value, 0) * t.weight, 0) else 0 end)
                          -- in the registry's order: one sum to the last bit whatever order threads deliver
                          over (partition by l.cluster_no order by t.term_no
                                rows between unbounded preceding and unbounded following))
        else coalesce(l.value, 0) * t.weight
    end as contribution,
    -- the sentence's parameters, kept with the term's code so the reason can be said in any language later
    format('{:.0f}%', 100 * coalesce(l.value, 0)) as pct,
    case l.term
        when 'reg_burst' then l.reg_span_days::varchar
        when 'open_burst' then l.open_span_days::varchar
        when 'nominee' then l.max_companies_per_rep::varchar
        when 'controller' then l.max_companies_per_controller::varchar
        when 'concentration' then l.max_companies_per_value::varchar
        when 'room_intake' then l.value_holders::varchar
        when 'long_intake' then l.life_days::varchar
        when 'many_kinds' then l.n_evidence_kinds::varchar
        when 'rep_mass' then coalesce(l.max_names_per_rep, 0)::varchar
        when 'own_template' then coalesce(l.template_names, 0)::varchar
        when 'lone_line' then coalesce(l.lone_line_names, 0)::varchar
        else format('{:.2f}', coalesce(l.value, 0))
    end as shown_value,
    replace(replace(t.says, '{pct}', pct), '{value}', shown_value) as says
from long as l
left join risk_terms as t using (term)
where t.term is not null
    or error('risk term ' || l.term || ' is not declared in the rule registry (flows/core/rules.py)');
