"""Tunable linking and scoring parameters, validated, with the reasoning for each default.

Defaults are starting points chosen from the domain notes (DOMAIN.md §2) and checked on demo data
with several seeds; they are not fitted to labelled real cases. Every value reaches SQL as a
DuckDB variable or a small table, never as text spliced into a query.
"""

from __future__ import annotations

import duckdb
import polars as pl
from pydantic import BaseModel, Field


class LinkWeights(BaseModel):
    """Base weight of each link reason; a pair is linked when its weights sum to link_threshold."""

    SAME_REP: float = 1.2  # one resident-ID as legal rep of both: the nominee signal
    REP_IS_AGENT: float = 1.0  # a rep of one company opened the other's account
    SAME_AGENT: float = 1.0  # one person (not the rep) opened both accounts
    SAME_PHONE: float = 1.0  # mobiles; fixed lines are scaled by fixed_line_factor
    SAME_ROOM: float = 1.0  # registered at the same room
    SAME_CONTACT_ADDRESS: float = 1.0  # bank-side contact address at room level
    REP_ID_TYPO: float = 0.9  # same rep name, IDs one keystroke apart
    BATCH_PROFILE: float = 0.6  # young reps, fresh companies, same branch within a week: needs one more sign
    SIMILAR_ADDRESS: float = 0.6  # near-identical address text the parser did not key to one room
    SAME_HOMETOWN: float = 0.6  # reps under 30 from one county elsewhere, registering in the same month
    SAME_BRANCH_DAYS: float = 0.5
    SAME_SCOPE: float = 0.5
    SIMILAR_PHONE: float = 0.5
    SAME_BUILDING: float = 0.5  # scaled down with the building's size (weak_rarity_size)


# Reasons that restate one fact count once (the strongest): a shared room implies a shared building,
# a batch profile is itself a shared branch within days.
REASON_FAMILIES = {
    "SAME_BUILDING": "place",
    "SAME_ROOM": "place",
    "SIMILAR_ADDRESS": "place",
    "BATCH_PROFILE": "branch",
    "SAME_BRANCH_DAYS": "branch",
}


class RiskTerm(BaseModel):
    weight: float
    says: str  # the reason in an auditor's words; {pct} is the member share, {value} the raw value


def _default_risk_terms() -> dict[str, RiskTerm]:
    t = RiskTerm
    return {
        "bias": t(weight=-4.2, says="baseline"),
        "fast_open_7d": t(weight=2.2, says="{pct} of companies opened an account within 7 days of registration"),
        "fast_open_30d": t(weight=0.8, says="{pct} opened an account within 30 days of registration"),
        "rep_young": t(weight=2.6, says="{pct} have legal representatives aged 18-22 at registration"),
        "rep_under_30": t(weight=0.6, says="{pct} have legal representatives aged 23-29"),
        "rep_over_40": t(weight=-1.2, says="{pct} have legal representatives aged 40 or over"),
        "rep_nonlocal": t(weight=0.6, says="{pct} have representatives from another province"),
        "capital_tiny": t(weight=0.8, says="{pct} registered with capital of 100,000 CNY or less"),
        "phone_virtual": t(weight=1.0, says="{pct} use virtual-operator (170/171/162/165/167) numbers"),
        "cluster_address": t(weight=0.3, says="{pct} registered at a cluster/workstation address"),
        "multi_bank": t(weight=0.8, says="{pct} opened accounts at two or more banks"),
        "rep_is_agent": t(weight=1.0, says="{pct} have a representative who opens accounts for other companies"),
        "reg_burst": t(weight=1.3, says="registrations bunched within {value} days"),
        "open_burst": t(weight=0.9, says="account openings bunched within {value} days"),
        "nominee": t(weight=1.6, says="one person is legal representative of {value} member companies within 180 days"),
        "controller": t(weight=1.5, says="one mobile or account-opening agent serves {value} member companies "
                        "with different representatives within 180 days"),
        "opened_by_agent": t(weight=0.4, says="{pct} had their account opened by someone other than the representative"),
        "corroborated": t(weight=1.0, says="{pct} of links rest on two or more independent kinds of evidence"),
        "template_scope": t(weight=0.9, says="{pct} share word-for-word business-scope text"),
        "shared_brand": t(weight=-2.5, says="{pct} share a trade name, as a group's subsidiaries do"),
        "pair_only": t(weight=-1.5, says="only two companies: a pair is weak evidence of a ring"),
    }


class Settings(BaseModel):
    link_threshold: float = 1.0
    fixed_line_factor: float = Field(0.6, description="weight factor for shared landlines / 400 numbers")
    hub_limit_person: int = 60
    hub_limit_phone: int = 40
    hub_limit_room: int = 80
    hub_limit_building: int = 150
    hub_limit_scope: int = 60
    branch_days: int = 3
    batch_days: int = 7
    hometown_days: int = 30
    hub_limit_hometown: int = 20
    hub_limit_branch: int = 40
    weak_days: int = 180
    weak_rarity_size: int = 20
    fresh_days: int = 10
    cluster_resolution: float = Field(0.05, description="Leiden CPM resolution; 0 = plain components")
    max_cluster_size: int = 120
    merge_density: float = Field(0.1, description="merge clusters whose cross evidence is this dense; 0 = never")
    merge_min_pairs: int = 3
    nominee_min_companies: int = Field(3, description="a cluster is fronted by a nominee when one person represents "
                                       "this many of its members; two such clusters tied by a template value merge; 0 = never")
    attach_context_families: list[str] = Field(
        default_factory=lambda: ["branch", "SAME_HOMETOWN"],
        description="evidence families that say only where and when (a branch, a hometown): a leftover company "
        "cannot join a cluster on them alone, however many members it shares them with")
    attach_fresh_days: int = Field(30, description="a leftover joins on one shared template value only if its "
                                   "account followed registration within this many days")
    attach_min_coverage: float = Field(0.34, description="share of a cluster's members the template value must tie "
                                       "a leftover to")
    flag_threshold: float = 50.0
    burst_days: int = Field(90, description="registrations (or account openings) within this span count fully as a burst; the term fades "
                            "linearly to nothing at 365 days")
    weights: LinkWeights = LinkWeights()
    risk_terms: dict[str, RiskTerm] = Field(default_factory=_default_risk_terms)

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        """Expose the settings to SQL: scalars as variables, weights as the link_weights table."""
        for name, value in self.model_dump(exclude={"weights", "risk_terms"}).items():
            con.execute(f"set variable {name} = ?", [value])
        reasons = list(self.weights.model_dump())
        weights = pl.DataFrame(
            {
                "reason": reasons,
                "weight": list(self.weights.model_dump().values()),
                "family": [REASON_FAMILIES.get(r, r) for r in reasons],
            }
        )
        con.register("link_weights_df", weights)
        con.execute("create or replace table link_weights as select * from link_weights_df")
        con.unregister("link_weights_df")
        terms = pl.DataFrame(
            {
                "term": list(self.risk_terms),
                "weight": [t.weight for t in self.risk_terms.values()],
                "says": [t.says for t in self.risk_terms.values()],
            }
        )
        con.register("risk_terms_df", terms)
        con.execute("create or replace table risk_terms as select * from risk_terms_df")
        con.unregister("risk_terms_df")
