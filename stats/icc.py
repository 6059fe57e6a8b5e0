"""Agreement of continuous ratings: intraclass correlations and the concordance correlation.

- ICC: Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
  reliability. Psychological Bulletin 86(2), 420-428, the six forms ICC(1,1), ICC(2,1),
  ICC(3,1) and their means-of-k versions, from the ANOVA mean squares of their Table 1.
- CCC: Lin, L. I.-K. (1989). A concordance correlation coefficient to evaluate
  reproducibility. Biometrics 45(1), 255-268, with the moment (1/n) estimates of its eq. (2)
  (Lin's own estimator).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import polars as pl

from ._table import encode
from .errors import NoVariationError, StatsInputError

__all__ = ["ICC_FORMS", "ccc", "ccc_vs_mean", "icc"]

ICC_FORMS = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")


def _parse_form(form: str) -> tuple[int, bool]:
    """'ICC(2,1)', 'icc2,k', '3,1' -> (model, average_of_k)."""
    match = re.fullmatch(r"\s*(?:icc)?\s*\(?\s*([123])\s*,\s*(1|k)\s*\)?\s*", str(form).lower())
    if not match:
        raise StatsInputError(f"unknown ICC form {form!r}: use one of {', '.join(ICC_FORMS)}")
    return int(match.group(1)), match.group(2) == "k"


def icc(ratings: Any, form: str = "ICC(2,1)") -> float:
    """Shrout & Fleiss (1979) intraclass correlation of a long table (item=target, annotator=judge).

    ICC(1,*) (one-way random) needs the same number k of ratings on every item, by any
    annotators; ICC(2,*) and ICC(3,*) (two-way) need every annotator to rate every item.
    The ``k`` forms are the reliability of the mean of the k ratings.
    """
    model, average = _parse_form(form)
    enc = encode(ratings, level="interval")
    n, k_ann = enc.items.len(), enc.annotators.len()
    x = enc.domain.cast(pl.Float64).to_numpy()[enc.value]
    per_item = np.bincount(enc.item, minlength=n)
    k = int(per_item[0])
    if per_item.min() != per_item.max():
        raise StatsInputError(
            f"ICC needs the same number of ratings on every item, found {per_item.min()} to "
            f"{per_item.max()}: drop incomplete items or use krippendorff_alpha(level='interval')"
        )
    if n < 2 or k < 2:
        raise StatsInputError(
            f"ICC needs at least 2 items and 2 ratings per item, found {n} item(s) with {k} "
            "rating(s) each"
        )
    if model > 1 and k != k_ann:
        raise StatsInputError(
            f"ICC({model},*) needs every annotator to rate every item (a complete table), but "
            f"items have {k} of {k_ann} annotators: use ICC(1,1)/ICC(1,k) for different raters "
            "per item, or krippendorff_alpha(level='interval')"
        )
    # Centre for numerical stability; every mean square is shift invariant.
    x = x - x.mean()
    item_mean = np.bincount(enc.item, weights=x, minlength=n) / k
    ss_total = float((x * x).sum())
    ss_between = k * float((item_mean * item_mean).sum())
    ss_within = ss_total - ss_between
    bms = ss_between / (n - 1)
    wms = ss_within / (n * (k - 1))
    if model == 1:
        numerator = bms - wms
        denominator = bms if average else bms + (k - 1) * wms
    else:
        judge_mean = np.bincount(enc.annotator, weights=x, minlength=k) / n
        ss_judges = n * float((judge_mean * judge_mean).sum())
        jms = ss_judges / (k - 1)
        ems = (ss_within - ss_judges) / ((n - 1) * (k - 1))
        numerator = bms - ems
        if model == 2:
            denominator = (
                bms + (jms - ems) / n if average else bms + (k - 1) * ems + k * (jms - ems) / n
            )
        else:
            denominator = bms if average else bms + (k - 1) * ems
    if denominator == 0:
        raise NoVariationError(
            "ICC is undefined: the ratings have no variation between or within items"
        )
    return float(numerator / denominator)


def _as_vector(values: Any, name: str) -> np.ndarray:
    arr = values.to_numpy() if isinstance(values, pl.Series) else np.asarray(values)
    if arr.dtype.kind not in "iufb":
        raise StatsInputError(f"ccc needs numeric {name}, got values of type {arr.dtype}")
    return arr.astype(np.float64).reshape(-1)


def ccc(x: Any, y: Any) -> float:
    """Lin's (1989) concordance correlation 2 s_xy / (s_x^2 + s_y^2 + (mean_x - mean_y)^2).

    Moments are the 1/n estimates of Lin's eq. (2). Pairs with a NaN in either are dropped.
    """
    a, b = _as_vector(x, "x"), _as_vector(y, "y")
    if a.size != b.size:
        raise StatsInputError(f"ccc needs x and y of the same length, got {a.size} and {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size < 2:
        raise StatsInputError(f"ccc needs at least 2 paired values, got {a.size}")
    ma, mb = a.mean(), b.mean()
    da, db = a - ma, b - mb
    denominator = (da * da).mean() + (db * db).mean() + (ma - mb) ** 2
    if denominator == 0:
        raise NoVariationError("ccc is undefined: x and y are the same constant")
    return float(2.0 * (da * db).mean() / denominator)


def ccc_vs_mean(ratings: Any) -> pl.DataFrame:
    """Per annotator: Lin's CCC between their ratings and the mean of the *other* annotators.

    Leave-one-out: the annotator's own rating is not in the reference mean, so an annotator
    cannot agree with themself (the mean of all would inflate agreement, most with few
    annotators per item). Only items that someone else also rated count. ``ccc`` is null when
    the annotator has fewer than 2 such items or the coefficient is 0/0.
    Columns: annotator, n_items, ccc.
    """
    enc = encode(ratings, level="interval")
    n = enc.items.len()
    x = enc.domain.cast(pl.Float64).to_numpy()[enc.value]
    x = x - x.mean()
    total = np.bincount(enc.item, weights=x, minlength=n)
    m = np.bincount(enc.item, minlength=n)
    keep = m[enc.item] >= 2
    own = x[keep]
    ref = (total[enc.item[keep]] - own) / (m[enc.item[keep]] - 1)
    ann = enc.annotator[keep]
    n_ann = enc.annotators.len()
    cnt = np.bincount(ann, minlength=n_ann).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = np.bincount(ann, weights=own, minlength=n_ann) / cnt
        my = np.bincount(ann, weights=ref, minlength=n_ann) / cnt
        dx, dy = own - mx[ann], ref - my[ann]
        vx = np.bincount(ann, weights=dx * dx, minlength=n_ann) / cnt
        vy = np.bincount(ann, weights=dy * dy, minlength=n_ann) / cnt
        cxy = np.bincount(ann, weights=dx * dy, minlength=n_ann) / cnt
        denominator = vx + vy + (mx - my) ** 2
        value = np.where((cnt >= 2) & (denominator > 0), 2.0 * cxy / denominator, np.nan)
    return pl.DataFrame(
        {"annotator": enc.annotators, "n_items": cnt.astype(np.int64), "ccc": value}
    ).with_columns(pl.col("ccc").fill_nan(None))
