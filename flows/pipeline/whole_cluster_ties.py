"""A leftover that one template value ties to (nearly) every member of a cluster joins it.

attach_leftovers (components.py) lets a leftover company join a cluster on two independent kinds of
evidence, or on one template value when its account was opened soon after registering. A careful operator
opens accounts weeks later and varies every channel, so a front that only one channel caught is left out,
though that channel - a word-for-word scope text - ties it to the whole ring. A bystander who happens to
share such a value with a ring shares it with the members that used it, rarely with all of them. So a piece
under `min_size` joins the cluster whose members one of the given families (settings.attach_cover_families),
said at full weight (no value many share), ties to it: at least `min_members` of them and `min_share` of all.
Only its best cluster, so a piece never bridges two.

Which families: exact values an operator writes into every filing. Not where-and-when evidence (a
branch-week, a hometown): at 200,000 companies most pieces it tied to a whole student batch were bystanders
of the batch's profile. Not near values (a similar number, the same building): a cluster whose members all
share one phone or room is "near" a bystander's number or address once per member - one coincidence
counted n times; at 1,000,000 companies 62 of 81 such joins on a similar number were wrong
(bench/RESULTS-detection.md).
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl


def family_bits(con: duckdb.DuckDBPyConnection, names: list[str]) -> int:
    """The bit set of the named evidence families, bits numbered as company_links numbers them."""
    families = [r[0] for r in con.execute("select distinct family from link_reasons order by family").fetchall()]
    return sum(1 << i for i, name in enumerate(families) if name in names)


def attach_whole_cluster_ties(labels: np.ndarray, a: np.ndarray, b: np.ndarray, full_families: np.ndarray,
                              value_families: int, min_size: int, min_share: float, min_members: int) -> np.ndarray:
    """Labels after each piece (cluster under `min_size`) joined its best cluster of `min_size` or more whose
    members one family of `value_families` (a bit set), at full weight (`full_families`, per pair), ties to it."""
    from shellring.flows.pipeline.components import merge_labels

    sizes = np.bincount(labels)
    la, lb = labels[a], labels[b]
    fam = full_families & value_families
    piece_side = np.where(sizes[la] < min_size, 0, np.where(sizes[lb] < min_size, 1, -1))
    usable = (la != lb) & (piece_side >= 0) & (np.maximum(sizes[la], sizes[lb]) >= min_size) & (fam != 0)
    if not min_share or not usable.any():
        return labels
    piece = np.where(piece_side == 0, la, lb)[usable]
    target = np.where(piece_side == 0, lb, la)[usable]
    member = np.where(piece_side == 0, b, a)[usable]
    fam = fam[usable]
    ties = pl.concat([
        pl.DataFrame({"piece": piece[has], "target": target[has], "member": member[has], "family": bit})
        for bit in (1 << i for i in range(int(fam.max()).bit_length()))
        if (has := (fam & bit) != 0).any()
    ])
    best = (
        ties.group_by("piece", "target", "family").agg(pl.col("member").n_unique().alias("covered"))
        .with_columns(share=pl.col("covered") / pl.col("target").replace_strict(
            np.arange(len(sizes)), sizes, return_dtype=pl.Float64))
        .filter((pl.col("covered") >= min_members) & (pl.col("share") >= min_share))
        .sort(["piece", "share", "covered", "target"], descending=[False, True, True, False])
        .unique("piece", keep="first")
    )
    if best.is_empty():
        return labels
    return merge_labels(labels, best["piece"].to_numpy(), best["target"].to_numpy())
