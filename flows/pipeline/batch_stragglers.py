"""A student batch's profile-only stragglers join its cluster, decided at the cluster stage: by where its
accounts were opened, and by where its companies were registered.

A recruiter's student batch is a group of fresh companies whose 18-22-year-old representatives come from one
province elsewhere, opening their accounts at one or two branches within days of each other (issue 12 point 4,
DOMAIN.md §0-2). Only some of its members share a phone, an agent or an address with the dealer; the rest share
only that profile and timing. The batch rules (sql/linking/batch_evidence.sql) tie the members whose cell is
improbable by itself; a member alone at the batch's branch from another prefecture of its province, or just past
student age, is no improbable cell and stays a single. Judged pair by pair beside a batch, such an opening was as
often another ring's member or an ordinary company as the batch's (bench/RESULTS-detection.md, s11-batch-flow,
"Tried and dropped"). Here more is known: the batch is a cluster already, with its own profile.

A company or pair left outside every cluster (a piece under `min_size`) joins a batch cluster when

- the cluster is a batch: the batch rules tie at least `batch_share` of its members (`batch_pairs`);
- the piece has the batch's profile: a representative aged batch_min_age to batch_member_max_age from the
  province most of the batch's members come from, and a registered capital no larger than the largest of the
  batch's members (a batch is fronts registered alike at the minimum; an ordinary young founder from the same
  province puts in what his trade needs);
- it opened where and when the batch opened: within `days` of a batch member's opening at one of the batch's
  branches, and a scored pair with that member says so (a branch-family pair: the analyst reads it on the
  member's links);
- chance rarely explains it: of the province's young openings outside any batch, the branch holds so many in
  those days (`days` either side) that the Poisson chance of it is at most `max_chance`, expecting the larger of
  the branch's fresh openings then times the province's share of the region's (`season_days` either side, the
  piece itself left out of the share) and the branch's own usual flow of them over the season around (those days
  left out) - a campus branch with a steady flow of young graduates from the province expects them however rare
  the province is in the region, a quiet branch does not;
- exactly one batch cluster qualifies (two batches of one province at one branch: it is for neither to claim).

`max_chance` (Settings.batch_straggler_chance) is stricter than a stray group's bar (batch_stray_chance): a single
is judged alone. Counted on the kept 1,000,000-company runs before building (bench/RESULTS-detection.md,
s12-student): at 0.05 the hard demo's tight one-county batches would take in 11 ordinary companies and 12 other
rings' members for 10 of their own; at 0.01, 2 and 3 for 3, while the wider variety batches keep most of the gain.

A piece already in a cluster of `min_size` or more never moves: another ring's members sit in their own cluster.

The second rule (`attach_registration_stragglers`) asks the same of the other end of a batch, where its companies
were registered rather than where their accounts were opened. A recruiter registers his batch's companies together,
himself or through one agent, at the registration authority where he has addresses (DOMAIN.md §2 flags 12 and 15:
the authority is USCC digits 3-8, and a batch formation is firms of one agent registered together), and his
students come from a few schools or towns (flag 5: the ID county, digits 1-6). Their accounts may then be opened at
a third or fourth branch, out of the first rule's reach (issue 12 point 4: "the same one or two branches", but a
recruiter spreads a big batch). A piece joins a batch cluster when

- it registered at the registration authority of one of the batch's members, within `days` of that member, and
  opened an account within fresh_days of registering (at whatever branch);
- its representative, aged batch_min_age to batch_member_max_age, comes from that member's county (one county, a
  school or a town: a big region registers the young of a province, even of a prefecture, every day; on the kept
  1,000,000-company runs, counted before building, the prefecture in place of the county took in 82 of the batch's
  own and 19 other rings' members at hard + variety, 6 and 1 at hard, against 107 and 19, 16 and 1; the city in
  place of the authority 60 and 15 at hard + variety), and its capital is no larger than the batch's largest;
- a scored hometown-family pair with that member says so (SAME_HOMETOWN or BATCH_HOME_REGION, read on the member's
  links);
- chance rarely explains it, by the first rule's test with the authority for the branch, the registration day for
  the opening day and the county for the province: the authority's fresh registrations in those days times the
  county's share of the region's, or the authority's own usual flow of the county's young (a university district),
  whichever is larger, both counted locally, so the expected count follows the authority's volume, not the
  region's size; at most `max_chance` (the same Settings.batch_straggler_chance);
- exactly one batch cluster qualifies.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
from scipy.stats import poisson

from shellring.flows.core.sqlsteps import fetch_frame, load_query


def fresh_openings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """company_id, branch, day, profiled, province, capital per fresh opening (sql/queries/fresh_openings.sql)."""
    return fetch_frame(con, load_query("queries/fresh_openings").sql)


def fresh_registrations(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """company_id, authority, day, profiled, county, capital per company that opened an account fresh
    (sql/queries/fresh_registrations.sql)."""
    return fetch_frame(con, load_query("queries/fresh_registrations").sql)


def batch_pairs(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """The two companies of every pair the batch rules tied (sql/queries/batch_pairs.sql)."""
    frame = fetch_frame(con, load_query("queries/batch_pairs").sql)
    return frame["company_a"].to_numpy().astype(np.int64), frame["company_b"].to_numpy().astype(np.int64)


def batch_clusters(labels: np.ndarray, batch_a: np.ndarray, batch_b: np.ndarray, min_size: int,
                   batch_share: float) -> np.ndarray:
    """Per label: a cluster of `min_size` or more at least `batch_share` of whose members the batch rules tie
    to another member."""
    sizes = np.bincount(labels)
    inside = (labels[batch_a] == labels[batch_b]) & (sizes[labels[batch_a]] >= min_size)
    members = np.unique(np.concatenate([batch_a[inside], batch_b[inside]]))
    tied = np.bincount(labels[members], minlength=len(sizes))
    return (sizes >= min_size) & (tied >= batch_share * sizes) & (tied > 0)


def _window_counts(keys: np.ndarray, days: np.ndarray, at_keys: np.ndarray, at_days: np.ndarray,
                   width: int) -> np.ndarray:
    """For each (at_key, at_day): how many (key, day) have that key and a day within `width` of it."""
    span = 4 * (width + 1)
    # one sortable number per (key, day): days are shifted to be non-negative and kept apart by key
    origin = min(days.min(initial=0), at_days.min(initial=0)) - width
    stride = max(days.max(initial=0), at_days.max(initial=0)) - origin + span
    packed = np.sort(keys * stride + (days - origin))
    at = at_keys * stride + (at_days - origin)
    return np.searchsorted(packed, at + width, side="right") - np.searchsorted(packed, at - width, side="left")


def _codes(*columns: pl.Series) -> list[np.ndarray]:
    """Dense integer codes of values, one code per distinct value across all the given columns."""
    values = pl.concat([c.cast(pl.Utf8).fill_null("") for c in columns])
    _, inverse = np.unique(values.to_numpy().astype(str), return_inverse=True)
    out, start = [], 0
    for c in columns:
        out.append(inverse[start:start + len(c)].astype(np.int64))
        start += len(c)
    return out


def attach_batch_stragglers(labels: np.ndarray, a: np.ndarray, b: np.ndarray, families: np.ndarray,
                            branch_bits: int, batch_a: np.ndarray, batch_b: np.ndarray, openings: pl.DataFrame,
                            min_size: int, batch_share: float, days: int, season_days: int,
                            max_chance: float) -> np.ndarray:
    """Labels after each piece with a batch cluster's profile, opened where and when it opened beyond chance,
    joined that one batch cluster (see the module's docstring)."""
    frame = openings.rename({"branch": "place", "province": "origin"})
    return _attach(labels, a, b, families, branch_bits, batch_a, batch_b, frame, min_size, batch_share, days,
                   season_days, max_chance, by_member_origin=False)


def attach_registration_stragglers(labels: np.ndarray, a: np.ndarray, b: np.ndarray, families: np.ndarray,
                                   hometown_bits: int, batch_a: np.ndarray, batch_b: np.ndarray,
                                   registrations: pl.DataFrame, min_size: int, batch_share: float, days: int,
                                   season_days: int, max_chance: float) -> np.ndarray:
    """Labels after each piece registered with a batch cluster's member beyond chance (the same county, the same
    registration authority, within `days`) joined that one batch cluster, at whatever branch it opened.

    `registrations` (sql/queries/fresh_registrations.sql): company_id, authority, day (of registering), profiled,
    county, capital. The test is the branch rule's (`attach_batch_stragglers`) with the registration authority for
    the branch, the registration day for the opening day and the representative's county for the province, the
    county a member of the batch comes from (a batch draws on a few schools or towns); the analyst reads the pair on
    the member's hometown links (`hometown_bits`)."""
    frame = registrations.rename({"authority": "place", "county": "origin"})
    return _attach(labels, a, b, families, hometown_bits, batch_a, batch_b, frame, min_size, batch_share, days,
                   season_days, max_chance, by_member_origin=True)


def _attach(labels: np.ndarray, a: np.ndarray, b: np.ndarray, families: np.ndarray, pair_bits: int,
            batch_a: np.ndarray, batch_b: np.ndarray, events: pl.DataFrame, min_size: int, batch_share: float,
            days: int, season_days: int, max_chance: float, by_member_origin: bool) -> np.ndarray:
    """The straggler test over `events` (company_id, place, day, profiled, origin, capital): a piece with a
    batch's profile, at a member's place within `days` of the member's day, beyond chance there, joins that one
    batch. The origin is the batch's (the one most of its members have) or, `by_member_origin`, the member's."""
    from shellring.flows.pipeline.components import join_sole_targets

    if events.is_empty() or not len(batch_a):
        return labels
    sizes = np.bincount(labels)
    is_batch = batch_clusters(labels, batch_a, batch_b, min_size, batch_share)
    if not is_batch.any():
        return labels
    company = events["company_id"].to_numpy().astype(np.int64)
    ops = events.with_columns(label=pl.Series(labels[company]), in_batch=pl.Series(is_batch[labels[company]]))
    members = ops.filter(pl.col("in_batch"))
    capital = members.group_by(pl.col("label").alias("target")).agg(pl.col("capital").max().alias("batch_capital"))
    profile = (
        members.filter(pl.col("profiled")).group_by("label", "origin").len()
        .sort(["label", "len", "origin"], descending=[False, True, False])
        .unique("label", keep="first").select(pl.col("label").alias("target"), "origin")
        .join(capital, on="target")
    )
    # the pieces' scored pairs of the channel's family with a batch cluster's members
    la, lb = labels[a], labels[b]
    piece_side = np.where(sizes[la] < min_size, 0, np.where(sizes[lb] < min_size, 1, -1))
    target = np.where(piece_side == 0, lb, la)
    usable = (piece_side >= 0) & ((families & pair_bits) != 0) & is_batch[np.where(piece_side >= 0, target, 0)]
    if not usable.any():
        return labels
    pairs = pl.DataFrame({
        "company_id": np.where(piece_side == 0, a, b)[usable].astype(np.int32),
        "member": np.where(piece_side == 0, b, a)[usable].astype(np.int32),
        "target": target[usable],
    })
    pieces = pairs.join(ops.filter(~pl.col("in_batch") & pl.col("profiled")).select("company_id", "place", "day",
                                                                                   "origin", "capital"),
                        on="company_id")
    met = members.select(pl.col("company_id").alias("member"), "place", pl.col("day").alias("member_day"),
                         pl.col("origin").alias("member_origin"), pl.col("profiled").alias("member_profiled"))
    if by_member_origin:
        pieces = pieces.join(capital, on="target")
        met = met.filter(pl.col("member_profiled"))
    else:
        pieces = pieces.join(profile, on=["target", "origin"])
    candidates = (
        pieces.filter(pl.col("capital") <= pl.col("batch_capital"))
        .join(met, on=["member", "place"])
        .filter((pl.col("day") - pl.col("member_day")).abs() <= days)
        .filter(pl.col("origin") == pl.col("member_origin") if by_member_origin else pl.lit(True))
        .unique(["company_id", "target", "place", "day"])
    )
    if candidates.is_empty():
        return labels
    background = ops.filter(~pl.col("in_batch"))
    profiled = background.filter(pl.col("profiled"))
    b_place, c_place = _codes(background["place"], candidates["place"])
    p_place, p_origin, c_place2, c_origin = _codes(profiled["place"], profiled["origin"], candidates["place"],
                                                   candidates["origin"])
    n_origin_codes = int(max(p_origin.max(initial=0), c_origin.max(initial=0))) + 1
    c_day = candidates["day"].to_numpy()
    n_place = _window_counts(b_place, background["day"].to_numpy(), c_place, c_day, days)
    seen = _window_counts(p_place * n_origin_codes + p_origin, profiled["day"].to_numpy(),
                          c_place2 * n_origin_codes + c_origin, c_day, days)
    n_origin = _window_counts(p_origin, profiled["day"].to_numpy(), c_origin, c_day, season_days)
    n_season = _window_counts(np.zeros(background.height, dtype=np.int64), background["day"].to_numpy(),
                              np.zeros(len(c_day), dtype=np.int64), c_day, season_days)
    # the place's own usual flow of the origin's young (the season around, its days left out): a campus branch
    # expects its graduates however rare the province is in the region
    usual = _window_counts(p_place * n_origin_codes + p_origin, profiled["day"].to_numpy(),
                           c_place2 * n_origin_codes + c_origin, c_day, season_days) - seen
    expected = np.maximum(n_place * (n_origin - seen + 1) / np.maximum(n_season - seen + 1, 1),
                          usual * (2 * days + 1) / max(2 * (season_days - days), 1))
    chance = np.where(expected >= seen, 1.0, poisson.sf(seen - 1, expected))
    passed = candidates.with_columns(chance=pl.Series(chance)).filter(pl.col("chance") <= max_chance)
    pieces = passed.with_columns(piece=pl.Series(labels[passed["company_id"].to_numpy().astype(np.int64)]))
    return join_sole_targets(labels, pieces, "piece")
