"""Clusters from company links: connected components, refined so that one weak bridge cannot chain
two groups together.

1. Connected components over links (scipy csgraph, the fastest option measured here, PERF.md §5).
2. Leiden with the Constant Potts Model (igraph) splits a component only where the summed link weight
   between two parts is below `resolution` x |part 1| x |part 2|: two dense groups joined by a few
   links come apart, while a sparse but genuinely connected ring stays whole. Seeded, so the same
   input gives the same clusters.
3. A component still larger than `max_size` is re-cut using only its stronger links, unless most of its member
   pairs are linked (`dense_share`): a chain of groups is what the re-cut is for, and one season's batch in one
   room or on one mobile links every member to every other however big it grows.
4. Two clusters of three or more are merged when the evidence between them, weak pairs included, is
   dense for their sizes (summed pair scores >= `merge_density` x |A| x |B| over at least
   `merge_min_pairs` pairs): one ring fronted by two nominees shows up so, as two groups sharing
   template text, a hometown and a season; two clusters each fronted by a nominee merge on template values
   over two pairs, or on one value only they carry, taken up within two seasons - at any time when each is fronted
   at a nominee's pace (three of its members on one person within a season, half of them; own_values.py).
5. Pieces too small to be clusters merge when they hold every carrier of a season's value (own_values.py). Leftovers
   join a cluster on two kinds of evidence reaching a quarter of its members (not both where and when, unless they
   reach a third; a student batch cluster excepted) or a fresh template (attach_leftovers: a near number counts
   once per number the members share, a building once per room they hold it through), on one
   word-for-word scope text shared with nearly all its members (whole_cluster_ties.py), or on a value that
   nobody outside the cluster carries (own_values.py).
6. A single or pair with a student batch cluster's profile, opened at its branch in its days beyond chance, joins
   that one batch cluster (batch_stragglers.py).
7. A single or pair from a batch member's county, registered at that member's registration authority in its days
   beyond chance, joins that one batch cluster, at whatever branch it opened (batch_stragglers.py).
8. Last, a member whose whole evidence with the other members is one room (one place pair, one member) in a building
   so crowded it links nothing leaves its cluster: a sublet or shared room of a tower, not the cluster's channel
   (place_pendants.py).
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from shellring.flows.core.settings import Settings
from shellring.flows.pipeline.batch_stragglers import (
    attach_batch_stragglers,
    attach_registration_stragglers,
    batch_clusters,
    batch_pairs,
    fresh_openings,
    fresh_registrations,
)
from shellring.flows.pipeline.own_values import (
    attach_own_values,
    merge_fronted_on_own_values,
    merge_own_value_clusters,
    merge_own_value_pieces,
    own_value_carriers,
    paced_fronts,
)
from shellring.flows.pipeline.pair_sums import ordered_sums
from shellring.flows.pipeline.place_pendants import crowded_companies, detach_place_pendants
from shellring.flows.pipeline.whole_cluster_ties import attach_whole_cluster_ties, family_bits

# The families the own values (a person, a phone, a scope text) give their carriers' pairs: a second kind of
# evidence between pieces must be another.
OWN_VALUE_FAMILIES = ("SAME_REP", "SAME_AGENT", "REP_IS_AGENT", "SAME_PHONE", "SAME_SCOPE")

# The reason that says two companies share a building and nothing nearer: attach_leftovers counts the members such a
# pair alone covers once per room.
BUILDING_REASON = "SAME_BUILDING"

# The functions below default to the settings' defaults, so that they are usable (and tested) on their own.
_DEFAULT = Settings()


def component_labels(n_nodes: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Label of the connected component of each node 0..n_nodes-1 (undirected edges a[i]-b[i])."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_nodes, n_nodes)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels


def split_components(
    n_nodes: int, a: np.ndarray, b: np.ndarray, score: np.ndarray, threshold: float, max_size: int,
    step: float = _DEFAULT.recut_step, max_rounds: int = _DEFAULT.recut_max_rounds,
    dense_share: float = _DEFAULT.recut_dense_share,
) -> np.ndarray:
    """Components over edges with score >= threshold; oversized ones re-cut at rising thresholds.

    A component over `max_size` whose links join at least `dense_share` of its member pairs is no chain and
    stays whole (0 = re-cut every oversized component). Edges are distinct pairs.
    Returns a label per node; labels are dense and ordered by the smallest node of each cluster, so
    the same input always gives the same labels.
    """
    keep = score >= threshold
    a, b, score = a[keep], b[keep], score[keep]
    labels = component_labels(n_nodes, a, b)
    for round_no in range(1, max_rounds + 1):
        sizes = np.bincount(labels)
        oversized = sizes > max_size
        if dense_share > 0 and oversized.any():
            inner = labels[a] == labels[b]
            pairs = np.bincount(labels[a][inner], minlength=len(sizes)).astype(np.float64)
            oversized &= pairs < dense_share * sizes * (sizes - 1) / 2
        oversized = oversized[labels]
        if not oversized.any():
            break
        cut = threshold + step * round_no
        inside = oversized[a] & oversized[b] & (labels[a] == labels[b]) & (score >= cut)
        relabel = component_labels(n_nodes, a[inside], b[inside])
        # Nodes outside oversized components keep their label; inside ones take the new one, offset.
        labels = np.where(oversized, relabel + labels.max() + 1, labels)
    return _canonical(labels)


def leiden_refine(n_nodes: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, resolution: float,
                  seed: int = _DEFAULT.cluster_seed) -> np.ndarray:
    """Community label per node (CPM objective, each connected component on its own); isolated nodes get
    their own label."""
    from shellring.flows.pipeline.leiden import leiden_by_component  # it builds on component_labels above

    return _canonical(leiden_by_component(n_nodes, a, b, weight, resolution, seed))


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ... in the order of each cluster's smallest node. Linear: np.unique (hashing
    and sorting millions of labels) was a quarter of the cluster stage at a million companies."""
    n, k = len(labels), int(labels.max()) + 1
    first = np.full(k, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    present = first < n
    is_first = np.zeros(n, dtype=bool)
    is_first[first[present]] = True
    remap = np.zeros(k, dtype=np.int64)
    remap[present] = (np.cumsum(is_first) - 1)[first[present]]
    return remap[labels]


def merge_labels(labels: np.ndarray, one: np.ndarray, two: np.ndarray) -> np.ndarray:
    """Labels after each cluster `one[i]` joined cluster `two[i]` (and whatever those joined), renumbered."""
    merged = component_labels(int(labels.max()) + 1, one, two)
    return _canonical(merged[labels])


def join_sole_targets(labels: np.ndarray, joins: pl.DataFrame, piece: str) -> np.ndarray:
    """Labels after each `piece` of `joins` that names exactly one `target` joined it; a piece claimed by two
    targets stays where it is (which one it belongs to is not for the rule to say)."""
    sole = (
        joins.group_by(piece).agg(pl.col("target").n_unique().alias("targets"), pl.col("target").first())
        .filter(pl.col("targets") == 1)
    )
    if sole.is_empty():
        return labels
    return merge_labels(labels, sole[piece].to_numpy(), sole["target"].to_numpy())


def cluster_labels(n_nodes: int, a: np.ndarray, b: np.ndarray, score: np.ndarray, threshold: float,
                   resolution: float, max_size: int, seed: int = _DEFAULT.cluster_seed,
                   recut_step: float = _DEFAULT.recut_step, recut_max_rounds: int = _DEFAULT.recut_max_rounds,
                   recut_dense_share: float = _DEFAULT.recut_dense_share) -> np.ndarray:
    keep = score >= threshold
    a, b, score = a[keep], b[keep], score[keep]
    if resolution > 0 and len(a):
        communities = leiden_refine(n_nodes, a, b, score, resolution, seed)
        inside = communities[a] == communities[b]
        a, b, score = a[inside], b[inside], score[inside]
    return split_components(n_nodes, a, b, score, threshold, max_size, recut_step, recut_max_rounds, recut_dense_share)


def _cross_weights(la: np.ndarray, lb: np.ndarray, score: np.ndarray, cross: np.ndarray) -> pl.DataFrame:
    """Summed score and number of the `cross` pairs between each two clusters (`lo` < `hi`)."""
    return ordered_sums(np.minimum(la[cross], lb[cross]), np.maximum(la[cross], lb[cross]), score[cross])


def _merge_mutual_best(labels: np.ndarray, frame: pl.DataFrame, strength: str) -> np.ndarray:
    """Merge the cluster pairs (`lo`, `hi`) of `frame` that are each other's strongest partner by `strength`,
    so that a run of moderately similar clusters cannot chain into one."""
    if frame.is_empty():
        return labels
    both_ways = pl.concat([
        frame.select(pl.col("lo").alias("me"), pl.col("hi").alias("other"), strength),
        frame.select(pl.col("hi").alias("me"), pl.col("lo").alias("other"), strength),
    ])
    best = both_ways.sort(["me", strength, "other"], descending=[False, True, False]).unique("me", keep="first")
    mutual = best.join(best, left_on=["me", "other"], right_on=["other", "me"]).filter(pl.col("me") < pl.col("other"))
    if mutual.is_empty():
        return labels
    return merge_labels(labels, mutual["me"].to_numpy(), mutual["other"].to_numpy())


def merge_dense_clusters(labels: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray,
                         min_density: float, min_pairs: int, min_size: int = _DEFAULT.cluster_min_size,
                         families: np.ndarray | None = None, value_families: int = 0,
                         context_min_density: float = _DEFAULT.merge_context_density) -> np.ndarray:
    """Merge clusters whose cross evidence (all scored pairs, linked or not) is dense for their sizes.

    Only mutual best partners merge (each cluster's densest neighbour is the other), so a run of
    moderately similar rings cannot chain into one cluster. Given `families` and `value_families`, evidence
    that says only where and when (a branch, a hometown) may make the cross evidence dense but cannot be
    all of it - some pair must share a value the operator chose - unless it is `context_min_density`
    dense: two student batches recruited from one prefecture in one week share where and when among
    some of their pairs; the two branches of one batch, all from one county in one week, among all. A pair whose
    evidence is all below full weight (`families` == 0: a crowded building, a landline or room of other years)
    adds nothing to the density: an incubator and an address farm in one tower are not one group.
    """
    if families is not None:
        score = np.where(families != 0, score, 0.0)
    sizes = np.bincount(labels)
    la, lb = labels[a], labels[b]
    cross = (la != lb) & (sizes[la] >= min_size) & (sizes[lb] >= min_size)
    if not cross.any():
        return labels
    frame = _cross_weights(la, lb, score, cross)
    if families is not None and value_families:
        grounded = cross & ((families & value_families) != 0)
        frame = frame.join(_cross_weights(la, lb, score, grounded).select("lo", "hi", grounded=pl.lit(True)),
                           on=["lo", "hi"], how="left").with_columns(pl.col("grounded").fill_null(False))
    else:
        frame = frame.with_columns(grounded=pl.lit(True))
    frame = (
        frame
        .with_columns(density=pl.col("weight") / (pl.col("lo").replace_strict(
            np.arange(len(sizes)), sizes, return_dtype=pl.Float64) * pl.col("hi").replace_strict(
            np.arange(len(sizes)), sizes, return_dtype=pl.Float64)))
        .filter((pl.col("pairs") >= min_pairs) & (pl.col("density") >= min_density)
                & (pl.col("grounded") | (pl.col("density") >= context_min_density)))
    )
    return _merge_mutual_best(labels, frame, "density")


def attach_leftovers(labels: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray, families: np.ndarray,
                     min_size: int = _DEFAULT.cluster_min_size, min_weight: float = _DEFAULT.attach_min_weight,
                     fresh: np.ndarray | None = None,
                     value_families: int = 0, min_coverage: float = 0.5,
                     template_families: np.ndarray | None = None, min_reach: float = 0.0,
                     batches: np.ndarray | None = None, near_families: int = 0,
                     shared_families: int = 0, building_only: np.ndarray | None = None,
                     rooms: np.ndarray | None = None, place_families: int = 0) -> np.ndarray:
    """A company or pair left outside a cluster joins it when its evidence with the cluster's members
    comes from two or more pairs and sums to a link, and either

    - rests on two or more independent kinds of evidence (a branch coincidence twice over is still one
      coincidence), one of them a value (given `value_families`) unless where and when tie the piece to at
      least `min_coverage` of the cluster's members: an opening at one member's branch in its week and a
      hometown shared with another are two coincidences whose chance grows with the cluster's members and the
      branch's flow, and say nothing an operator chose; a student batch's straggler, whose tie to its batch is
      just that profile and timing, shares them with much of the batch), and that evidence reaches at least
      `min_reach` of the cluster's members: a ring's leftover was made with the ring and shares its channels
      with many of its fronts, while a neighbour's chance matches (a standard scope text with one member, that
      member's or another's branch in its week) touch one or two members, however big the cluster - and the
      bigger the cluster, the likelier two such coincidences are. A student batch cluster (`batches`, per
      label) is exempt from both: its members share only profile and timing, at two or three branches, and a
      straggler shares them with the members at its branch; or
    - (template rule) every company of the piece opened its account soon after registering (`fresh`)
      and one value the operator chose (a word-for-word scope text, a run of mobile numbers, a
      building: the `value_families` bits, never the where-and-when coincidences of a branch or a
      hometown) ties it to at least `min_coverage` of the cluster's members: a ring's leftover
      shares the ring's template, a neighbour shares it with one member at most. Given
      `template_families` (per pair, the families said at full weight), a value many share - a
      crowded building - is no template: in a busy building every fresh tenant would join the ring.
      Given `near_families` (a similar number) and `shared_families` (the same number), the members a
      near value alone covers count once per number they share: a bystander whose mobile is two digits
      off the one mobile a cluster's members share is near that number once, however many members carry
      it, while a dealer's run of SIM cards gives each front a number of its own. Likewise, given
      `building_only` (per pair: of its place evidence - the `place_families` bits - only the building) and
      `rooms` (per company, its registered room; -2 when it names none where two in three of its building's
      companies name one, -1 when it names none elsewhere: _registered_rooms), the members the building alone covers
      count once per room they are registered at, when the piece's company names another room or -2 (its room
      unwritten, as likely another as theirs); -1, a building whose addresses are mostly written without a
      room, says nothing about rooms, and members count one by one. A farm's chosen value is its room, and
      the building comes with the room, so a tenant of another room of the farm's building shares the
      building with every front of that room, one coincidence of where it rented; a ring that registers each
      front at a room of its own in one building chose the building, and every front counts.

    It joins its best cluster only, so leftovers never bridge two clusters."""
    sizes = np.bincount(labels)
    la, lb = labels[a], labels[b]
    piece_side = np.where(sizes[la] < min_size, 0, np.where(sizes[lb] < min_size, 1, -1))
    usable = (la != lb) & (piece_side >= 0) & (np.maximum(sizes[la], sizes[lb]) >= min_size)
    if not usable.any():
        return labels
    piece = np.where(piece_side == 0, la, lb)[usable]
    target = np.where(piece_side == 0, lb, la)[usable]
    target_company = np.where(piece_side == 0, b, a)[usable]
    fam = families[usable]
    chosen = (template_families if template_families is not None else families)[usable]
    # the member a template pair covers, or - for a pair that is only near a number - the number: the group of
    # members its cluster ties by the same number (offset past the company ids, so the two never collide)
    covers = target_company
    if near_families and shared_families:
        same = (la == lb) & ((families & shared_families) != 0)
        number = component_labels(len(labels), a[same], b[same])
        near_only = (chosen & value_families & ~near_families) == 0
        covers = np.where(near_only, len(labels) + number[target_company], target_company)
    if building_only is not None and rooms is not None and place_families:
        # offset past the company ids and the numbers above, so the three never collide
        by_building = building_only[usable] & ((chosen & value_families & ~place_families) == 0)
        # a piece naming another room, or none where rooms are the norm, rents another room as far as filings say
        room = rooms[target_company]
        other_room = (room >= 0) & (rooms[np.where(piece_side == 0, a, b)[usable]] != -1)
        covers = np.where(by_building & other_room, 2 * len(labels) + room, covers)
    frame = (
        pl.DataFrame({"piece": piece, "target": target, "target_size": sizes[target].astype(np.float64),
                      "families": fam, "target_company": target_company, "value": (chosen & value_families) != 0,
                      "covers": covers,
                      "where_when": (fam & ~value_families) != 0 if value_families else np.zeros(len(fam), bool)})
        .filter(pl.col("target").is_in(np.flatnonzero(sizes >= min_size)))
        .group_by("piece", "target")
        .agg(pl.col("target_size").first(), pl.col("families").bitwise_or().alias("families"),
             pl.col("covers").filter(pl.col("value")).n_unique().alias("covered"),
             pl.col("target_company").filter(pl.col("where_when")).n_unique().alias("where_when_covered"),
             pl.col("target_company").n_unique().alias("reached"))
        .join(ordered_sums(piece, target, score[usable], ("piece", "target")), on=["piece", "target"])
    )
    target_size = pl.col("target_size")
    not_by_chance = pl.col("reached") >= min_reach * target_size
    if value_families:
        not_by_chance = not_by_chance & (((pl.col("families") & value_families) != 0)
                                         | (pl.col("where_when_covered") >= min_coverage * target_size))
    if batches is not None:
        not_by_chance = not_by_chance | pl.col("target").is_in(np.flatnonzero(batches))
    two_kinds = (pl.col("families").bitwise_count_ones() >= 2) & not_by_chance
    if fresh is not None and value_families:
        piece_fresh = pl.DataFrame({"piece": labels, "fresh": fresh}).group_by("piece").agg(pl.col("fresh").all())
        frame = frame.join(piece_fresh, on="piece", how="left").with_columns(
            template=pl.col("fresh").fill_null(False)
            & (pl.col("covered") >= min_coverage * target_size))
        rule = two_kinds | pl.col("template")
    else:
        rule = two_kinds
    frame = (
        frame.filter((pl.col("pairs") >= 2) & (pl.col("weight") >= min_weight) & rule)
        .sort(["piece", "weight", "target"], descending=[False, True, False])
        .unique("piece", keep="first")
    )
    if frame.is_empty():
        return labels
    return merge_labels(labels, frame["piece"].to_numpy(), frame["target"].to_numpy())


def merge_nominee_pieces(labels: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray,
                         families: np.ndarray, fronted: np.ndarray, value_families: int,
                         min_pairs: int = _DEFAULT.nominee_merge_min_pairs) -> np.ndarray:
    """Merge two clusters that are each fronted by one nominee (`fronted`: a person is the legal
    representative of several of its members) when operator-chosen values (a word-for-word scope
    text, a run of mobiles, a building; never a branch or hometown) tie them over `min_pairs` or more
    pairs: a ring run through two nominees shows up so. Mutual best partners only, so no chains."""
    la, lb = labels[a], labels[b]
    cross = (la != lb) & fronted[la] & fronted[lb] & ((families & value_families) != 0)
    if not cross.any():
        return labels
    frame = _cross_weights(la, lb, score, cross).filter(pl.col("pairs") >= min_pairs)
    return _merge_mutual_best(labels, frame, "weight")


def _people(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    """(company, person) rows of a query selecting company_id and `rep`, the person as a 64-bit hash."""
    rows = con.execute(query).fetchnumpy()
    return pl.DataFrame({"company": np.asarray(rows["company_id"], dtype=np.int64),
                         "rep": np.asarray(rows["rep"], dtype=np.uint64)})


def _representatives(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """(company, representative) for every company with a representative."""
    return _people(con, "select company_id, hash(rep_id) as rep from stg_companies where rep_id is not null")


def _openers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """(company, person) for every account-opening agent (经办人) of a company."""
    return _people(con, "select distinct company_id, hash(agent_id) as rep from stg_accounts "
                        "where agent_id is not null")


def _fronted_clusters(reps: pl.DataFrame, labels: np.ndarray, min_companies: int, min_share: float = 0.0
                      ) -> np.ndarray:
    """Per cluster label: one person is legal representative (or, given agents, opening agent) of `min_companies`
    or more of its members, and of at least `min_share` of them."""
    sizes = np.bincount(labels)
    frame = (
        reps.with_columns(label=pl.Series(labels[reps["company"].to_numpy()]))
        .group_by("label", "rep").len()
        .filter(pl.col("len") >= min_companies)
    )
    if min_share:
        frame = frame.filter(frame["len"].to_numpy() >= min_share * sizes[frame["label"].to_numpy()])
    fronted = np.zeros(int(labels.max()) + 1, dtype=bool)
    fronted[frame["label"].to_numpy()] = True
    return fronted


def _template_inputs(con: duckdb.DuckDBPyConnection, n_nodes: int, context_families: tuple[str, ...],
                     fresh_days: int) -> tuple[np.ndarray, int]:
    """Per company: opened an account within `fresh_days` of registering. And the bit set of evidence
    families other than the where-and-when ones (bits numbered as company_links numbers them)."""
    fresh = np.zeros(n_nodes, dtype=bool)
    ids = con.execute(
        "select distinct company_id from stg_accounts where days_since_registration between 0 and ?", [fresh_days]
    ).fetchnumpy()["company_id"]
    fresh[np.asarray(ids, dtype=np.int64)] = True
    names = [r[0] for r in con.execute("select distinct family from link_reasons order by family").fetchall()]
    value_families = sum(1 << i for i, name in enumerate(names) if name not in context_families)
    return fresh, value_families


def _registration_days(con: duckdb.DuckDBPyConnection, n_nodes: int) -> np.ndarray:
    """Per company: its registration date as days since 1970 (a far-apart sentinel when unknown)."""
    days = np.full(n_nodes, -10**9, dtype=np.int64)
    rows = con.execute("select company_id, (reg_date - date '1970-01-01')::bigint as day from stg_companies "
                       "where reg_date is not null").fetchnumpy()
    days[np.asarray(rows["company_id"], dtype=np.int64)] = rows["day"]
    return days


def _registered_rooms(con: duckdb.DuckDBPyConnection, n_nodes: int, roomed_share: float) -> np.ndarray:
    """Per company: a number for its registered room (the room key, which holds its building's); a company naming no
    room is -2 in a building where at least `roomed_share` of the companies name one (its room is not written, and
    another than a member's as likely as any), else -1 (a building where many companies name no room - a village
    house, a compound, a small block let whole - and no room is the building's way of writing its address)."""
    rooms = np.full(n_nodes, -1, dtype=np.int64)
    rows = con.execute(
        "select company_id, case when reg_room_key is not null then dense_rank() over (order by reg_room_key) - 1 "
        "when avg((reg_room_key is not null)::int) over (partition by reg_building_key) >= ? then -2 else -1 end "
        "as room from stg_companies", [roomed_share]).fetchnumpy()
    rooms[np.asarray(rows["company_id"], dtype=np.int64)] = rows["room"]
    return rooms


def build_company_clusters(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Write `company_clusters(company_id, cluster_no, cluster_size)` for companies in clusters of >= 2."""
    s = settings
    n_nodes = con.execute("select coalesce(max(company_id), 0) + 1 from stg_companies").fetchone()[0]
    # building_only: of the pair's place evidence (a room, a neighbouring room, a similar address, the building),
    # only the building - attach_leftovers counts what such a pair covers per room (_registered_rooms)
    others = [r[0] for r in con.execute(
        "select reason from link_reasons where family = (select family from link_reasons where reason = ?) "
        "and reason <> ?", [BUILDING_REASON, BUILDING_REASON]).fetchall()]
    # (the reason text is read only for the pairs with place evidence)
    edges = con.execute(
        "select company_a, company_b, score, families, full_families, "
        "case when families & ? = 0 then false else coalesce(list_has(string_split(reason, '+'), ?) "
        "and not list_has_any(string_split(reason, '+'), ?::varchar[]), false) end as building_only "
        "from company_links_kept", [family_bits(con, ["place"]), BUILDING_REASON, others]).fetchnumpy()
    a, b = edges["company_a"].astype(np.int64), edges["company_b"].astype(np.int64)
    score = edges["score"].astype(np.float64)
    labels = cluster_labels(n_nodes, a, b, score, s.link_threshold, s.cluster_resolution, s.max_cluster_size,
                            s.cluster_seed, s.recut_step, s.recut_max_rounds, s.recut_dense_share)
    if s.merge_density > 0:
        fresh, value_families = _template_inputs(con, n_nodes, tuple(s.attach_context_families), s.attach_fresh_days)
        families = edges["families"].astype(np.int64)
        # a value many share (a crowded building, a switchboard) is no operator's choice: it grounds no merge
        chosen = edges["full_families"].astype(np.int64)
        labels = merge_dense_clusters(labels, a, b, score, s.merge_density, s.merge_min_pairs, s.cluster_min_size,
                                      chosen, value_families, s.merge_context_density)
        if s.attach_own_min_members:
            keys, holders, scope_text = own_value_carriers(con)
            carriers = (keys, holders)
            reg_day = _registration_days(con, n_nodes)
        batch_a, batch_b = batch_pairs(con) if s.batch_cluster_share > 0 else (np.array([]), np.array([]))
        if s.nominee_min_companies:
            reps = _representatives(con)
            fronted = _fronted_clusters(reps, labels, s.nominee_min_companies)
            labels = merge_nominee_pieces(labels, a, b, score, chosen, fronted, value_families,
                                          s.nominee_merge_min_pairs)
            if s.attach_own_min_members:
                fronted = _fronted_clusters(reps, labels, s.nominee_min_companies)
                paced = paced_fronts(labels, reps["company"].to_numpy(), reps["rep"].to_numpy(), reg_day,
                                     s.nominee_min_companies, s.weak_days, s.nominee_half_share)
                labels = merge_fronted_on_own_values(labels, *carriers, reg_day, fronted, s.weak_days, paced)
                # a front is also one agent's several openings (经办人, at least half of its members), or one
                # improbable batch of openings: two fronts of one kind that alone hold a person or phone of the
                # operator's are his (a ring run through two alternating agents, or a batch opened at two branches,
                # each half a cluster of its own). Not on a scope text: students' shells copy their registration
                # agent's templates; nor across kinds: a nominee's fronts and a batch meeting at one number are two
                # operations
                hand = (keys[~scope_text], holders[~scope_text])
                fronts = _fronted_clusters(_openers(con), labels, s.nominee_min_companies, s.nominee_half_share)
                labels = merge_fronted_on_own_values(labels, *hand, reg_day, fronts, s.weak_days)
                if len(batch_a):
                    fronts = batch_clusters(labels, batch_a, batch_b, s.cluster_min_size, s.batch_cluster_share)
                    labels = merge_fronted_on_own_values(labels, *hand, reg_day, fronts, s.weak_days)
        if s.attach_own_min_members:
            labels = merge_own_value_pieces(labels, *carriers, reg_day, s.cluster_min_size, s.weak_days, a, b, families,
                                            family_bits(con, list(OWN_VALUE_FAMILIES)))
        batches = (batch_clusters(labels, batch_a, batch_b, s.cluster_min_size, s.batch_cluster_share)
                   if len(batch_a) else None)
        labels = attach_leftovers(labels, a, b, score, families, s.cluster_min_size, s.attach_min_weight,
                                  fresh=fresh, value_families=value_families, min_coverage=s.attach_min_coverage,
                                  template_families=chosen, min_reach=s.attach_min_reach, batches=batches,
                                  near_families=family_bits(con, ["SIMILAR_PHONE"]),
                                  shared_families=family_bits(con, ["SAME_PHONE"]),
                                  building_only=edges["building_only"].astype(bool),
                                  rooms=_registered_rooms(con, n_nodes, s.roomed_building_share),
                                  place_families=family_bits(con, ["place"]))
        labels = attach_whole_cluster_ties(labels, a, b, chosen, family_bits(con, s.attach_cover_families),
                                           s.cluster_min_size, s.attach_cover_share, s.attach_cover_min_members)
        if s.attach_own_min_members:
            labels = merge_own_value_clusters(labels, *carriers, s.cluster_min_size, s.attach_own_min_members,
                                              s.attach_min_coverage)
            labels = attach_own_values(labels, *carriers, s.cluster_min_size, s.attach_own_min_members,
                                       s.attach_min_coverage, reg_day, s.weak_days)
        if len(batch_a):
            labels = attach_batch_stragglers(labels, a, b, families, family_bits(con, ["branch"]), batch_a, batch_b,
                                             fresh_openings(con), s.cluster_min_size, s.batch_cluster_share,
                                             s.branch_days, s.hometown_days, s.batch_straggler_chance)
            labels = attach_registration_stragglers(labels, a, b, families, family_bits(con, ["SAME_HOMETOWN"]),
                                                    batch_a, batch_b, fresh_registrations(con), s.cluster_min_size,
                                                    s.batch_cluster_share, s.branch_days, s.hometown_days,
                                                    s.batch_straggler_chance)
    if s.place_pendant_building:
        labels = detach_place_pendants(labels, a, b, edges["families"].astype(np.int64), family_bits(con, ["place"]),
                                       crowded_companies(con, n_nodes), s.cluster_min_size)
    frame = pl.DataFrame({"company_id": np.arange(n_nodes, dtype=np.int32), "cluster_no": labels})
    frame = frame.with_columns(pl.len().over("cluster_no").alias("cluster_size")).filter(
        pl.col("cluster_size") >= 2
    )
    con.register("_clusters", frame.to_arrow())
    con.execute(
        "create or replace table company_clusters as "
        "select c.company_id, c.cluster_no, c.cluster_size::integer as cluster_size from _clusters as c "
        "join stg_companies using (company_id)"
    )
    con.unregister("_clusters")
    return {"clusters": int(frame["cluster_no"].n_unique()), "clustered_companies": frame.height,
            "largest": int(frame["cluster_size"].max() or 0)}
