-- The verdict in force per cluster and per link: the latest one made.
--
-- reads: analyst_verdicts

create or replace table effective_verdicts as
select *
from analyst_verdicts
qualify row_number() over (
    partition by target, coalesce(cluster_id, ''), coalesce(uscc_a, ''), coalesce(uscc_b, '')
    order by made_at desc, verdict_id desc
) = 1;
