"""The rule registry: every link reason, risk term and verdict kind, declared once.

A reader who asks "where is this rule decided?" starts here. Each rule carries what the job needs
to apply it and to explain it:

- a **link reason** (`SAME_REP`…): the evidence family it belongs to (reasons of one family restate
  one fact and count once), its default weight, the pipeline step that emits it, how its weight is
  scaled, and the sentence an analyst reads;
- a **risk term** (`fast_open_7d`…): its default weight in the cluster score, its thresholds (bound
  to SQL as variables `<term>__<name>`), and the sentence that becomes a reason (positive weight)
  or a mitigation (negative weight);
- a **verdict kind** (`confirmed_ring`…): what it targets and its effect on later runs.

`Settings` takes its defaults from here; `Settings.apply` writes the tables the SQL joins
(`link_reasons`, `risk_terms`, `verdict_kinds`); the README's reason table and `shellring plan`
are rendered from here. Sentences are keyed (`reason.SAME_REP`, `risk.nominee`, `verdict.false_link`)
per language: a new language is a new entry in `SENTENCES`, with no rule touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shellring.flows.core.errors import ShellringError
from shellring.flows.core.wording import PAGE_SENTENCES


class RuleRegistryError(ShellringError):
    """The rules and the settings or SQL that apply them disagree; the job refuses to start."""


@dataclass(frozen=True)
class LinkReason:
    code: str
    family: str  # reasons of one family restate one fact: a pair counts the family once, at its strongest
    weight: float
    produced_by: str  # the pipeline step (table) that emits it
    # 'landline' (fixed_line_factor), 'rarity' (weak_rarity_size) or 'season' (room_reuse_factor beyond weak_days)
    scaled_by: str | None = None
    corroborates: bool = True  # counts towards a link's independent kinds of evidence
    where_and_when: bool = False  # says only where and when: a leftover never joins a cluster on it alone
    # the pair carries one exact value (a person, phone, room or branch): the cluster picture draws it as a node
    shared_value: bool = False


@dataclass(frozen=True)
class RiskTerm:
    code: str
    weight: float
    # Thresholds the term's SQL reads, as variables named '<code>__<name>'.
    thresholds: dict[str, int | float] = field(default_factory=dict)
    # what one member shows on its own (its representative's age and origin, its capital, phone and address
    # text, how fast and by whom its accounts were opened), as opposed to how the members hang together
    profile: bool = False
    # a mitigation that answers only the profile: it takes away at most what the cluster's profile terms added,
    # never the weight of its shape (a careful operator picks members who look ordinary, not a looser shape)
    offsets_profile_only: bool = False
    # the cluster's shape, which no legitimate cluster shows (many unrelated new companies on one value, person or
    # text of their own, or tied in several independent ways in one season): at full it flags a cluster on its own,
    # whatever the members' profile (its weight at least outweighs the baseline; validate_registry)
    shape: bool = False


class VerdictEffect(StrEnum):
    ALWAYS_FLAG = "always_flag"  # flagged whatever the score; new members highlighted
    UNFLAG_UNLESS_GROWN = "unflag_unless_grown"  # unflagged unless companies joined and the score still flags
    AS_SCORED = "as_scored"  # flagged as scored; the verdict is shown
    DROP_LINK = "drop_link"  # the pair leaves the links before clustering
    KEEP_LINK = "keep_link"  # recorded; the link stands as scored


@dataclass(frozen=True)
class VerdictKind:
    code: str
    target: str  # 'cluster' or 'link'
    effect: VerdictEffect


LINK_REASONS: tuple[LinkReason, ...] = (
    # one resident ID as legal representative of both: the nominee signal
    LinkReason("SAME_REP", "SAME_REP", 1.2, "shared_value_evidence", corroborates=False, shared_value=True),
    LinkReason("REP_IS_AGENT", "REP_IS_AGENT", 1.0, "shared_value_evidence", shared_value=True),
    LinkReason("SAME_AGENT", "SAME_AGENT", 1.0, "shared_value_evidence", shared_value=True),
    # switchboards and agencies share landlines and 400 numbers, so those count for less
    LinkReason("SAME_PHONE", "SAME_PHONE", 1.0, "shared_value_evidence", scaled_by="landline", shared_value=True),
    # a room changes tenants over the years: companies that arrived in it seasons apart count for less
    LinkReason("SAME_ROOM", "place", 1.0, "shared_value_evidence", scaled_by="season", shared_value=True),
    LinkReason("SAME_CONTACT_ADDRESS", "SAME_CONTACT_ADDRESS", 1.0, "shared_value_evidence", shared_value=True),
    LinkReason("REP_ID_TYPO", "REP_ID_TYPO", 0.9, "fuzzy_evidence"),
    # young reps, fresh companies, one branch within a week: needs one more sign to link
    LinkReason("BATCH_PROFILE", "branch", 0.6, "weak_evidence", where_and_when=True, shared_value=True),
    # the same profile from one prefecture elsewhere, at one branch within days, in numbers the region's base
    # rates make improbable: a batch, linked without any shared value (batch_chance_rate)
    LinkReason("BATCH_COHORT", "branch", 1.0, "batch_evidence", where_and_when=True, shared_value=True),
    # a batch is one event at one or two branches of one city: its origin's profile at a second branch of the
    # batch's city (a branch's city: where most of its openers are registered; any branch for one county's batch)
    # within its days, in numbers chance explains there at most batch_stray_chance of the time
    LinkReason("BATCH_JOINED", "branch", 1.0, "batch_evidence", where_and_when=True),
    # a recruiter works two or three prefectures of one province: the same batch test with the province as origin,
    # on what its counties' and prefectures' batches leave; a group of such leftovers joins the one batch beside it
    LinkReason("BATCH_PROVINCE", "branch", 1.0, "batch_evidence", where_and_when=True, shared_value=True),
    # a member just past student age (to batch_member_max_age) at a branch and in days the 18-22s make a batch
    LinkReason("BATCH_NEAR_AGE", "branch", 1.0, "batch_evidence", where_and_when=True),
    # two batches of one province (two of its prefectures) at one branch opening within branch_days: one
    # recruiter's event, not two coincidences
    LinkReason("BATCH_SIBLING", "branch", 1.0, "batch_evidence", where_and_when=True, shared_value=True),
    # one recruiter's event at two branches of one city: two batches of one prefecture (or county), each improbable on
    # its own, opening there within branch_days of each other, each the other's one candidate (or the one its half
    # shares a phone, agent, room or person with, or else the one of its own bank)
    LinkReason("BATCH_TWO_BRANCHES", "branch", 1.0, "batch_evidence", where_and_when=True, shared_value=True),
    LinkReason("SIMILAR_ADDRESS", "place", 0.6, "fuzzy_evidence"),
    LinkReason("SAME_HOMETOWN", "SAME_HOMETOWN", 0.6, "weak_evidence", where_and_when=True),
    # the batch profile (18-22, account within days) from one prefecture of another province: a recruiter's
    # school or town; with BATCH_PROFILE it ties a member that shares nothing else to its batch
    LinkReason("BATCH_HOME_REGION", "SAME_HOMETOWN", 0.6, "weak_evidence", scaled_by="rarity", where_and_when=True),
    # within branch_days, fewer at a busy branch (branch_window_openings) unless the pair shares a building, a scope
    # text or a number block too: two coincidences at once are rare however busy the branch
    LinkReason("SAME_BRANCH_DAYS", "branch", 0.5, "weak_evidence", scaled_by="rarity", where_and_when=True,
               shared_value=True),
    LinkReason("SAME_SCOPE", "SAME_SCOPE", 0.5, "weak_evidence"),
    LinkReason("SIMILAR_PHONE", "SIMILAR_PHONE", 0.5, "weak_evidence"),
    # more mobiles in one number block in one year than its range took up then explains by chance: a dealer's
    # SIM batch, handed out with the companies it fronts within a year (phone_block_rate, 2 x weak_days)
    LinkReason("PHONE_BLOCK", "SIMILAR_PHONE", 1.0, "weak_evidence"),
    # a hosted address that outgrew its room: season rooms of one building on one floor or the next
    LinkReason("NEIGHBOUR_ROOM", "place", 1.0, "room_neighbour_evidence", corroborates=False),
    # a room implies its building; big buildings count for less
    LinkReason("SAME_BUILDING", "place", 0.5, "weak_evidence", scaled_by="rarity", corroborates=False),
)

# In this order the terms are listed when their contributions tie (cluster_scores.sql).
RISK_TERMS: tuple[RiskTerm, ...] = (
    RiskTerm("fast_open_7d", 2.2, {"max_days": 7}, profile=True),
    RiskTerm("fast_open_30d", 0.8, {"max_days": 30}, profile=True),
    RiskTerm("rep_young", 2.6, {"min_age": 18, "max_age": 22}, profile=True),
    RiskTerm("rep_under_30", 0.6, {"min_age": 23, "max_age": 29}, profile=True),
    # older representatives say the members look like ordinary business people: that answers the profile terms,
    # not one person fronting many companies or one phone on a season's new companies
    RiskTerm("rep_over_40", -1.2, {"min_age": 40}, profile=True, offsets_profile_only=True),
    RiskTerm("rep_nonlocal", 0.6, profile=True),
    RiskTerm("capital_tiny", 0.8, {"max_capital_10k_cny": 10}, profile=True),
    RiskTerm("phone_virtual", 1.0, profile=True),
    RiskTerm("cluster_address", 0.3, profile=True),
    RiskTerm("multi_bank", 0.8, {"min_banks": 2}, profile=True),
    RiskTerm("rep_is_agent", 1.0),
    # bursts count fully within settings.burst_days and fade to nothing at fade_days; a cluster whose shared values
    # are all mostly carried by companies elsewhere (burst_own_share: a front desk's line, an incubator's floor) is
    # a season's slice of their holders and shows no burst: its bunching is where the slice was cut
    RiskTerm("reg_burst", 1.3, {"min_companies": 3, "fade_days": 365}),
    RiskTerm("open_burst", 0.9, {"min_companies": 3, "fade_days": 365}),
    RiskTerm("nominee", 1.6, {"window_days": 180, "full_at": 3, "partial_at": 2, "partial": 0.3}),
    RiskTerm("template_scope", 0.9),
    # a number or agent counts only where most of its companies are in the cluster (min_share): a front desk's or an
    # agency's line serves tenants and clients over years, a dealer's line his batch
    RiskTerm("controller", 1.5, {"window_days": 180, "full_at": 4, "partial_at": 3, "partial": 0.5,
                                 "min_share": 0.5}),
    # the shape alone: many unrelated members on one person, phone or room that came with them, carries no
    # others and lived a season to a year (an agency, a switchboard or a serial owner carries companies over years)
    # A room that took no other company for a season either side of its members (quiet) counts a season
    # (quiet_room_window_days): an incubator admits tenants as long as it runs, a farm's room is done with its batch.
    # A farm that outgrew its room is one place: the cluster's rooms on one floor of a building that each hold two
    # of its members or more count together (kind 'floor': two rooms or more, the rooms beyond the fullest holding
    # `from` members, almost nobody else in them), within quiet_room_window_days: an operator's season intake into
    # rooms side by side (集群注册, 托管; NEIGHBOUR_ROOM); an incubator's room with a stray tenant or two next door
    # stays one room.
    # A room's holders are the companies registered in it within holders_days either side of the members: a room
    # changes tenants over the years (an office let in 2013, 2016 and 2020 says nothing of the farm that filled it
    # in 2026), while an incubator or a hosting agency admits tenants year after year, so its other years' intake
    # stays within two years of any season's and keeps a season's slice of it under min_share.
    # A landline most of whose members (min_share) are registered in one room is that place's line (a front desk's
    # switchboard an incubator's tenants give): it is no value of its own, and the room is judged as a room
    RiskTerm("concentration", 5.0, {"window_days": 365, "room_window_days": 90, "quiet_room_window_days": 180,
                                    "fade_windows": 1.5, "min_share": 0.8, "from": 3, "full_at": 6,
                                    "holders_days": 730}, shape=True),
    # an operator's footprint in several channels at once (a branch's batch, a contact room, a phone range, a
    # scope text) among companies of one season to a year; an agency's clients share as many, over years
    # (a kind counts when its links reach min_reach of the members: a few members' stray links are no footprint).
    # Full at three: each independent co-occurring flag makes a legitimate cluster far rarer (DOMAIN.md 0.2), and
    # the only legitimate clusters with three kinds are an agency's clients (phone, clerk, contact address) over years.
    # A contact address that is the member's own registered room restates where it is registered (an incubator's
    # tenants give the incubator as both): it counts as the place, not as a second kind (cluster_features).
    # A person fronting two unrelated members (two brands) is a kind of its own, the nominee channel, and the phone
    # and room those two share are the person's own, not more kinds: a careful operator ties his companies one pair
    # at a time, here a phone, there a room, a nominee, an agent; a serial owner's companies share his phone and
    # office through him, a group's chairman fronts subsidiaries of one brand (no nominee)
    RiskTerm("many_kinds", 5.0, {"from": 2, "full_at": 3, "window_days": 270, "fade_windows": 1.5,
                                 "min_reach": 0.2}, shape=True),
    # one person legal representative of many unrelated new companies within a year: nobody fronts a dozen as a
    # trade; a serial owner adds one every year or two, a group's chairman fronts subsidiaries of one trade name.
    # Fading to nothing at fade_windows x window_days, as the other shape terms do: a careful operator who spreads
    # one nominee's fronts over thirteen months is no serial owner, and a cut at day 365 hid him
    RiskTerm("rep_mass", 5.0, {"window_days": 365, "fade_windows": 1.5, "from": 3, "full_at": 8}, shape=True),
    # one word-for-word scope text on many unrelated members and (almost) nobody else in the prefectures where they
    # carry it, in use a season to a year: written once and copied by one hand; an agency's template serves its
    # clients over years where it works; a phrase's chance users in other cities grow with the extract, not with it
    RiskTerm("own_template", 5.0, {"min_share": 0.8, "from": 2, "full_at": 5, "window_days": 365,
                                   "fade_windows": 1.5}, shape=True),
    # one phone that is all many unrelated new companies share, each under its own representative, and that
    # (almost) nobody else gives, gathering them at a dealer's pace: a window that grows with the number of
    # companies (days_per_company each), not a fixed one; a group's switchboard, an agency's or a park's line come
    # with a shared trade name, address or clerk, a park's serves most of its building's tenants (building_share);
    # the window stops growing at max_window_days (eighteen months: issue 12's careful dealer spread his seven over
    # sixteen): a dealer's line serves a batch however many it holds, an agency's own number its clients for years
    RiskTerm("lone_line", 5.0, {"min_share": 0.8, "max_kinds": 1, "from": 3, "full_at": 6, "days_per_company": 61,
                                "max_window_days": 548, "fade_windows": 1.5, "building_share": 0.5}, shape=True),
    # a room of a cluster-registration address's size (more than the room hub limit: it links only because it
    # filled in one season, attribute_values) whose season intake is all the cluster shows takes back concentration:
    # an incubator or a 集群注册 host admits a season's tenants into one room as a farm does (DOMAIN.md §1, "legal
    # cluster registration exists"); a farm's batch also shares a second kind of evidence, a person, a scope text or
    # a line of its own (many_kinds' kinds, rep_mass, own_template, lone_line)
    RiskTerm("room_intake", -5.0, {"more_than": 80}),
    # members who came over more than a year (the cluster's life: the shortest span holding 80% of them) are a
    # place's or a business's intake, not one batch: a ring registers its companies within months (issue 12:
    # careful operators within six), an incubator, a park or an agency gathers tenants and clients for years. Their
    # profile (young founders, small capital, accounts opened soon after registering) describes the members one by
    # one: from where the shape terms stop counting (1.5 years) it fades to nothing at two; it never takes back the
    # shape. (From one year it cost our demo's nominees spread over 13-18 months; from two it missed the third
    # generator's incubators, 880-910 days: bench/RESULTS-detection.md, Session 16.)
    RiskTerm("long_intake", -5.0, {"from_days": 548, "full_days": 730}, offsets_profile_only=True),
    RiskTerm("opened_by_agent", 0.4, profile=True),
    RiskTerm("corroborated", 1.0, {"min_kinds": 2}),
    RiskTerm("shared_brand", -2.5, {"min_length": 2}),
    RiskTerm("pair_only", -1.5),
    RiskTerm("bias", -4.2),
)

VERDICT_KINDS: tuple[VerdictKind, ...] = (
    VerdictKind("confirmed_ring", "cluster", VerdictEffect.ALWAYS_FLAG),
    VerdictKind("false_positive", "cluster", VerdictEffect.UNFLAG_UNLESS_GROWN),
    VerdictKind("legitimate_group", "cluster", VerdictEffect.UNFLAG_UNLESS_GROWN),
    VerdictKind("needs_review", "cluster", VerdictEffect.AS_SCORED),
    VerdictKind("false_link", "link", VerdictEffect.DROP_LINK),
    VerdictKind("valid_link", "link", VerdictEffect.KEEP_LINK),
)

# The sentences analysts read, keyed by rule. In risk sentences {pct} is the share of members and
# {value} the term's measured value (days, companies). Verdict sentences take {by}, {on}, {added}, {risk}.
SENTENCES: dict[str, dict[str, str]] = {
    "en": {
        "reason.SAME_REP": "one resident ID is legal representative of both",
        "reason.REP_IS_AGENT": "a representative of one opened the other's account",
        "reason.SAME_AGENT": "one person (not the representative) opened both accounts",
        "reason.SAME_PHONE": "one phone (registration, bank contact or agent phone)",
        "reason.SAME_ROOM": "registered address keyed to the same room",
        "reason.SAME_CONTACT_ADDRESS": "bank contact address keyed to the same room",
        "reason.REP_ID_TYPO": "same representative name, IDs one keystroke apart",
        "reason.BATCH_PROFILE": "18-22-year-old representatives, accounts within days of registration, "
                                "same branch within a week",
        "reason.BATCH_COHORT": "18-22-year-old representatives from one prefecture of another province, accounts "
                               "within days of registration at the same branch within a week, more of them than "
                               "the branch's openings and the prefecture's share of the region explain by chance",
        "reason.BATCH_JOINED": "opened within a week of an improbable batch, with its profile (18-22-year-old "
                               "representative from the same prefecture of another province, account within "
                               "days of registration), at a second branch of the same city (any branch for a "
                               "batch from one county) where the base rates explain so many such openings only "
                               "rarely, with no sign of two recruiters (each side's own agent or representative "
                               "of several openings, none in common)",
        "reason.BATCH_PROVINCE": "18-22-year-old representatives from one province elsewhere (several of its "
                                 "prefectures), accounts within days of registration at the same branch within a "
                                 "week, more of them than the branch's openings and the province's share of the "
                                 "region explain by chance, or a group of them beside an improbable batch from the "
                                 "same province",
        "reason.BATCH_NEAR_AGE": "a representative aged 23-25 from the same place elsewhere, account within days "
                                 "of registration, at the branch and in the week of an improbable batch of "
                                 "18-22-year-olds",
        "reason.BATCH_SIBLING": "two improbable batches of 18-22-year-old representatives from two prefectures "
                                "of one province elsewhere, accounts opened at the same branch within a few days "
                                "of each other: one recruiter's event",
        "reason.BATCH_TWO_BRANCHES": "two improbable batches of 18-22-year-old representatives from one prefecture "
                                     "of another province, accounts opened at two branches in one city within a few "
                                     "days of each other, each batch the other's only match there (or the one it "
                                     "shares a phone, agent, room or person with), with no sign of two recruiters "
                                     "(each batch's own agent or representative of several openings, none in "
                                     "common): one recruiter's event at two branches",
        "reason.SIMILAR_ADDRESS": "near-identical address text the parser could not key to a room",
        "reason.SAME_HOMETOWN": "representatives under 30 from one county elsewhere, registering within days",
        "reason.BATCH_HOME_REGION": "18-22-year-old representatives from one prefecture of another province, "
                                    "accounts within days of registration, registering within a week "
                                    "(counts less when the prefecture sends many)",
        "reason.SAME_BRANCH_DAYS": "accounts opened at the same branch within a few days (fewer at a busy branch, "
                                   "unless the two also share a building, a scope text or a number block)",
        "reason.SAME_SCOPE": "word-for-word business scope",
        "reason.SIMILAR_PHONE": "mobiles differing in the last two digits",
        "reason.PHONE_BLOCK": "mobiles differing in the last two digits, taken up within one year, in a number "
                              "block holding more such mobiles than the numbers its range took up in that year "
                              "explain by chance",
        "reason.NEIGHBOUR_ROOM": "rooms on one floor or the next in one building (a few floors apart when both are "
                                 "marked as hosted one way, any floor under one named host), each filled with new "
                                 "companies within one season (a hosted address that outgrew its room)",
        "reason.SAME_BUILDING": "same building (counts less in big buildings)",
        "risk.bias": "baseline",
        "risk.fast_open_7d": "{pct} of companies opened an account within 7 days of registration",
        "risk.fast_open_30d": "{pct} opened an account within 30 days of registration",
        "risk.rep_young": "{pct} have legal representatives aged 18-22 at registration",
        "risk.rep_under_30": "{pct} have legal representatives aged 23-29",
        "risk.long_intake": "the members registered over {value} days (80% of them): intake over more than a year "
                            "and a half is no batch, and their profile counts less, nothing past two years",
        "risk.rep_over_40": "{pct} have legal representatives aged 40 or over (offsetting at most what the "
                            "members' profile adds, not the cluster's shape)",
        "risk.rep_nonlocal": "{pct} have representatives from another province",
        "risk.capital_tiny": "{pct} registered with capital of 100,000 CNY or less",
        "risk.phone_virtual": "{pct} use virtual-operator (170/171/162/165/167) numbers",
        "risk.cluster_address": "{pct} registered at a cluster/workstation address",
        "risk.multi_bank": "{pct} opened accounts at two or more banks",
        "risk.rep_is_agent": "{pct} have a representative who opens accounts for other companies",
        "risk.reg_burst": "registrations bunched within {value} days",
        "risk.open_burst": "account openings bunched within {value} days",
        "risk.nominee": "one person is legal representative of {value} member companies within 180 days",
        "risk.controller": "one mobile, landline or account-opening agent serves {value} member companies "
                           "with different representatives (a landline: and different trade names) within 180 days",
        "risk.concentration": "{value} member companies with different trade names on one person, phone or room "
                              "(or on rooms of one floor that each hold several of them) that carries (almost) "
                              "no other company (a room: none registered within two years of them), registered "
                              "within a year (a room: 90 days, or 180 when the room "
                              "took no other company for 180 days either side, rooms of one floor 180), "
                              "counting less up to half as long again",
        "risk.many_kinds": "{value} independent kinds of shared evidence tie members registered within nine "
                           "months (counting less up to half as long again)",
        "risk.rep_mass": "one person is legal representative of {value} member companies with different trade "
                         "names within a year (counting less up to half as long again)",
        "risk.own_template": "{value} member companies with different trade names registered with one "
                             "word-for-word business scope that (almost) no other company in their prefectures "
                             "uses, within a year (counting less up to half as long again)",
        "risk.lone_line": "{value} member companies, each with its own trade name and representative, share "
                          "nothing but one phone number that (almost) no other company gives, registered about one "
                          "every two months or faster and within a year and a half (counting less down to one every "
                          "three, or nine months more)",
        "risk.room_intake": "the one room they share holds {value} companies, the size of a cluster-registration "
                            "address, and they share nothing else there: an incubator's intake of one season looks "
                            "the same",
        "risk.opened_by_agent": "{pct} had their account opened by someone other than the representative",
        "risk.corroborated": "{pct} of links rest on two or more independent kinds of evidence",
        "risk.template_scope": "{pct} share word-for-word business-scope text",
        "risk.shared_brand": "{pct} share a trade name, as a group's subsidiaries do",
        "risk.pair_only": "only two companies: a pair is weak evidence of a ring",
        "verdict.confirmed_ring": "confirmed ring by {by} on {on}; {added} companies added since",
        "verdict.false_positive": "marked false positive by {by} on {on}",
        "verdict.legitimate_group": "marked legitimate group by {by} on {on}",
        "verdict.needs_review": "marked needs review by {by} on {on}",
        "verdict.false_link": "marked false link by {by} on {on}",
        "verdict.valid_link": "marked valid link by {by} on {on}",
        "verdict.reraised": "; {added} companies added since, risk {risk} - re-raised",
        "verdict.kept_unflagged_grown": "; {added} companies added since, risk {risk} below the flag threshold"
                                        " - kept unflagged",
        "verdict.kept_unflagged": "; no companies added since - kept unflagged",
        "verdict.kept_unflagged_outside_window": "; {added} companies added since, risk {risk} but no account opened"
                                                 " in the audit window - kept unflagged",
    },
    "zh": {
        "reason.SAME_REP": "同一身份证号担任两家企业的法定代表人",
        "reason.REP_IS_AGENT": "一家企业的法定代表人为另一家企业办理开户",
        "reason.SAME_AGENT": "同一经办人（非法定代表人）为两家企业办理开户",
        "reason.SAME_PHONE": "同一联系电话（登记电话、银行预留电话或经办人电话）",
        "reason.SAME_ROOM": "注册地址为同一房间",
        "reason.SAME_CONTACT_ADDRESS": "银行预留联系地址为同一房间",
        "reason.REP_ID_TYPO": "法定代表人姓名相同，身份证号仅差一处",
        "reason.BATCH_PROFILE": "法定代表人18至22岁，成立后数日内开户，且一周内在同一网点开户",
        "reason.BATCH_COHORT": "18至22岁的法定代表人来自外省同一地市，成立后数日内于一周内在同一网点开户，"
                               "人数远超该网点开户量与该地市在本地所占比例的偶然预期",
        "reason.BATCH_JOINED": "在异常批量开户前后一周内于另一网点开户，特征相同（18至22岁、来自外省同一地市的"
                               "法定代表人，成立后数日内开户），该网点与批量开户网点同城（同一区县的批量不限城市），"
                               "按基准比例该网点出现如此多此类开户的概率很低，且无两名招募者的迹象（双方各有代办多户的"
                               "经办人或法定代表人而互不相同）",
        "reason.BATCH_PROVINCE": "18至22岁的法定代表人来自外省同一省份（其中数个地市），成立后数日内于一周内在同一"
                                 "网点开户，人数远超该网点开户量与该省在本地所占比例的偶然预期，或成群出现在同省"
                                 "异常批量开户的同一网点与时间",
        "reason.BATCH_NEAR_AGE": "23至25岁的法定代表人来自外省同一地方，成立后数日内开户，开户网点与时间同一批"
                                 "18至22岁代表人的异常批量开户一致",
        "reason.BATCH_SIBLING": "两批异常批量开户的18至22岁法定代表人分别来自外省同一省份的两个地市，"
                                "在同一网点数日内先后开户：同一招募者的一次集中开户",
        "reason.BATCH_TWO_BRANCHES": "两批异常批量开户的18至22岁法定代表人来自外省同一地市，在同城两个网点数日内"
                                     "先后开户，且彼此是对方在当地唯一的对应批次（或与之共用电话、代理人、房间或人员），"
                                     "无两名招募者的迹象（两批各有代办多户的经办人或法定代表人而互不相同）："
                                     "同一招募者在两个网点的一次集中开户",
        "reason.SIMILAR_ADDRESS": "地址文字几乎相同，但无法解析到同一房间",
        "reason.SAME_HOMETOWN": "30岁以下的法定代表人来自外地同一县，注册时间相近",
        "reason.BATCH_HOME_REGION": "18至22岁的法定代表人来自外省同一地市，成立后数日内开户，注册时间相差一周以内"
                                    "（同地市人数越多权重越低）",
        "reason.SAME_BRANCH_DAYS": "数日内在同一网点开户（业务繁忙的网点天数更少，"
                                   "除非两家企业还同楼、经营范围相同或手机号同号段）",
        "reason.SAME_SCOPE": "经营范围逐字相同",
        "reason.SIMILAR_PHONE": "手机号仅末两位不同",
        "reason.PHONE_BLOCK": "手机号仅末两位不同且在同一年内启用，同一号段内此类号码之多，"
                               "远超该号段同年启用号码密度的偶然预期",
        "reason.NEIGHBOUR_ROOM": "同一栋楼内同层或相邻楼层的房间（托管标注方式相同时可相隔数层，同一托管方名下则不限"
                                 "楼层），各自在同一季度内集中注册了多家新企业（托管地址住满后扩至邻近房间）",
        "reason.SAME_BUILDING": "同一栋楼（大楼内权重降低）",
        "risk.bias": "基准",
        "risk.fast_open_7d": "{pct}的企业在成立后7天内开户",
        "risk.fast_open_30d": "{pct}的企业在成立后30天内开户",
        "risk.rep_young": "{pct}的法定代表人注册时年龄为18至22岁",
        "risk.rep_under_30": "{pct}的法定代表人年龄为23至29岁",
        "risk.long_intake": "成员企业（80%）的登记跨越{value}天：一年半以上陆续登记并非同一批次，"
                            "成员画像的权重随之降低，超过两年不再计入",
        "risk.rep_over_40": "{pct}的法定代表人年龄在40岁及以上（至多抵消成员特征带来的风险，不抵消团伙结构）",
        "risk.rep_nonlocal": "{pct}的法定代表人来自外省",
        "risk.capital_tiny": "{pct}的企业注册资本在10万元及以下",
        "risk.phone_virtual": "{pct}使用虚拟运营商号码（170/171/162/165/167）",
        "risk.cluster_address": "{pct}注册在集群注册地址或工位地址",
        "risk.multi_bank": "{pct}在两家及以上银行开户",
        "risk.rep_is_agent": "{pct}的法定代表人为其他企业办理开户",
        "risk.reg_burst": "注册集中在{value}天内",
        "risk.open_burst": "开户集中在{value}天内",
        "risk.nominee": "同一人在180天内担任{value}家成员企业的法定代表人",
        "risk.controller": "同一手机号、固定电话或开户经办人在180天内服务{value}家法定代表人不同"
                           "（固定电话还须字号不同）的成员企业",
        "risk.concentration": "{value}家字号各不相同的成员企业登记在同一人、同一电话或同一房间"
                              "（或同一楼层上各有多家成员企业的几个房间）名下，"
                              "该人、电话或房间几乎不涉及其他企业（房间：前后两年内几乎无其他企业登记），且均在一年内（同一房间为90天内；"
                              "该房间前后180天内无其他企业登记时为180天内；同层几个房间合计为180天内）登记"
                              "（跨度再长一半以内时逐步减弱）",
        "risk.many_kinds": "{value}种相互独立的共享证据关联着九个月内登记的成员企业（跨度再长一半以内时逐步减弱）",
        "risk.rep_mass": "同一人在一年内担任{value}家字号各不相同的成员企业的法定代表人（跨度再长一半以内时逐步减弱）",
        "risk.own_template": "{value}家字号各不相同的成员企业在一年内以逐字相同、且在其所在地市几乎无其他企业"
                             "使用的经营范围登记（跨度再长一半以内时逐步减弱）",
        "risk.lone_line": "{value}家成员企业字号与法定代表人各不相同，"
                          "除一个几乎无其他企业使用的电话号码外别无共同之处，"
                          "且约每两个月或更快就登记一家、并在一年半内登记完毕"
                          "（慢至每三个月一家或跨度再长九个月以内时逐步减弱）",
        "risk.opened_by_agent": "{pct}的账户由法定代表人以外的人办理开户",
        "risk.corroborated": "{pct}的关联有两种及以上相互独立的证据",
        "risk.template_scope": "{pct}的经营范围逐字相同",
        "risk.room_intake": "成员共用的唯一房间共登记{value}家企业，达到集群注册地址的规模，且除此之外别无共同点："
                            "孵化器一季度的入驻企业也是如此",
        "risk.shared_brand": "{pct}共用字号，符合集团子公司的特征",
        "risk.pair_only": "仅两家企业：两家企业的关联不足以认定团伙",
        "verdict.confirmed_ring": "已由{by}于{on}确认为团伙；此后新增{added}家企业",
        "verdict.false_positive": "已由{by}于{on}标记为误报",
        "verdict.legitimate_group": "已由{by}于{on}标记为正常企业集团",
        "verdict.needs_review": "已由{by}于{on}标记为待复核",
        "verdict.false_link": "已由{by}于{on}标记为错误关联",
        "verdict.valid_link": "已由{by}于{on}标记为有效关联",
        "verdict.reraised": "；此后新增{added}家企业，风险分{risk}，重新预警",
        "verdict.kept_unflagged_grown": "；此后新增{added}家企业，风险分{risk}低于预警线，维持不预警",
        "verdict.kept_unflagged": "；此后无新增企业，维持不预警",
        "verdict.kept_unflagged_outside_window": "；此后新增{added}家企业，风险分{risk}，"
                                                 "但审计期内无新开户，维持不预警",
    },
}
for _language, _page_sentences in PAGE_SENTENCES.items():  # one lookup for rules and page words (wording.py)
    SENTENCES.setdefault(_language, {}).update(_page_sentences)
LANGUAGES = tuple(SENTENCES)


def sentence(key: str, language: str = "en") -> str:
    """The sentence for a rule key in a language (the key itself is an error, never a silent fallback)."""
    try:
        return SENTENCES[language][key]
    except KeyError:
        raise RuleRegistryError(f"no {language!r} sentence for {key!r} in the rule registry") from None


def link_reason(code: str) -> LinkReason:
    for reason in LINK_REASONS:
        if reason.code == code:
            return reason
    raise RuleRegistryError(f"unknown link reason {code!r}")


def risk_term(code: str) -> RiskTerm:
    for term in RISK_TERMS:
        if term.code == code:
            return term
    raise RuleRegistryError(f"unknown risk term {code!r}")


def verdict_kinds(target: str) -> tuple[str, ...]:
    return tuple(kind.code for kind in VERDICT_KINDS if kind.target == target)


def where_and_when_families() -> list[str]:
    """Families that say only where and when (a branch, a hometown), in registry order."""
    families: list[str] = []
    for reason in LINK_REASONS:
        if reason.where_and_when and reason.family not in families:
            families.append(reason.family)
    return families


def validate_registry() -> None:
    """Every rule is complete: unique codes, a sentence in every language, a family's reasons agree."""
    for kind, codes in (("link reason", [r.code for r in LINK_REASONS]), ("risk term", [t.code for t in RISK_TERMS]),
                        ("verdict kind", [v.code for v in VERDICT_KINDS])):
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise RuleRegistryError(f"{kind} declared twice: {', '.join(repeated)}")
    keys = ([f"reason.{r.code}" for r in LINK_REASONS] + [f"short.{r.code}" for r in LINK_REASONS]
            + [f"risk.{t.code}" for t in RISK_TERMS]
            + [f"verdict.{v.code}" for v in VERDICT_KINDS])
    keys += sorted({k for sentences in SENTENCES.values() for k in sentences if k not in keys})
    for language, sentences in SENTENCES.items():
        missing = [k for k in keys if k not in sentences]
        if missing:
            raise RuleRegistryError(f"the rule registry has no {language!r} sentence for {', '.join(missing)}")
    for reason in LINK_REASONS:
        if reason.scaled_by not in (None, "landline", "rarity", "season"):
            raise RuleRegistryError(f"{reason.code}: unknown weight scaling {reason.scaled_by!r}")
        if reason.weight is None or not reason.weight > 0:
            raise RuleRegistryError(f"link reason {reason.code} has no weight")
    baseline = -risk_term("bias").weight
    for term in RISK_TERMS:
        if term.shape and not term.weight > baseline:
            raise RuleRegistryError(f"risk term {term.code} is the cluster's shape, so at full it must flag a cluster "
                                    f"on its own: its weight {term.weight} does not outweigh the baseline {baseline}")
        if term.offsets_profile_only and not term.weight < 0:
            raise RuleRegistryError(f"risk term {term.code} offsets the profile only, so it must be a mitigation "
                                    "(a negative weight)")
