-- The companies registered in a building that holds more companies than place_pendant_building (by default the
-- building hub limit, hub_limit_building): a tower or a park whose building links nothing (weak_evidence.sql counts
-- its buildings the same way), where one room shared with one member of a cluster is what the cluster step's
-- place-pendant rule (flows/pipeline/place_pendants.py) discounts.
--
-- reads: stg_companies
-- params: place_pendant_building

select company_id
from stg_companies
where reg_building_key in (
    select reg_building_key
    from stg_companies
    where reg_building_key is not null
    group by reg_building_key
    having count(*) > getvariable('place_pendant_building')
)
