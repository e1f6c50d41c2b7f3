"""A value nobody outside a cluster carries is its own: a leftover carrying it joins, two halves holding it merge.

The evidence rules judge a pair by what its value is worth against everyone's: a landline counts for less because
switchboards and agencies share landlines, a scope text for half a link because templates circulate. A careful
operator's fronts can so end up in pieces: a dealer's landline on seven new companies, registered over more than a
season, ties each pair at 0.6 of a link; a scope text that two fronts left out of the cluster share with three of
its members ties each pair at half. What the pair rules cannot see is where the value's other carriers are. When
every company in the region that carries the value, but the leftover, sits in one cluster - at least `min_members`
of them - the value is that cluster's own: nobody outside it uses it, so the leftover using it is one of its
fronts, not a neighbour (a neighbour's chance match on a rare value is with one company, and a common value is
carried outside the cluster too). The value must be on a good share of the cluster's members as well
(`min_share`, the template share of attach_leftovers): a text two members of a fifty-company farm happen to share
with a bystander is their coincidence, not the farm's template - in a small region many texts are rare enough to
look exclusive. A group's switchboard or an agency's template is its own group's or clients'
value in the same way: it gathers them into their cluster, which is then scored on what it shows (a shared trade
name, registrations over years), not flagged for having gathered.

Which values: exact ones an operator writes and can keep to his fronts - a person, a phone, a word-for-word scope
(sql/queries/own_value_carriers.sql). Not a room, which changes tenants over the years; not a near value (a similar
number, the same building) or where and when (a branch, a hometown), which bystanders share by chance.

Only pieces under `min_size` join, each with its one cluster (a piece the values tie to two clusters stays out), so a
leftover never bridges two clusters. Two clusters that between them hold every carrier of such a value, each with
`min_members` and `min_share` of its own members on it, are the two halves of one hand's fronts (a dealer's line on
seven companies registered over a year and a half, cut 4 + 3 because a line of that age counts at 0.6): they merge,
each only with its strongest such partner (merge_own_value_clusters).

Pieces too small for those rules - single companies and pairs - that between them hold every carrier of such a value,
three or more registered within one season, merge (merge_own_value_pieces, before the leftovers join). In a big
region a careful ring's pairs say little one by one: its building is crowded, its branch busy, its template half a
link a pair, so it falls apart into singles and pairs (on the hard demo 66 of 123 weak-links rings split at
1,000,000 companies had no piece of three, against 7 of 16 at 200,000). What its fronts alone carry does not thin
out with the region: a text nobody else wrote in the season. The season keeps a template that circulates over the
years (an agency's, a franchise's) out; three carriers keep a pair's coincidence out; and each piece must share a
second kind of evidence with another (a building, a branch, a number block), since in a small region three
unrelated companies can write one rare text in a season (hard 20k s11 without it: 18 such groups, all legitimate).

Two clusters each fronted by one nominee that are the only two holding such a value, all its carriers registered
within two seasons, merge (merge_fronted_on_own_values): the recruiter behind two nominees writes both halves' filings,
and a text or number nobody else in the region used while he registered them is his trace (on the hard demo at
1,000,000 companies 45 of the 195 split nominee rings share one, and every pair of nominee-fronted clusters sharing one
within a season is one ring's two halves). A group's subsidiaries also reuse a representative; they came over years.
So a half must be fronted at a nominee's pace (paced_fronts): one person legal representative of three of its
members registered within one season (DOMAIN.md flag 3, "three new firms in 180 days"), however long the whole ring
took - a careful operator spreads his fronts over a year or more and a nominee fronts a few of them in any season,
while a group's executive signs for a subsidiary now and then over years (hard + variety 20k s7 with no bound: a
nominee ring merged with a group on a text one member and two subsidiaries happened to share). His fronts must also be
at least half of the cluster (`nominee_half_share`): hard 20k s7 without it merged a nominee's five fronts that sat
among twelve subsidiaries of a group with his other half (look-alike false alarms 0 -> 0.0057). Until session 14 the
bound was the half's whole span (two seasons), which kept apart the halves of the careful rings this rule is for
(hard 1M: 10 split sophisticated two-nominee rings whose halves alone carry a text, each half registered over
364-603 days). The value's carriers are held to two seasons, not to one: a careful operator spreads his fronts over
the better part of a year, and his text with them (hard 1M: 12 of the 26 sophisticated two-nominee rings whose
halves share their text stayed split, its carriers 181-360 days apart). Between two halves at a nominee's pace the
carriers need no bound: the bound keeps out a text that circulates over the years, and one that nobody in the region
but the two halves wrote does not circulate (hard 1M: two more rings, their text's carriers 393 and 413 days apart;
no merge of two rings or of a look-alike on any kept run).

A leftover likewise joins a cluster on a value all carriers took up within one season when the cluster holds at
least as many of them as the leftovers do, whatever its share of the cluster: an agent's fronts that went to the
bank in person share only the ring's text with the few members that carry it.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from shellring.flows.core.sqlsteps import fetch_frame, load_query

# how many days apart the first and the last company of a group registered
_SPAN = (pl.col("day").max() - pl.col("day").min()).alias("span")


def own_value_carriers(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value key, company id, whether the value is a scope text) per carrier of each exact value that is no hub
    (sql/queries/own_value_carriers.sql)."""
    frame = fetch_frame(con, load_query("queries/own_value_carriers").sql)
    return (frame["value_key"].to_numpy(), frame["company_id"].to_numpy().astype(np.int64),
            frame["is_scope"].to_numpy().astype(bool))


def attach_own_values(labels: np.ndarray, value_key: np.ndarray, company: np.ndarray, min_size: int,
                      min_members: int, min_share: float, reg_day: np.ndarray | None = None,
                      season_days: int = 0) -> np.ndarray:
    """Labels after each piece (cluster under `min_size`) joined the one cluster of `min_size` or more holding every
    other carrier - at least `min_members` of its members, and `min_share` of them - of a value one of its companies
    carries. Given `reg_day`, a value whose carriers all registered within `season_days` of each other needs no
    share, only as many carriers in the cluster as outside it."""
    from shellring.flows.pipeline.components import join_sole_targets

    if not min_members or not len(company):
        return labels
    sizes = np.bincount(labels)
    label = labels[company]
    day = reg_day[company] if reg_day is not None else np.zeros(len(company), dtype=np.int64)
    carriers = pl.DataFrame({"value": value_key, "label": label, "big": sizes[label] >= min_size, "day": day})
    owned = (
        carriers.group_by("value")
        .agg(pl.col("label").filter(pl.col("big")).n_unique().alias("clusters"),
             pl.col("label").filter(pl.col("big")).first().alias("target"),
             pl.col("big").sum().alias("in_cluster"), (~pl.col("big")).sum().alias("outside"),
             _SPAN)
        .filter((pl.col("clusters") == 1) & (pl.col("in_cluster") >= min_members) & (pl.col("outside") > 0))
        .filter((pl.col("in_cluster") >= min_share * pl.col("target").replace_strict(
            np.arange(len(sizes)), sizes, return_dtype=pl.Float64))
            | ((reg_day is not None) & (pl.col("span") <= season_days) & (pl.col("in_cluster") >= pl.col("outside"))))
        .select("value", "target")
    )
    if owned.is_empty():
        return labels
    return join_sole_targets(labels, carriers.filter(~pl.col("big")).join(owned, on="value"), "label")


def merge_own_value_clusters(labels: np.ndarray, value_key: np.ndarray, company: np.ndarray, min_size: int,
                             min_members: int, min_share: float) -> np.ndarray:
    """Labels after two clusters of `min_size` or more that between them hold every carrier of a value - at least
    `min_members` and `min_share` of each one's members - merged; mutual best partners only (by how many such values
    they share), so no chain of clusters forms."""
    from shellring.flows.pipeline.components import _canonical, _merge_mutual_best

    if not min_members or not len(company):
        return labels
    sizes = np.bincount(labels)
    label = labels[company]
    carriers = pl.DataFrame({"value": value_key, "label": label, "big": sizes[label] >= min_size})
    whole = carriers.group_by("value").agg(pl.col("big").all().alias("all_big"))
    per_cluster = (
        carriers.join(whole.filter(pl.col("all_big")), on="value")
        .group_by("value", "label").len()
        .with_columns(size=pl.col("label").replace_strict(np.arange(len(sizes)), sizes, return_dtype=pl.Float64))
        .with_columns(enough=(pl.col("len") >= min_members) & (pl.col("len") >= min_share * pl.col("size")))
    )
    two = (
        per_cluster.group_by("value")
        .agg(pl.len().alias("clusters"), pl.col("enough").all().alias("enough"),
             pl.col("label").min().alias("lo"), pl.col("label").max().alias("hi"))
        .filter((pl.col("clusters") == 2) & pl.col("enough"))
        .group_by("lo", "hi").agg(pl.len().cast(pl.Float64).alias("values"))
    )
    if two.is_empty():
        return labels
    return _canonical(_merge_mutual_best(labels, two, "values"))


def merge_own_value_pieces(labels: np.ndarray, value_key: np.ndarray, company: np.ndarray, reg_day: np.ndarray,
                           min_size: int, season_days: int, a: np.ndarray, b: np.ndarray, families: np.ndarray,
                           value_families: int) -> np.ndarray:
    """Labels after the pieces (clusters under `min_size`, single companies included) that between them hold every
    carrier of a value merged: at least `min_size` carriers in two or more pieces, all registered within
    `season_days` of each other, nobody else in the region carrying it, and each merging piece tied to another of
    them by a second kind of evidence (a pair `a`-`b` whose `families` hold a bit outside `value_families`, the
    families the values themselves give). A piece carrying two such values that tie different pieces stays out,
    and so do the values' other pieces: no chain forms across two hands' values."""
    from shellring.flows.pipeline.components import merge_labels

    if not len(company):
        return labels
    sizes = np.bincount(labels)
    label = labels[company]
    carriers = pl.DataFrame({"value": value_key, "label": label, "small": sizes[label] < min_size,
                             "day": reg_day[company]})
    owned = (
        carriers.group_by("value")
        .agg(pl.col("small").all().alias("all_small"), pl.len().alias("carriers"),
             pl.col("label").n_unique().alias("pieces"), _SPAN)
        .filter(pl.col("all_small") & (pl.col("carriers") >= min_size) & (pl.col("pieces") >= 2)
                & (pl.col("span") <= season_days))
        .select("value")
    )
    if owned.is_empty():
        return labels
    ties = carriers.join(owned, on="value").select("value", "label").unique()
    # the pieces each value ties, as one key: a piece whose values tie different sets of pieces stays out
    piece_sets = ties.group_by("value").agg(pl.col("label").sort().hash().alias("pieces"))
    ties = ties.join(piece_sets, on="value")
    steady = ties.group_by("label").agg((pl.col("pieces").n_unique() == 1).alias("steady"))
    ties = ties.join(steady, on="label").filter(pl.col("steady").all().over("value")).select("value", "label")
    # a second kind of evidence between two pieces of one value: the text or line is not all they share
    tied = np.zeros(len(sizes), dtype=bool)
    tied[ties["label"].to_numpy()] = True
    la, lb = labels[a], labels[b]
    other = tied[la] & tied[lb] & (la != lb) & ((families & ~value_families) != 0)
    edges = pl.DataFrame({"one": la[other], "two": lb[other]})
    edges = pl.concat([edges, edges.select(pl.col("two").alias("one"), pl.col("one").alias("two"))]).unique()
    seconded = (
        ties.join(edges, left_on="label", right_on="one")
        .join(ties.rename({"label": "two"}), on=["value", "two"])
        .select("value", "label").unique()
    )
    joins = seconded.with_columns(first=pl.col("label").min().over("value"), n=pl.len().over("value")).filter(
        pl.col("n") >= 2)
    if joins.is_empty():
        return labels
    return merge_labels(labels, joins["label"].to_numpy(), joins["first"].to_numpy())


def paced_fronts(labels: np.ndarray, rep_company: np.ndarray, rep: np.ndarray, reg_day: np.ndarray,
                 min_companies: int, season_days: int, min_share: float = 0.5) -> np.ndarray:
    """Per cluster label: one person is legal representative of `min_companies` or more of its members registered
    within `season_days` of each other (DOMAIN.md flag 3: three new firms in 180 days), the pace of a nominee's
    fronts whatever the ring's whole span, and of at least `min_share` of its members (the cluster is his fronts,
    not a group's subsidiaries around a few of them); a group's executive signs for a subsidiary now and then over
    years."""
    paced = np.zeros(int(labels.max()) + 1, dtype=bool)
    if not len(rep_company) or min_companies < 1:
        return paced
    sizes = np.bincount(labels)
    step = min_companies - 1
    label = labels[rep_company]
    big = sizes[label] >= min_companies  # only a cluster of min_companies can be fronted
    fronts = (
        pl.DataFrame({"label": label[big], "rep": rep[big], "day": reg_day[rep_company[big]]})
        .sort("label", "rep", "day")
        .with_columns(later=pl.col("day").shift(-step).over("label", "rep"), fronts=pl.len().over("label", "rep"))
        .filter(pl.col("later").is_not_null() & (pl.col("later") - pl.col("day") <= season_days))
    )
    label = fronts["label"].to_numpy()
    paced[label[fronts["fronts"].to_numpy() >= min_share * sizes[label]]] = True
    return paced


def merge_fronted_on_own_values(labels: np.ndarray, value_key: np.ndarray, company: np.ndarray, reg_day: np.ndarray,
                                fronted: np.ndarray, season_days: int, paced: np.ndarray | None = None
                                ) -> np.ndarray:
    """Labels after two clusters each fronted (`fronted`, per label: by one nominee, or by one account-opening agent
    or one batch, as the cluster step decides) and registered within two seasons merged when they are the only two
    holding a value's carriers, all registered within two seasons (2 x `season_days`) of each other; or, both
    fronted at a nominee's pace (`paced`, per label: see paced_fronts; none when not given), when they are the only
    two holding a value, however long they and its carriers took. Mutual best partners only (by how many such values
    they share), so no chain forms."""
    from shellring.flows.pipeline.components import _canonical, _merge_mutual_best

    if not len(company):
        return labels
    # a nominee's fronts come within a season or two, or a few a season; a group's subsidiaries, which reuse their
    # representatives too, one by one over years
    span = (pl.DataFrame({"label": labels, "day": reg_day}).group_by("label")
            .agg(_SPAN))
    seasonal = np.zeros(int(labels.max()) + 1, dtype=bool)
    seasonal[span.filter(pl.col("span") <= 2 * season_days)["label"].to_numpy()] = True
    if paced is None:
        paced = np.zeros_like(seasonal)
    halves = fronted & (seasonal | paced)
    label = labels[company]
    carriers = pl.DataFrame({"value": value_key, "label": label, "fronted": halves[label], "paced": paced[label],
                             "day": reg_day[company]})
    two = (
        carriers.group_by("value")
        .agg(pl.col("label").n_unique().alias("clusters"), pl.col("fronted").all().alias("fronted"),
             pl.col("paced").all().alias("paced"), _SPAN,
             pl.col("label").min().alias("lo"), pl.col("label").max().alias("hi"))
        .filter((pl.col("clusters") == 2) & pl.col("fronted")
                & ((pl.col("span") <= 2 * season_days) | pl.col("paced")))
        .group_by("lo", "hi").agg(pl.len().cast(pl.Float64).alias("values"))
    )
    if two.is_empty():
        return labels
    return _canonical(_merge_mutual_best(labels, two, "values"))
