"""Tunable linking and scoring parameters, validated, with the reasoning for each default.

Defaults are starting points chosen from the domain notes (DOMAIN.md §2) and checked on demo data
with several seeds; they are not fitted to labelled real cases. Every value reaches SQL as a
DuckDB variable or a small table, never as text spliced into a query.
"""

from __future__ import annotations

import duckdb
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shellring.flows.core import rules
from shellring.flows.core.rules import RuleRegistryError


class RiskTermSetting(BaseModel):
    weight: float
    thresholds: dict[str, int | float] = Field(default_factory=dict)


def _default_weights() -> dict[str, float]:
    return {reason.code: reason.weight for reason in rules.LINK_REASONS}


def _default_risk_terms() -> dict[str, RiskTermSetting]:
    return {term.code: RiskTermSetting(weight=term.weight, thresholds=dict(term.thresholds))
            for term in rules.RISK_TERMS}


class Settings(BaseModel):
    # A misspelt or retired setting (batch_chance_cells became batch_chance_rate, with another meaning) must stop
    # the run, not be ignored while the default applies.
    model_config = ConfigDict(extra="forbid")

    link_threshold: float = 1.0
    fixed_line_factor: float = Field(0.6, description="weight factor for shared landlines / 400 numbers ...")
    fixed_line_full_days: int = Field(90, description="... unless the two companies registered (or gave it to the "
                                      "bank) within this many days of each other: a switchboard or an agency serves "
                                      "companies over years, a dealer's landline a batch of new ones in a season")
    fixed_line_season_days: int = Field(365, description="... or all the companies on the line registered within "
                                        "this many days, each with its own representative and trade name: a "
                                        "dealer's line (a group's switchboard or an agency's serves them over years); "
                                        "a line that is all its companies share may take longer, at the pace the "
                                        "lone_line risk term counts (its fade_windows x days_per_company each)")
    fixed_line_season_min_companies: int = Field(3, description="... and it carries at least this many: two "
                                                 "companies sharing an office line are no dealer's batch")
    hub_limit_person: int = 60
    hub_limit_phone: int = 40
    hub_limit_room: int = 80
    hub_limit_building: int = 150
    hub_limit_scope: int = 60
    hub_season_limit: int = Field(250, description="a mobile number or room on more companies than its hub limit "
                                  "is no hub when most of them (hosted_season_share, within weak_days) came with it "
                                  "in one season, up to this many: a dealer's or an account-opening agent's mobile "
                                  "gathers a batch in a season however big the ring, and a farm's room its batch "
                                  "(UK: 100 firms at one house in 14 days); an agency's number its clients and a "
                                  "hosting address its tenants over years. A season room of an incubator links too: "
                                  "the score tells its intake from a farm's batch (room_intake). The cap bounds one "
                                  "value's pairs (31,125 at 250); 0 = never")
    branch_days: int = 3
    branch_window_openings: int = Field(20, description="co-openings at a branch count within branch_days either "
                                        "side, fewer days at a branch whose usual openings (over the extract's "
                                        "days) would put more than this many in the window: the chance co-openers "
                                        "of an opening stay the same at a busy or a quiet branch, in a small or a "
                                        "big region (SAME_BRANCH_DAYS). A pair that also shares a building, a scope "
                                        "text or a number block counts within the whole branch_days: two "
                                        "coincidences at once stay rare")
    batch_days: int = 7
    hometown_days: int = 30
    hub_limit_hometown: int = Field(20, description="a county usually sending more young newcomers' companies "
                                    "within hometown_days is a migration flow (SAME_HOMETOWN); usually: the season "
                                    "without the batch_days around, so a batch is no flow. A count over the whole "
                                    "region, so it cuts more of a province's batches than a city's; the same county "
                                    "judged at one branch against that branch's base flow is BATCH_COHORT's test, "
                                    "which holds with size. Measured alternatives let far more chance pairs "
                                    "through (bench/RESULTS-detection.md, s8-quality-scale)")
    hub_limit_batch_region: int = Field(80, description="a prefecture sending more young representatives' fresh "
                                        "companies within hometown_days is a migration flow (BATCH_HOME_REGION)")
    hub_limit_branch: int = Field(40, description="a branch window (see branch_window_openings) holding more "
                                  "openings than this, however they came, is a mass opening: its co-openings "
                                  "are no evidence (SAME_BRANCH_DAYS)")
    batch_min_companies: int = Field(3, description="fewest companies in a time-and-branch batch (BATCH_COHORT)")
    batch_chance_rate: float = Field(1e-5, description="a time-and-branch cell is a batch when the chance of so "
                                     "many openings of one profile and home prefecture is at most this: the chance "
                                     "batches a run may let through per opening it tests, the same share of a city "
                                     "or a province")
    batch_stray_chance: float = Field(0.05, description="the batch's profile and origin at another branch within "
                                      "batch_days joins the batch when chance explains so many such openings there "
                                      "at most this often (BATCH_JOINED): the strays one batch may take in by chance")
    weak_days: int = 180
    hosted_room_min_companies: int = Field(3, description="fewest companies of one season in the fuller of two "
                                           "neighbouring rooms (NEIGHBOUR_ROOM): a room a farm filled, not an office")
    hosted_season_share: float = Field(0.6, description="a room is a season room when at least this share of its "
                                       "companies registered within one weak_days window (NEIGHBOUR_ROOM: the "
                                       "window holding most of them; a mobile or room past its hub limit, see "
                                       "hub_season_limit: around their median): a farm fills a room in a season, "
                                       "an incubator over years")
    hosted_floor_reach: int = Field(1, description="season rooms of one building at most this many floors apart "
                                    "are one hosted address spread over its rooms (NEIGHBOUR_ROOM)")
    hosted_marked_floor_reach: int = Field(4, description="season rooms of one building at most this many floors "
                                           "apart, both mostly marked as hosted in one way (desk numbers, a "
                                           "cluster-registration note), are one agent's rooms (NEIGHBOUR_ROOM)")
    hosted_fill_gap_days: int = Field(30, description="... when their rooms filled at one time: the middle 80 % "
                                      "of their registrations overlap or follow within this many days")
    room_reuse_factor: float = Field(0.5, description="weight factor for one room shared by companies that arrived "
                                     "in it more than weak_days apart: a room changes tenants over the years, a farm "
                                     "fills it in a season")
    batch_min_age: int = Field(18, description="youngest legal representative (the legal minimum) counted in a "
                               "batch or hometown pattern")
    batch_max_age: int = Field(22, description="oldest representative of a student batch (BATCH_PROFILE)")
    batch_member_max_age: int = Field(25, description="oldest representative who joins a batch the 18-22-year-olds "
                                      "make improbable on their own (BATCH_NEAR_AGE): recruiters also sign up "
                                      "young adults past student age; counted in no cell, so the test is unchanged")
    hometown_max_age: int = Field(30, description="oldest representative counted in a hometown pattern")
    weak_rarity_size: int = 20
    fresh_days: int = 10
    cluster_resolution: float = Field(0.03, description="Leiden CPM resolution: two parts of a component come "
                                      "apart when the links between them weigh less than this x |part 1| x |part "
                                      "2|, so groups of 5 and 5 joined by one shared value stay one and groups of "
                                      "6 and 6 part. A careful ring ties each member to the next by another "
                                      "channel and is sparse (bench/RESULTS-detection.md, s15-cleanroom: 0.05 cut "
                                      "such rings at one bridge); 0 = plain components")
    cluster_seed: int = Field(20261129, description="Leiden's random seed: the same input gives the same clusters")
    max_cluster_size: int = 120
    recut_step: float = Field(0.25, description="an oversized component is re-cut on links this much stronger "
                              "than the link threshold, then again, ...")
    recut_max_rounds: int = Field(8, description="... at most this many times")
    recut_dense_share: float = Field(0.75, description="... unless its links join at least this share of its "
                                     "member pairs: one season's batch in one room or on one mobile links every "
                                     "member to every other however big (UK: 100 firms at one house in 14 days); "
                                     "the re-cut is for chains of groups, and two groups joined by a few links "
                                     "hold at most about half their pairs; 0 = re-cut every oversized component")
    cluster_min_size: int = Field(3, description="clusters merge, and take leftovers, only from this size up")
    place_pendant_building: int = Field(150, description="a member whose whole evidence with its cluster is one "
                                        "place pair (one room shared with one member) leaves the cluster when its "
                                        "building holds more companies than this: a tower or park so full that the "
                                        "building links nothing (hub_limit_building), where rooms are sublet and "
                                        "shared (place_pendants.py); 0 = never")
    roomed_building_share: float = Field(0.67, description="a fresh leftover tied to a cluster by the building "
                                         "alone covers the members it shares the building with once per room they "
                                         "hold it through when it names another room, or names none in a building "
                                         "where at least this share of the companies name one (two in three: a room "
                                         "is how its tenants write the address there); in a building where more of "
                                         "them name no room its members count one by one (attach_leftovers); > 1 = "
                                         "a roomless leftover always counts them one by one")
    merge_density: float = Field(0.1, description="merge clusters whose cross evidence is this dense; 0 = never")
    merge_min_pairs: int = 3
    merge_context_density: float = Field(0.5, description="clusters tied only by where and when (a branch, a "
                                         "hometown), no value the operator chose, merge only when that evidence is "
                                         "this dense: the two branches of one student batch, not two batches")
    batch_cluster_share: float = Field(0.5, description="a cluster is a student batch when the batch rules tie this "
                                       "share of its members; a single or pair with its profile, opened at its "
                                       "branch within branch_days beyond chance, joins it (batch_stragglers.py); "
                                       "0 = never")
    batch_straggler_chance: float = Field(0.01, description="... when chance explains so many of the batch's province "
                                          "at its branch in those days at most this often: the ordinary companies a "
                                          "batch cluster may take in, one at a time, by chance (at 0.05 a tight "
                                          "batch's branch took in as many ordinary young founders as stragglers)")
    nominee_min_companies: int = Field(3, description="a cluster is fronted by a nominee when one person represents "
                                       "this many of its members; two such clusters tied by a template value merge; "
                                       "0 = never")
    nominee_half_share: float = Field(0.5, description="two nominee-fronted clusters that alone carry a value "
                                      "merge, however long their fronts took, when one person represents "
                                      "nominee_min_companies of a cluster's members registered within weak_days "
                                      "(a nominee's pace) and this share of them: the cluster is his fronts, not a "
                                      "group's subsidiaries around a few of them (own_values.paced_fronts)")
    attach_context_families: list[str] = Field(
        default_factory=rules.where_and_when_families,
        description="evidence families that say only where and when (a branch, a hometown): a leftover company "
        "cannot join a cluster on them alone, however many members it shares them with")
    attach_fresh_days: int = Field(30, description="a leftover joins on one shared template value only if its "
                                   "account followed registration within this many days")
    attach_min_weight: float = Field(1.0, description="a leftover's evidence with a cluster must sum to this "
                                     "over two or more pairs")
    nominee_merge_min_pairs: int = Field(2, description="two nominee-fronted clusters merge when template values "
                                         "tie them over this many pairs")
    attach_min_coverage: float = Field(0.34, description="share of a cluster's members the template value must tie "
                                       "a leftover to")
    attach_min_reach: float = Field(0.25, description="a leftover joining a cluster on two kinds of evidence must "
                                    "be tied by them to this share of the cluster's members (a student batch's "
                                    "straggler excepted): a neighbour's chance matches touch one or two members of "
                                    "a cluster however big it is, a ring's leftover many of its fronts (0.2-0.34 "
                                    "measured alike; 0.5 cut a student batch's leftovers; 0 = any)")
    attach_cover_share: float = Field(0.8, description="a leftover joins a cluster, whatever its account's age, "
                                      "when one value the operator chose (scope text, number run, small building) "
                                      "ties it to this share of the cluster's members; 0 = never")
    attach_cover_min_members: int = Field(3, description="... and to at least this many of them")
    attach_cover_families: list[str] = Field(
        default_factory=lambda: ["SAME_SCOPE"],
        description="the evidence families whose one value, shared with nearly a whole cluster, lets a leftover "
        "join it: a word-for-word scope text. Not a near value (a similar number, the same building): a cluster "
        "that shares one phone or room is near a bystander's number or address once per member, one coincidence")
    attach_own_min_members: int = Field(2, description="a leftover joins the cluster that holds every other "
                                        "company carrying a person, phone or scope text it carries, when they are "
                                        "at least this many: a value nobody outside the cluster uses is the "
                                        "cluster's own (own_values.py); 0 = never")
    flag_threshold: float = 50.0
    burst_days: int = Field(90, description="registrations (or account openings) within this span count fully as a "
                            "burst; the term fades linearly to nothing at 365 days")
    burst_own_share: float = Field(0.5, description="a cluster shows a burst only when at least one person, phone or "
                                   "room its members share has this share of all its companies among them: members "
                                   "that share only values mostly carried by companies elsewhere (a front desk's "
                                   "line, a park's address) are a season's slice of that value's holders, and their "
                                   "burst is where the slice was cut")
    lineage_min_common: int = Field(2, description="clusters of two runs sharing fewer companies are not the "
                                    "same cluster: one shared company is coincidence, not lineage")
    lineage_min_overlap: float = Field(0.5, description="shared companies / size of the smaller cluster for lineage")
    rep_id_block_limit: int = Field(2000, description="IDs are compared for typos among the holders of one name "
                                    "who agree on one of rep_id_max_hamming + 1 parts of the ID (its county, "
                                    "birth date or tail); a block with more distinct IDs is not compared (a compute "
                                    "guard that, unlike a whole name's holders, does not grow with the cities an "
                                    "extract spans)")
    rep_id_max_hamming: int = Field(2, description="IDs differing in more positions are never one person's typo "
                                    "(a substitution is 1, an adjacent transposition 2)")
    address_block_limit: int = Field(200, description="sites with more companies are not compared text by text")
    address_min_similarity: float = Field(0.95, description="address texts this similar are one place")
    similar_phone_block_limit: int = Field(20, description="mobile prefixes (all but the last two digits) held by "
                                           "more numbers are a number range, not one dealer's SIM batch")
    phone_block_rate: float = Field(1e-6, description="mobiles of one number block link in full (PHONE_BLOCK) when "
                                    "the chance of so many in the block in 2 x weak_days from one of them, given how "
                                    "many numbers its range took up in those days, is at most this: the chance SIM "
                                    "batches a run lets through per occupied block (a dealer hands a batch out within "
                                    "a year; the range's numbers of other years, which grow with the extract, say "
                                    "nothing about it)")
    brand_stem_length: int = Field(2, description="trade names sharing their first this many characters are one "
                                   "brand (宇明, 宇明凯, 宇明宁: one group's subsidiaries); unrelated companies are "
                                   "counted by brand, and members of one brand are a group's, not a ring's")
    scope_min_length: int = Field(15, description="shorter scope texts are too generic to be a template")
    hub_suspicious_fast_share: float = Field(0.5, description="a hub is suspicious when at least this share of its "
                                             "companies opened an account within 7 days of registering ...")
    hub_suspicious_young_share: float = Field(0.3, description="... and this share have 18-22-year-old representatives")
    hub_suspicious_span_days: int = Field(90, description="... or its companies registered within this many days")
    explain_min_contribution: float = Field(0.3, description="a risk term is listed as a reason (mitigation) when "
                                            "it adds (removes) at least this much to the score")
    language: str = Field("zh", description="language of the sentences written into the published tables "
                                            "(zh-CN for the case handlers who read them; en on request)")
    weights: dict[str, float] = Field(default_factory=_default_weights,
                                      description="base weight of each link reason (rule registry)")
    risk_terms: dict[str, RiskTermSetting] = Field(default_factory=_default_risk_terms)

    @model_validator(mode="after")
    def _every_rule_has_its_numbers(self) -> Settings:
        """A reason without a weight would silently drop its evidence; refuse to start instead."""
        rules.validate_registry()
        for kind, given, declared in (
            ("link reason", set(self.weights), {r.code for r in rules.LINK_REASONS}),
            ("risk term", set(self.risk_terms), {t.code for t in rules.RISK_TERMS}),
        ):
            if declared - given:
                raise RuleRegistryError(f"{kind}(s) without a weight: {', '.join(sorted(declared - given))} "
                                        "(declare one in the rule registry, flows/core/rules.py)")
            if given - declared:
                raise RuleRegistryError(f"weights for unknown {kind}(s): {', '.join(sorted(given - declared))} "
                                        "(not in the rule registry, flows/core/rules.py)")
        unknown = set(self.attach_cover_families) - {r.family for r in rules.LINK_REASONS}
        if unknown:
            raise RuleRegistryError("attach_cover_families names unknown evidence families: "
                                    f"{', '.join(sorted(unknown))} (families are declared in flows/core/rules.py)")
        for code, term in self.risk_terms.items():
            declared = set(next(t for t in rules.RISK_TERMS if t.code == code).thresholds)
            if set(term.thresholds) != declared:
                raise RuleRegistryError(f"risk term {code} needs thresholds {sorted(declared)}, "
                                        f"got {sorted(term.thresholds)}")
        if self.language not in rules.LANGUAGES:
            raise RuleRegistryError(f"language must be one of {', '.join(rules.LANGUAGES)}, not {self.language!r}")
        return self

    def variables(self) -> dict[str, object]:
        """Every scalar the SQL may read with getvariable(): settings, and each risk term's thresholds."""
        bound = self.model_dump(exclude={"weights", "risk_terms", "attach_context_families",
                                          "attach_cover_families"})
        for code, term in self.risk_terms.items():
            for name, value in term.thresholds.items():
                bound[f"{code}__{name}"] = value
        for outcome in ("reraised", "kept_unflagged_grown", "kept_unflagged", "kept_unflagged_outside_window"):
            bound[f"verdict_{outcome}"] = rules.sentence(f"verdict.{outcome}", self.language)
        bound["hub_why"] = rules.sentence("page.hub_why", self.language)
        return bound

    def rule_tables(self) -> dict[str, pl.DataFrame]:
        """The registry as the small tables SQL joins, with this run's weights and language."""
        reasons = rules.LINK_REASONS
        return {
            "link_reasons": pl.DataFrame({
                "reason": [r.code for r in reasons],
                "weight": [float(self.weights[r.code]) for r in reasons],
                "family": [r.family for r in reasons],
                "scaled_by": pl.Series([r.scaled_by for r in reasons], dtype=pl.Utf8),
                "corroborates": [r.corroborates for r in reasons],
                "produced_by": [r.produced_by for r in reasons],
                "shared_value": [r.shared_value for r in reasons],
            }),
            "risk_terms": pl.DataFrame({
                "term": list(self.risk_terms),
                "term_no": list(range(1, len(self.risk_terms) + 1)),
                "weight": [t.weight for t in self.risk_terms.values()],
                "says": [rules.sentence(f"risk.{code}", self.language) for code in self.risk_terms],
                "profile": [rules.risk_term(code).profile for code in self.risk_terms],
                "offsets_profile_only": [rules.risk_term(code).offsets_profile_only for code in self.risk_terms],
            }),
            "verdict_kinds": pl.DataFrame({
                "verdict": [v.code for v in rules.VERDICT_KINDS],
                "target": [v.target for v in rules.VERDICT_KINDS],
                "effect": [v.effect.value for v in rules.VERDICT_KINDS],
                "says": [rules.sentence(f"verdict.{v.code}", self.language) for v in rules.VERDICT_KINDS],
            }),
        }

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        """Expose the settings to SQL: scalars as variables, the rules as tables, and the functions the steps share."""
        from shellring.flows.core.sqlfunctions import create_sql_functions

        create_sql_functions(con)
        for name, value in self.variables().items():
            con.execute(f"set variable {name} = ?", [value])
        for table, frame in self.rule_tables().items():
            con.register("_rule_table", frame.to_arrow())
            con.execute(f"create or replace table {table} as select * from _rule_table")
            con.unregister("_rule_table")
