"""Validation and integer encoding of the long ratings table (item, annotator, value).

Every public function in ``stats`` goes through here, so bad input fails the same way
everywhere, and the expensive part (turning ids and values into dense integer codes) is
done once, vectorised, without a Python loop over rows or items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .errors import StatsInputError

__all__ = ["Encoded", "as_frame", "check_ratings", "encode", "factorize", "value_count_entries"]

REQUIRED = ("item", "annotator", "value")


def as_frame(table: Any, what: str = "ratings") -> pl.DataFrame:
    """Accept a polars DataFrame/LazyFrame or a pandas DataFrame and return a polars DataFrame."""
    if isinstance(table, pl.LazyFrame):
        return table.collect()
    if isinstance(table, pl.DataFrame):
        return table
    if type(table).__module__.startswith("pandas"):
        return pl.from_pandas(table)
    raise StatsInputError(
        f"{what} must be a polars DataFrame (one row per rating), got {type(table).__name__}"
    )


def _require_columns(df: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise StatsInputError(
            f"{what} table is missing column(s) {', '.join(repr(c) for c in missing)} "
            f"(found: {', '.join(df.columns) or 'none'}); it needs columns {', '.join(columns)}"
        )


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Boolean


def check_ratings(
    ratings: Any,
    *,
    numeric: bool = False,
    level: str | None = None,
    min_annotators: int = 2,
    what: str = "ratings",
) -> pl.DataFrame:
    """Validate a long ratings table and return it with missing ratings (null/NaN) dropped.

    Raises a ``StatsInputError`` naming the problem: missing columns, an empty table,
    null ids, duplicate (item, annotator) rows, too few annotators, or non-numeric values
    when ``numeric`` is set.
    """
    df = as_frame(ratings, what)
    _require_columns(df, REQUIRED, what)
    df = df.select(REQUIRED)
    if df.height == 0:
        raise StatsInputError(f"{what} table is empty: it needs at least one rating row")
    nulls = df.select(pl.col("item").null_count(), pl.col("annotator").null_count()).row(0)
    if nulls[0] or nulls[1]:
        col = "item" if nulls[0] else "annotator"
        raise StatsInputError(
            f"{what} table has {max(nulls)} row(s) with an empty {col!r}: every rating needs "
            "an item and an annotator id"
        )
    vdtype = df.schema["value"]
    if numeric and not _is_numeric(vdtype):
        sample = df["value"].drop_nulls().head(1).to_list()
        example = f" (e.g. {sample[0]!r})" if sample else ""
        lvl = f"level {level!r}" if level else "this statistic"
        raise StatsInputError(
            f"{lvl} needs numeric values but column 'value' has type {vdtype}{example}: "
            "recode the values as numbers or use level='nominal'"
        )
    if vdtype.is_float():
        df = df.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    elif df["value"].null_count():
        df = df.filter(pl.col("value").is_not_null())
    if df.height == 0:
        raise StatsInputError(f"{what} table has no non-missing value: every 'value' is empty")
    return df


def factorize(series: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Dense integer codes for a column and the distinct values they stand for.

    Uses the cheapest exact route for the dtype (categorical physical codes, integer offsets,
    or a dense rank), so 1M string ids take tens of milliseconds. ``uniques[codes] == series``.
    """
    n = series.len()
    dtype = series.dtype
    codes: np.ndarray | None = None
    if dtype.is_integer() and n:
        lo, hi = series.min(), series.max()
        if hi - lo <= 2 * n + 1024:
            codes = series.to_numpy().astype(np.int64, copy=False) - lo
    if codes is None:
        if dtype == pl.String:
            codes = series.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
        elif dtype == pl.Categorical or isinstance(dtype, pl.Enum):
            codes = series.to_physical().to_numpy().astype(np.int64)
        else:
            codes = series.rank("dense").to_numpy().astype(np.int64) - 1
    size = int(codes.max()) + 1 if n else 0
    present = np.zeros(size, dtype=bool)
    present[codes] = True
    if not present.all():
        remap = np.cumsum(present) - 1
        codes = remap[codes]
        size = int(present.sum())
    first = np.empty(size, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)
    return codes, series.gather(first)


@dataclass(frozen=True)
class Encoded:
    """Ratings as integer codes: ``items[item]``, ``annotators[annotator]``, ``domain[value]``."""

    item: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    items: pl.Series
    annotators: pl.Series
    domain: pl.Series

    @property
    def n_ratings(self) -> int:
        return int(self.item.size)


def _encode_values(values: pl.Series, ordered: bool) -> tuple[np.ndarray, pl.Series]:
    """Codes into a sorted value domain (numeric order, Enum order, or sorted labels)."""
    dtype = values.dtype
    if dtype == pl.Boolean:
        values = values.cast(pl.Int8)
        dtype = values.dtype
    if dtype.is_numeric():
        uniq = np.sort(values.unique().to_numpy())
        codes = np.searchsorted(uniq, values.to_numpy())
        return codes.astype(np.int64, copy=False), pl.Series("value", uniq)
    if isinstance(dtype, pl.Enum):
        phys = values.to_physical().to_numpy().astype(np.int64)
        cats = pl.Series("value", dtype.categories)
        used = np.unique(phys)
        remap = np.full(len(cats), -1, dtype=np.int64)
        remap[used] = np.arange(used.size)
        return remap[phys], cats.gather(used)
    if ordered:
        raise StatsInputError(
            f"ordered levels need numeric values or a polars Enum (which fixes the order), "
            f"but 'value' has type {dtype}: recode the values as numbers"
        )
    codes, uniq = factorize(values)
    order = np.argsort(uniq.cast(pl.String).to_numpy(), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[codes], uniq.gather(order)


def check_duplicates(item: np.ndarray, annotator: np.ndarray, df: pl.DataFrame, what: str) -> None:
    """Raise if an annotator rated the same item twice (a second rating would be double-counted)."""
    n_i = int(item.max()) + 1
    n_a = int(annotator.max()) + 1
    if n_i * n_a <= 50_000_000:
        key = item * n_a + annotator
        counts = np.bincount(key, minlength=n_i * n_a)
        dup = counts.max() > 1
        if dup:
            where = int(np.argmax(counts > 1))
            n_dup = int((counts[counts > 1] - 1).sum())
            row = np.flatnonzero(key == where)[0]
    else:
        key = item * n_a + annotator
        keys, counts = np.unique(key, return_counts=True)
        dup = counts.max() > 1
        if dup:
            n_dup = int((counts[counts > 1] - 1).sum())
            row = np.flatnonzero(key == keys[np.argmax(counts > 1)])[0]
    if dup:
        it, an = df.row(int(row))[:2]
        raise StatsInputError(
            f"{what} table has {n_dup} duplicate (item, annotator) row(s), e.g. annotator "
            f"{an!r} on item {it!r}: keep one rating per annotator and item"
        )


def encode(
    ratings: Any,
    *,
    level: str = "nominal",
    min_annotators: int = 2,
    what: str = "ratings",
) -> Encoded:
    """Validate and encode a ratings table for ``level`` (nominal, ordinal, interval or ratio)."""
    numeric = level in ("interval", "ratio")
    df = check_ratings(ratings, numeric=numeric, level=level, what=what)
    item, items = factorize(df["item"])
    annotator, annotators = factorize(df["annotator"])
    check_duplicates(item, annotator, df, what)
    if annotators.len() < min_annotators:
        raise StatsInputError(
            f"{what} table has {annotators.len()} annotator(s) ({annotators.head(3).to_list()}"
            f"{'...' if annotators.len() > 3 else ''}); agreement needs at least "
            f"{min_annotators} annotators rating the same items"
        )
    value, domain = _encode_values(df["value"], ordered=level != "nominal")
    if level == "ratio" and domain.len() and domain.min() < 0:
        raise StatsInputError(
            f"level 'ratio' needs non-negative values (a ratio scale has an absolute zero), "
            f"found {domain.min()}: use level='interval' for values that can be negative"
        )
    return Encoded(item, annotator, value, items, annotators, domain)


def value_count_entries(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse (item, value code, count) triples sorted by item then value (no dense matrix)."""
    n_items = enc.items.len()
    n_values = max(enc.domain.len(), 1)
    key = enc.item * n_values + enc.value
    if n_items * n_values <= 80_000_000:
        counts = np.bincount(key, minlength=n_items * n_values)
        idx = np.flatnonzero(counts)
        cnt = counts[idx]
    else:
        idx, cnt = np.unique(key, return_counts=True)
    return idx // n_values, idx % n_values, cnt.astype(np.int64)
