"""Krippendorff's alpha at the nominal, ordinal, interval and ratio levels, with a bootstrap CI.

Method: Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*. Annenberg
School for Communication, University of Pennsylvania. Alpha is computed from the coincidence
matrix of pairable values, alpha = 1 - (n - 1) * sum(o_ck d_ck) / sum(n_c n_k d_ck), where a
unit (item) with m_u >= 2 ratings adds n_uc * n_uk / (m_u - 1) to o_ck (c != k) and items
with fewer than two ratings are left out, as the method prescribes.

Nothing here loops over items in Python. Items with the same multiset of values (the same
row of value counts) contribute identically, so they are grouped into *unit types* and the
coincidence matrix is a weighted sum over types. The same grouping makes the bootstrap
cheap: resampling items with replacement is drawing how many items of each type the
resample holds, so each resample is a weighted sum, not a recomputation.

Two identities keep every level vectorised:
- interval: sum_ck n_c n_k (x_c - x_k)^2 = 2 (n sum_c n_c x_c^2 - (sum_c n_c x_c)^2), so only
  per-type moments are needed, whatever the number of distinct values;
- ordinal: Krippendorff's ordinal metric (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 equals
  (M_k - M_c)^2 with M_c = sum_{g<c} n_g + n_c/2 (the mid-rank of value c among the pairable
  values), so ordinal alpha is interval alpha on mid-ranks, which a resample recomputes from
  its own marginals.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from ._table import encode, value_count_entries
from .errors import NoVariationError, StatsInputError

__all__ = ["LEVELS", "AlphaCI", "alpha_ci", "krippendorff_alpha"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")

_DENSE_CELLS = 20_000_000  # largest types x values matrix we hold densely
_CHUNK_CELLS = 8_000_000  # bootstrap work per chunk (resamples x columns)


class AlphaCI(NamedTuple):
    """Alpha with a percentile bootstrap interval (a plain 3-tuple: alpha, low, high)."""

    alpha: float
    low: float
    high: float


def check_level(level: str) -> str:
    """Return ``level`` if known, else raise naming the four levels."""
    if level not in LEVELS:
        raise StatsInputError(
            f"unknown level of measurement {level!r}: use one of {', '.join(LEVELS)}"
        )
    return level


@dataclass
class _Units:
    """Pairable units grouped into types, with everything a (re)sample needs."""

    level: str
    n_units: int
    weights: np.ndarray  # (T,) number of units of each type
    unit_type: np.ndarray  # (U,) type of each pairable unit
    m: np.ndarray  # (T,) ratings per unit of the type
    e_type: np.ndarray  # (E,) sparse counts, sorted by type then code
    e_code: np.ndarray
    e_count: np.ndarray
    n_values: int  # V, size of the value domain
    x: np.ndarray | None  # (V,) standardised numeric values (interval, ratio)
    dense: np.ndarray | None  # (T, V) counts when small enough
    do: np.ndarray | None  # (T,) observed disagreement per unit of the type (fixed metrics)
    s1: np.ndarray | None  # (T,) interval moments per unit of the type
    s2: np.ndarray | None
    const_code: np.ndarray  # (T,) the code of a type with one distinct value, else -1

    @property
    def n_types(self) -> int:
        return int(self.weights.size)

    @cached_property
    def by_code(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entries reordered by value code (order, codes, group starts), for sparse n_c sums."""
        order = np.argsort(self.e_code, kind="stable")
        codes = self.e_code[order]
        return order, codes, np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def _group_types(
    unit: np.ndarray, code: np.ndarray, count: np.ndarray, n_units: int, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group units with identical value counts; return (unit_type, weights, representative unit)."""
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    m_max = int(np.add.reduceat(count, starts).max())
    base = m_max + 1
    if n_values * np.log2(base) < 62:
        powers = base ** np.arange(n_values, dtype=np.int64)
        key = np.add.reduceat(count * powers[code], starts)
        _, first, inverse, weights = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
    elif n_units * n_values <= _DENSE_CELLS:
        mat = np.zeros((n_units, n_values), dtype=np.int32)
        mat[unit, code] = count
        _, first, inverse, weights = np.unique(
            mat, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    else:  # every unit its own type: exact, only slower to resample
        first = np.arange(n_units)
        inverse = np.arange(n_units)
        weights = np.ones(n_units, dtype=np.int64)
    return inverse.reshape(-1), weights, first


def _prepare(ratings: Any, level: str) -> _Units:
    check_level(level)
    enc = encode(ratings, level=level)
    unit, code, count = value_count_entries(enc)
    m_unit = np.bincount(unit, weights=count, minlength=enc.items.len())
    keep = m_unit[unit] >= 2
    if not keep.any():
        raise StatsInputError(
            "no item has ratings from two or more annotators, so there is nothing to compare: "
            "alpha needs items rated by at least two annotators"
        )
    unit, code, count = unit[keep], code[keep], count[keep]
    # Renumber pairable units 0..U-1 (unit is sorted, so this keeps the order).
    new_unit = np.cumsum(np.r_[True, unit[1:] != unit[:-1]]) - 1
    n_units = int(new_unit[-1]) + 1
    n_values = enc.domain.len()
    present = np.bincount(code, weights=count, minlength=n_values) > 0
    if present.sum() < 2:
        value = enc.domain[int(np.argmax(present))]
        raise NoVariationError(
            f"alpha is undefined: all {int(count.sum())} pairable ratings have the same value "
            f"{value!r}, so there is no variation to measure agreement against "
            "(Krippendorff 2011: D_e = 0); report the raw agreement instead"
        )

    unit_type, weights, first = _group_types(new_unit, code, count, n_units, n_values)
    # Entries of each type: those of its representative unit, renumbered by type.
    rep_type = np.full(n_units, -1, dtype=np.int64)
    rep_type[first] = np.arange(first.size)
    sel = rep_type[new_unit] >= 0
    e_type, e_code, e_count = rep_type[new_unit[sel]], code[sel], count[sel]
    order = np.lexsort((e_code, e_type))
    e_type, e_code, e_count = e_type[order], e_code[order], e_count[order]
    n_types = first.size
    m = np.bincount(e_type, weights=e_count, minlength=n_types)
    n_distinct = np.bincount(e_type, minlength=n_types)
    const_code = np.full(n_types, -1, dtype=np.int64)
    single = n_distinct == 1
    const_code[e_type[single[e_type]]] = e_code[single[e_type]]

    x = None
    if level in ("interval", "ratio"):
        raw = enc.domain.cast(pl.Float64).to_numpy()
        if level == "interval":
            # Standardise with the pairable mean and sd: alpha is invariant to it, and the
            # moment identity then works on numbers of order one (no cancellation).
            w = np.bincount(code, weights=count, minlength=n_values)
            mean = float(np.dot(w, raw) / w.sum())
            sd = float(np.sqrt(np.dot(w, (raw - mean) ** 2) / w.sum()))
            x = (raw - mean) / (sd if sd > 0 else 1.0)
        else:
            # Ratio distances are scale-free; divide by the largest value to keep them O(1).
            top = float(raw.max())
            x = raw / (top if top > 0 else 1.0)

    dense = None
    if n_types * n_values <= _DENSE_CELLS:
        dense = np.zeros((n_types, n_values))
        dense[e_type, e_code] = e_count

    units = _Units(
        level=level,
        n_units=n_units,
        weights=weights.astype(np.float64),
        unit_type=unit_type,
        m=m,
        e_type=e_type,
        e_code=e_code,
        e_count=e_count.astype(np.float64),
        n_values=n_values,
        x=x,
        dense=dense,
        do=None,
        s1=None,
        s2=None,
        const_code=const_code,
    )
    _fixed_disagreement(units)
    return units


def _fixed_disagreement(u: _Units) -> None:
    """Per-type observed disagreement for the metrics that do not depend on the marginals."""
    t, c, w = u.e_type, u.e_code, u.e_count
    T = u.n_types
    if u.level == "nominal":
        sq = np.bincount(t, weights=w * w, minlength=T)
        u.do = (u.m * u.m - sq) / (u.m - 1)
    elif u.level == "interval":
        assert u.x is not None
        xv = u.x[c]
        s1 = np.bincount(t, weights=w * xv, minlength=T)
        s2 = np.bincount(t, weights=w * xv * xv, minlength=T)
        mean_t = s1 / u.m
        # Two-pass within-type spread: exact even when a type's values are close together.
        ss = np.bincount(t, weights=w * (xv - mean_t[t]) ** 2, minlength=T)
        u.do = 2.0 * u.m * ss / (u.m - 1)
        u.s1, u.s2 = s1, s2
    elif u.level == "ratio":
        assert u.x is not None
        i, j = _pairs_within(t)
        xi, xj = u.x[c[i]], u.x[c[j]]
        total = xi + xj
        d = np.divide(xi - xj, total, out=np.zeros_like(total), where=total != 0) ** 2
        u.do = np.bincount(t[i], weights=w[i] * w[j] * d, minlength=T) / (u.m - 1)


def _pairs_within(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered index pairs (i, j) of entries in the same group (``group`` sorted)."""
    n = group.size
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, n])
    size_of = np.repeat(sizes, sizes)
    start_of = np.repeat(starts, sizes)
    i = np.repeat(np.arange(n), size_of)
    offset = np.arange(i.size) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    return i, start_of[i] + offset


def _value_totals(u: _Units, cnt: np.ndarray) -> np.ndarray:
    """n_c for each resample: (B, T) type counts -> (B, V) pairable value counts."""
    if u.dense is not None:
        return cnt @ u.dense
    order, codes, starts = u.by_code
    contrib = cnt[:, u.e_type[order]] * u.e_count[order]
    out = np.zeros((cnt.shape[0], u.n_values))
    out[:, codes[starts]] = np.add.reduceat(contrib, starts, axis=1)
    return out


def _ratio_quadform(nc: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sum_ck n_c n_k ((x_c - x_k)/(x_c + x_k))^2 per row, in blocks of the V x V distances."""
    V = x.size
    out = np.zeros(nc.shape[0])
    step = max(1, _CHUNK_CELLS // max(V, 1))
    for lo in range(0, V, step):
        xr = x[lo : lo + step, None]
        total = xr + x[None, :]
        d = np.divide(xr - x[None, :], total, out=np.zeros_like(total), where=total != 0) ** 2
        out += ((nc @ d.T) * nc[:, lo : lo + step]).sum(axis=1)
    return out


def _alpha_rows(u: _Units, cnt: np.ndarray) -> np.ndarray:
    """Alpha for each row of ``cnt`` (units of each type in a (re)sample), fully vectorised."""
    n = cnt @ u.m
    if u.level == "interval":
        assert u.do is not None and u.s1 is not None and u.s2 is not None
        observed = cnt @ u.do
        s1, s2 = cnt @ u.s1, cnt @ u.s2
        expected = 2.0 * (n * s2 - s1 * s1)
    elif u.level == "nominal":
        assert u.do is not None
        observed = cnt @ u.do
        nc = _value_totals(u, cnt)
        expected = n * n - (nc * nc).sum(axis=1)
    elif u.level == "ratio":
        assert u.do is not None and u.x is not None
        observed = cnt @ u.do
        expected = _ratio_quadform(_value_totals(u, cnt), u.x)
    else:  # ordinal: distances are mid-rank differences under this sample's own marginals
        nc = _value_totals(u, cnt)
        mid = (np.cumsum(nc, axis=1) - nc / 2.0 - n[:, None] / 2.0) / n[:, None]
        expected = 2.0 * (n * (nc * mid * mid).sum(axis=1) - (nc * mid).sum(axis=1) ** 2)
        if u.dense is not None:
            a = mid @ u.dense.T
            b = (mid * mid) @ u.dense.T
        else:
            starts = np.flatnonzero(np.r_[True, u.e_type[1:] != u.e_type[:-1]])
            g = mid[:, u.e_code]
            a = np.add.reduceat(g * u.e_count, starts, axis=1)
            b = np.add.reduceat(g * g * u.e_count, starts, axis=1)
        observed = (cnt * (2.0 * (u.m * b - a * a) / (u.m - 1))).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - (n - 1.0) * observed / expected


def krippendorff_alpha(ratings: Any, level: str) -> float:
    """Krippendorff's alpha of a long ratings table (item, annotator, value).

    ``level`` is one of nominal, ordinal, interval, ratio. Any number of annotators per item;
    missing ratings are absent rows (null/NaN values count as absent); items with fewer than
    two ratings are excluded. Ordinal values must be numbers or a polars Enum (its order).

    Raises ``NoVariationError`` (an ``EmocurateError``) when every pairable rating has the
    same value: alpha is then 0/0 and undefined (Krippendorff 2011), and we would rather
    fail loudly than publish 1.0 or NaN.
    """
    u = _prepare(ratings, level)
    return float(_alpha_rows(u, u.weights[None, :])[0])


def _resample_counts(u: _Units, n_boot: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield (chunk, T) counts of each unit type in item-level bootstrap resamples.

    Drawing U items with replacement puts Multinomial(U, w_t / U) items of type t into the
    resample, so with few types we draw those counts directly; with many types we draw the
    item indices and count them.
    """
    T, U = u.n_types, u.n_units
    use_multinomial = T * 24 <= U
    width = max(T, u.e_type.size if u.dense is None else T * 4, 1)
    if not use_multinomial:
        width = max(width, U)
    chunk = int(min(n_boot, max(1, _CHUNK_CELLS // width)))
    p = u.weights / u.weights.sum()
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        if use_multinomial:
            cnt = rng.multinomial(U, p, size=b).astype(np.float64)
        else:
            idx = rng.integers(0, U, size=(b, U))
            flat = u.unit_type[idx] + (np.arange(b) * T)[:, None]
            cnt = np.bincount(flat.ravel(), minlength=b * T).reshape(b, T).astype(np.float64)
        yield cnt
        done += b


def _degenerate(u: _Units, cnt: np.ndarray) -> np.ndarray:
    """Resamples whose pairable values are all equal (alpha undefined there)."""
    varied = cnt @ (u.const_code < 0).astype(np.float64) > 0
    codes = np.where(cnt > 0, u.const_code[None, :], -1)
    big = np.where(cnt > 0, u.const_code[None, :], np.iinfo(np.int64).max)
    return ~varied & (codes.max(axis=1) == big.min(axis=1))


def alpha_ci(
    ratings: Any,
    level: str,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> AlphaCI:
    """Alpha with a percentile bootstrap confidence interval, reproducible by ``seed``.

    Resampling scheme: the cluster (case) bootstrap over units. Items are drawn with
    replacement, each keeping all of its ratings, and alpha is recomputed on every resample
    (coincidences *and* expected disagreement), so the interval reflects the sampling of
    items, the unit the coefficient generalises over. This is the nonparametric bootstrap of
    Efron & Tibshirani (1993, ch. 6 and 13, percentile interval) applied to clusters (Field &
    Welsh 2007, "Bootstrapping clustered data", JRSS-B 69:369-390), and the resampling of
    subjects used for alpha's CI by Zapf et al. (2016, BMC Med Res Methodol 16:93). It is
    *not* Hayes & Krippendorff's (2007) scheme, which resamples pairable values with D_e held
    fixed. Resamples in which every value is the same (alpha undefined) are dropped with a
    ``RuntimeWarning``.

    Returns ``AlphaCI(alpha, low, high)`` (a tuple).
    """
    if n_boot < 1:
        raise StatsInputError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < confidence < 1:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    u = _prepare(ratings, level)
    point = float(_alpha_rows(u, u.weights[None, :])[0])
    rng = np.random.default_rng(seed)
    parts, dropped = [], 0
    for cnt in _resample_counts(u, n_boot, rng):
        vals = _alpha_rows(u, cnt)
        bad = _degenerate(u, cnt)
        dropped += int(bad.sum())
        parts.append(vals[~bad])
    boot = np.concatenate(parts)
    if dropped:
        warnings.warn(
            f"{dropped} of {n_boot} bootstrap resamples had no variation (alpha undefined) "
            "and were left out of the interval",
            RuntimeWarning,
            stacklevel=2,
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail])
    return AlphaCI(point, float(low), float(high))
