"""Given/expect for the leftover template rule's rooms (flows/pipeline/components.py attach_leftovers): a building
the cluster's members hold through one room covers them once for a fresh leftover of another room of it, or naming
no room in a building where two in three companies name one (roomed_building_share), so that tenant stays out; a
leftover naming no room in a building where more name none still joins. The whole cluster step runs on its input
tables, the pairs' reasons as company_links writes them. Before the rule every such leftover joined the farm.
"""

from __future__ import annotations

from datetime import date

import cluster_step
import polars as pl
from ruletables import table
from stepkit import given, rows, run

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.components import build_company_clusters
from shellring.flows.pipeline.whole_cluster_ties import family_bits


def clustered(rooms: dict[int, str | None], tenants: int = 0) -> list[int]:
    """Companies 1-4: a farm in room R1 of building B; 5 and 6 registered in B too (their rooms: `rooms`, which may
    move the farm's too), each tied to every farm member by the building alone; `tenants` more companies of B,
    registered years before, name no room. All opened their account a week after registering."""
    day = date(2026, 3, 1)
    room_of = {1: "B|R1", 2: "B|R1", 3: "B|R1", 4: "B|R1", **rooms}
    companies = [{"company_id": i, "reg_date": day, "reg_room_key": room_of[i], "reg_building_key": "B"}
                 for i in range(1, 7)]
    companies += [{"company_id": 100 + k, "reg_date": date(2019, 1, 1), "reg_building_key": "B"}
                  for k in range(tenants)]
    accounts = [{"company_id": i, "open_date": date(2026, 3, 8), "days_since_registration": 7} for i in range(1, 7)]
    con = given({"stg_companies": table(companies, cluster_step.COMPANY_COLUMNS),
                 "stg_accounts": table(accounts, cluster_step.ACCOUNT_COLUMNS)})
    place = family_bits(con, ["place"])
    links = ([{"company_a": i, "company_b": j, "score": 1.0, "families": place, "full_families": place,
               "reason": "SAME_ROOM+SAME_BUILDING"} for i in range(1, 5) for j in range(i + 1, 5)]
             + [{"company_a": i, "company_b": t, "score": 0.5, "families": place, "full_families": place,
                 "reason": "SAME_BUILDING"} for i in range(1, 5) for t in (5, 6)])
    con.register("_links", table(links, cluster_step.LINK_COLUMNS,
                                 types={"score": pl.Float64, "families": pl.Int64, "full_families": pl.Int64}))
    con.execute("create table company_links_kept as select * from _links")
    con.execute("create table pair_evidence as select company_a, company_b, 'SAME_ROOM' as reason from _links "
                "where score = 1.0")
    run(con, "linking/company_attributes", "linking/attribute_values")
    build_company_clusters(con, Settings())
    return [r[0] for r in rows(con, "select company_id from company_clusters order by 1")]


def test_a_fresh_tenant_of_another_room_of_the_farm_s_building_stays_out():
    # 5 rents R2; 6 names no room where 5 of B's 6 companies name one. Counted per member, as before, both joined
    # ([1, 2, 3, 4, 5, 6])
    assert clustered({5: "B|R2", 6: None}) == [1, 2, 3, 4]


def test_a_leftover_naming_no_room_where_most_name_none_counts_each_member():
    # B's older tenants name no room: with one, 5 of B's 7 companies name one (over two in three: roomed), with two
    # 5 of 8 (under), and 6's address is written as B's are
    assert clustered({5: "B|R2", 6: None}, tenants=1) == [1, 2, 3, 4]
    assert clustered({5: "B|R2", 6: None}, tenants=2) == [1, 2, 3, 4, 6]


def test_a_ring_with_a_room_per_front_counts_each_front():
    # a ring that registered each front at a room of its own in B (tied by their links): the building is its choice
    assert clustered({1: "B|R1", 2: "B|R2", 3: "B|R3", 4: "B|R4", 5: "B|R5", 6: None}) == [1, 2, 3, 4, 5, 6]
