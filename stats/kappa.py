"""Kappa coefficients and raw agreement for categorical ratings.

- ``fleiss_kappa``: Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
  Psychological Bulletin 76(5), 378-382 (same number of ratings on every item; the raters
  need not be the same people).
- ``cohen_kappa``: Cohen, J. (1960), Educational and Psychological Measurement 20, 37-46; the
  weighted form of Cohen (1968), Psychological Bulletin 70, 213-220, with linear or quadratic
  disagreement weights on the positions of the sorted categories.
- ``percent_agreement``: the mean over items of the share of agreeing ordered rater pairs,
  sum_c n_ic (n_ic - 1) / (m_i (m_i - 1)), i.e. Fleiss' P-bar generalised to any m_i >= 2.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ._table import Encoded, encode, value_count_entries
from .errors import NoVariationError, StatsInputError

__all__ = ["cohen_kappa", "fleiss_kappa", "percent_agreement"]


def _per_item(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per item: m_i and sum_c n_ic^2; per value: its total count; plus the value codes seen."""
    item, value, count = value_count_entries(enc)
    n_items = enc.items.len()
    m = np.bincount(item, weights=count, minlength=n_items)
    sq = np.bincount(item, weights=count.astype(np.float64) ** 2, minlength=n_items)
    totals = np.bincount(value, weights=count, minlength=enc.domain.len())
    return m, sq, totals, value


def fleiss_kappa(ratings: Any) -> float:
    """Fleiss' kappa of a long table where every item has the same number (>= 2) of ratings.

    Raises ``StatsInputError`` when items have different numbers of ratings (use
    ``krippendorff_alpha(..., "nominal")``, which allows missing ratings) and
    ``NoVariationError`` when every rating falls in one category (kappa is 0/0).
    """
    enc = encode(ratings, level="nominal")
    m, sq, totals, _ = _per_item(enc)
    lo, hi = int(m.min()), int(m.max())
    if lo != hi:
        raise StatsInputError(
            f"Fleiss' kappa needs the same number of ratings on every item, found {lo} to {hi}: "
            "use krippendorff_alpha(ratings, 'nominal'), which handles missing ratings"
        )
    if lo < 2:
        raise StatsInputError(
            "Fleiss' kappa needs at least two ratings per item, found one: each item must be "
            "rated by two or more annotators"
        )
    n_items = m.size
    p_item = (sq - lo) / (lo * (lo - 1))
    p_bar = p_item.mean()
    p_cat = totals / (n_items * lo)
    p_e = float((p_cat * p_cat).sum())
    if p_e >= 1.0:
        raise NoVariationError(
            f"Fleiss' kappa is undefined: every rating is {enc.domain[0]!r}, so chance "
            "agreement is 1; there is no variation to measure agreement against"
        )
    return float((p_bar - p_e) / (1.0 - p_e))


def percent_agreement(ratings: Any) -> float:
    """Share of agreeing rater pairs, averaged over items with at least two ratings.

    Per item: sum_c n_ic (n_ic - 1) / (m_i (m_i - 1)); not chance-corrected.
    """
    enc = encode(ratings, level="nominal")
    m, sq, _, _ = _per_item(enc)
    keep = m >= 2
    if not keep.any():
        raise StatsInputError(
            "no item has ratings from two or more annotators: percent agreement needs items "
            "rated by at least two annotators"
        )
    mm = m[keep]
    return float(((sq[keep] - mm) / (mm * (mm - 1))).mean())


def cohen_kappa(
    ratings: Any,
    a: Any,
    b: Any,
    weights: Literal["linear", "quadratic"] | None = None,
) -> float:
    """Cohen's kappa between annotators ``a`` and ``b`` over the items both rated.

    ``weights`` = None gives Cohen's (1960) kappa; "linear" or "quadratic" give the weighted
    kappa (Cohen 1968) with disagreement |i - j| or (i - j)^2 between the positions i, j of the
    categories in sorted order (numbers sort numerically, a polars Enum in its own order).
    """
    if weights not in (None, "linear", "quadratic"):
        raise StatsInputError(f"unknown weights {weights!r}: use None, 'linear' or 'quadratic'")
    if a == b:
        raise StatsInputError(f"cohen_kappa compares two different annotators, got {a!r} twice")
    enc = encode(ratings, level="nominal" if weights is None else "ordinal")
    ann = enc.annotators.to_list()
    for who in (a, b):
        if who not in ann:
            shown = ", ".join(repr(x) for x in ann[:5]) + (", ..." if len(ann) > 5 else "")
            raise StatsInputError(f"annotator {who!r} is not in the ratings (annotators: {shown})")
    ia, ib = ann.index(a), ann.index(b)
    n_items, n_values = enc.items.len(), enc.domain.len()
    va = np.full(n_items, -1, dtype=np.int64)
    vb = np.full(n_items, -1, dtype=np.int64)
    sel_a, sel_b = enc.annotator == ia, enc.annotator == ib
    va[enc.item[sel_a]] = enc.value[sel_a]
    vb[enc.item[sel_b]] = enc.value[sel_b]
    both = (va >= 0) & (vb >= 0)
    if not both.any():
        raise StatsInputError(
            f"annotators {a!r} and {b!r} rated no item in common: kappa needs shared items"
        )
    table = np.bincount(va[both] * n_values + vb[both], minlength=n_values * n_values)
    observed = table.reshape(n_values, n_values).astype(np.float64)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    pos = np.arange(n_values, dtype=np.float64)
    if weights is None:
        w = 1.0 - np.eye(n_values)
    elif weights == "linear":
        w = np.abs(pos[:, None] - pos[None, :])
    else:
        w = (pos[:, None] - pos[None, :]) ** 2
    chance = float((w * expected).sum())
    if chance <= 0.0:
        raise NoVariationError(
            f"Cohen's kappa is undefined for {a!r} and {b!r}: both gave one and the same "
            "category on every shared item, so chance agreement is 1"
        )
    return float(1.0 - (w * observed).sum() / chance)
