"""The student-batch straggler rules (flows/pipeline/batch_stragglers.py) given a few companies, alone or inside
the whole cluster step.

    rule_labels(attach_batch_stragglers, openings, pieces, pairs, *family_bits) -> {company: label}
    batch_with_straggler(companies, accounts, "SAME_HOMETOWN", settings) -> company ids in a cluster
    busy_region(row, season, "BR1", lambda k: f"BR{2 + k}") -> a region's ordinary fresh companies

In both, companies 0-4 (alone) or 1-5 (whole step) are a batch chained by pairs the batch rules made.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from ruletables import table
from stepkit import given, rows, run

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.components import build_company_clusters
from shellring.flows.pipeline.whole_cluster_ties import family_bits

COMPANY_COLUMNS = ("company_id", "rep_id", "reg_date", "phone", "phone_also", "reg_room_key", "trade_name",
                   "scope_key", "rep_region", "rep_age_at_reg", "reg_adcode", "uscc_region", "reg_capital",
                   "reg_building_key")
ACCOUNT_COLUMNS = ("company_id", "rep_id", "agent_id", "open_date", "contact_phone", "contact_phone_also",
                   "agent_phone", "agent_phone_also", "contact_room_key", "days_since_registration", "bank_branch")
LINK_COLUMNS = ("company_a", "company_b", "score", "families", "full_families", "reason")
BATCH = [0, 1, 2, 3, 4]


def busy_region(row, season, own: str, other, graduates: tuple[str, str] | None = None) -> list[dict]:
    """Ordinary local fresh companies, 20 a day over `season`: one a day at the place `own` (a branch, an
    authority), the others at `other(k)`; `row(company, place, day[, origin, capital=])` writes one. With
    `graduates` = (origin, elsewhere), `own` serves a university: a young graduate of `origin` comes there every
    third day (company 5000 + day) and as many go to `elsewhere`."""
    rows, company = [], 1000
    for day in season:
        for k in range(20):
            rows.append(row(company, own if k == 0 else other(k), day))
            company += 1
        if graduates and day % 3 in (0, 1):
            origin, elsewhere = graduates
            rows.append(row(5000 + day, own if day % 3 == 0 else elsewhere, day, origin, capital=3))
    return rows


def rule_labels(rule, rows: list[dict], pieces: dict[int, int], pairs: list[tuple[int, int]], pair_family: int,
                rule_family: int, batch_family: int, batch_pairs: list[tuple[int, int]] | None = None,
                settings: Settings = Settings(), share: float | None = None,
                chance: float | None = None) -> dict[int, int]:
    """Each company's label after `rule`. Every company starts in a cluster of its own but those `pieces` names
    (company -> label); the batch's members share label 0 and its batch pairs tie each to the next. `pairs` carry
    `pair_family`, the batch's own pairs `batch_family`; the rule looks for a pair with `rule_family`."""
    s = settings
    frame = pl.DataFrame(rows)
    n = int(frame["company_id"].max()) + 1
    labels = np.arange(n, dtype=np.int64) + 100
    labels[BATCH] = 0
    for company, label in pieces.items():
        labels[company] = label
    ties = batch_pairs if batch_pairs is not None else list(zip(BATCH, BATCH[1:]))
    both = np.array(pairs + ties, dtype=np.int64).reshape(-1, 2)
    families = np.array([pair_family] * len(pairs) + [batch_family] * len(ties), dtype=np.int64)
    ta, tb = np.array(ties, dtype=np.int64).reshape(-1, 2).T if ties else (np.array([], np.int64),) * 2
    out = rule(labels, both[:, 0], both[:, 1], families, rule_family, ta, tb, frame, s.cluster_min_size,
               s.batch_cluster_share if share is None else share, s.branch_days, s.hometown_days,
               s.batch_straggler_chance if chance is None else chance)
    present = set(frame["company_id"].to_list())
    return {c: int(out[c]) for c in range(n) if c in present}


def batch_with_straggler(companies: list[dict], accounts: list[dict], straggler_family: str,
                         settings: Settings) -> list[int]:
    con = given({"stg_companies": table(companies, COMPANY_COLUMNS), "stg_accounts": table(accounts, ACCOUNT_COLUMNS)})
    branch, tie = family_bits(con, ["branch"]), family_bits(con, [straggler_family])
    links = [{"company_a": i, "company_b": i + 1, "score": 1.0, "families": branch, "full_families": branch}
             for i in range(1, 5)] + [{"company_a": 1, "company_b": 6, "score": 0.5, "families": tie,
                                       "full_families": 0}]
    con.register("_links", table(links, LINK_COLUMNS,
                                 types={"score": pl.Float64, "families": pl.Int64, "full_families": pl.Int64}))
    con.execute("create table company_links_kept as select * from _links")
    con.execute("create table pair_evidence as select company_a, company_b, 'BATCH_COHORT' as reason from _links "
                "where score = 1.0")
    run(con, "linking/company_attributes", "linking/attribute_values")
    build_company_clusters(con, settings)
    return [r[0] for r in rows(con, "select company_id from company_clusters order by 1")]
