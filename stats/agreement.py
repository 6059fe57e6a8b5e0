"""Per-item and per-annotator agreement tables (which clips are contested, who disagrees).

Both are computed from the sparse (item, value, count) table with array operations, so a
million ratings take well under a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ._table import Encoded, as_frame, encode
from .errors import StatsInputError

__all__ = ["annotator_agreement", "item_agreement"]


def _entries_with_inverse(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(item, value, count) entries sorted by item then value, and each rating's entry index."""
    n_values = max(enc.domain.len(), 1)
    key = enc.item * n_values + enc.value
    size = enc.items.len() * n_values
    if size <= 80_000_000:
        counts = np.bincount(key, minlength=size)
        idx = np.flatnonzero(counts)
        position = np.full(size, -1, dtype=np.int64)
        position[idx] = np.arange(idx.size)
        inverse, cnt = position[key], counts[idx]
    else:
        idx, inverse, cnt = np.unique(key, return_inverse=True, return_counts=True)
    return idx // n_values, idx % n_values, cnt.astype(np.int64), inverse.reshape(-1)


def _segment_starts(sorted_keys: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def item_agreement(ratings: Any) -> pl.DataFrame:
    """One row per item: how many ratings, the majority value and how strongly it wins.

    Columns: item, n_ratings, n_values (distinct values given), majority (ties: the first in
    sorted order, flagged by ``tied``), majority_share, tied, entropy (of the item's value
    distribution, in bits; 0 = unanimous), pair_agreement (share of agreeing rater pairs,
    null for a single rating).
    """
    enc = encode(ratings, level="nominal", min_annotators=1)
    item, value, count, _ = _entries_with_inverse(enc)
    starts = _segment_starts(item)
    n_items = enc.items.len()
    m = np.bincount(item, weights=count, minlength=n_items)
    top = np.maximum.reduceat(count, starts)
    is_top = count == top[item]
    top_idx = np.flatnonzero(is_top)
    first_top = top_idx[_segment_starts(item[top_idx])]
    n_top = np.bincount(item, weights=is_top, minlength=n_items)
    p = count / m[item]
    entropy = -np.bincount(item, weights=p * np.log2(p), minlength=n_items)
    sq = np.bincount(item, weights=count.astype(np.float64) ** 2, minlength=n_items)
    with np.errstate(divide="ignore", invalid="ignore"):
        pair = np.where(m >= 2, (sq - m) / (m * (m - 1)), np.nan)
    return pl.DataFrame(
        {
            "item": enc.items,
            "n_ratings": m.astype(np.int64),
            "n_values": np.diff(np.r_[starts, item.size]).astype(np.int64),
            "majority": enc.domain.gather(value[first_top]),
            "majority_share": top / m,
            "tied": n_top > 1,
            "entropy": np.abs(entropy),
            "pair_agreement": pair,
        }
    ).with_columns(pl.col("pair_agreement").fill_nan(None))


def annotator_agreement(ratings: Any, gold: Any = None) -> pl.DataFrame:
    """One row per annotator: agreement with the others and, given gold labels, accuracy.

    - ``loo_agreement``: mean over the annotator's ratings (on items someone else also rated)
      of agreement with the leave-one-out consensus, the modal value of the *other*
      annotators' ratings of that item. When the others' mode is tied between k values and
      the annotator's value is one of them, the rating scores 1/k (the chance of matching a
      random tie-break), so ties neither reward nor punish anyone arbitrarily.
    - ``pair_agreement``: mean share of the other annotators of an item who gave the same value.
    - ``gold_accuracy``: with ``gold`` (a table with columns item, value), the share of the
      annotator's ratings on gold items that equal the gold value (null without gold items).
    """
    enc = encode(ratings, level="nominal")
    item, value, count, inverse = _entries_with_inverse(enc)
    starts = _segment_starts(item)
    n_items = enc.items.len()
    m = np.bincount(item, weights=count, minlength=n_items)
    c1 = np.maximum.reduceat(count, starts)  # top count per item
    k1 = np.bincount(item, weights=count == c1[item], minlength=n_items)
    below = np.where(count < c1[item], count, 0)
    c2 = np.maximum.reduceat(below, starts)  # runner-up count (0 if none)
    k2 = np.bincount(item, weights=(below == c2[item]) & (below > 0), minlength=n_items)

    r_item = enc.item
    c = count[inverse]
    shared = m[r_item] >= 2
    is_unique_top = (c == c1[r_item]) & (k1[r_item] == 1)
    clear = (c - 1) > c2[r_item]
    credit = np.where(is_unique_top, np.where(clear, 1.0, 1.0 / (1.0 + k2[r_item])), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pair = np.where(shared, (c - 1) / (m[r_item] - 1), 0.0)

    n_ann = enc.annotators.len()
    ann = enc.annotator
    n_ratings = np.bincount(ann, minlength=n_ann)
    n_shared = np.bincount(ann, weights=shared, minlength=n_ann)
    with np.errstate(divide="ignore", invalid="ignore"):
        loo = np.bincount(ann, weights=credit * shared, minlength=n_ann) / n_shared
        pair_mean = np.bincount(ann, weights=pair, minlength=n_ann) / n_shared
    out = pl.DataFrame(
        {
            "annotator": enc.annotators,
            "n_ratings": n_ratings.astype(np.int64),
            "n_shared": n_shared.astype(np.int64),
            "loo_agreement": loo,
            "pair_agreement": pair_mean,
        }
    ).with_columns(pl.col("loo_agreement", "pair_agreement").fill_nan(None))
    if gold is None:
        return out
    return out.join(_gold_accuracy(ratings, gold), on="annotator", how="left").with_columns(
        pl.col("n_gold").fill_null(0)
    )


def _gold_accuracy(ratings: Any, gold: Any) -> pl.DataFrame:
    g = as_frame(gold, "gold")
    missing = [col for col in ("item", "value") if col not in g.columns]
    if missing:
        raise StatsInputError(
            f"gold table is missing column(s) {', '.join(repr(x) for x in missing)} "
            f"(found: {', '.join(g.columns) or 'none'}); it needs columns item, value"
        )
    g = g.select("item", pl.col("value").alias("gold")).drop_nulls()
    if g["item"].is_duplicated().any():
        raise StatsInputError("gold table has more than one value for an item: keep one per item")
    r = as_frame(ratings).select("item", "annotator", "value").drop_nulls("value")
    try:
        joined = r.join(g, on="item", how="inner")
    except pl.exceptions.PolarsError as err:
        raise StatsInputError(
            f"gold items cannot be matched to rated items ({err.__class__.__name__}): "
            "give gold 'item' the same type as the ratings' item column"
        ) from err
    if joined.schema["value"] != joined.schema["gold"]:
        joined = joined.with_columns(pl.col("value", "gold").cast(pl.String))
    return joined.group_by("annotator").agg(
        pl.len().alias("n_gold"), (pl.col("value") == pl.col("gold")).mean().alias("gold_accuracy")
    )
