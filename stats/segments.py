"""Agreement of time-segment labels (BAH-style timelines): alpha over a time grid and segment F1.

Two complementary views, because each hides what the other shows:
- frame-level: the timeline of each item is cut into cells of ``step`` seconds, a cell takes
  the label of the annotator's segment covering the cell's centre, and nominal Krippendorff
  alpha is computed with every (item, cell) as a unit;
- event-level: segments of two annotators match when they have the same label and
  IoU >= ``iou`` (one-to-one, greedily by decreasing IoU, as in detection benchmarks), and
  F1 = 2 * matched / (n_a + n_b) on the items both annotated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ._table import as_frame, factorize
from .alpha import krippendorff_alpha
from .errors import StatsInputError

__all__ = ["SegmentAgreement", "segment_agreement", "segment_f1", "segments_to_grid"]

SEGMENT_COLUMNS = ("item", "annotator", "label", "start", "end")


@dataclass(frozen=True)
class SegmentAgreement:
    """Frame-level alpha, event-level F1 (micro over annotator pairs) and the per-pair table."""

    alpha: float
    n_cells: int
    f1: float
    pairs: pl.DataFrame


def _check_segments(segments: Any) -> pl.DataFrame:
    df = as_frame(segments, "segments")
    missing = [c for c in SEGMENT_COLUMNS if c not in df.columns]
    if missing:
        raise StatsInputError(
            f"segments table is missing column(s) {', '.join(repr(c) for c in missing)} "
            f"(found: {', '.join(df.columns) or 'none'}); it needs columns "
            f"{', '.join(SEGMENT_COLUMNS)} (start and end in seconds)"
        )
    df = df.select(SEGMENT_COLUMNS)
    if df.height == 0:
        raise StatsInputError("segments table is empty: it needs at least one segment row")
    for col in ("start", "end"):
        if not df.schema[col].is_numeric():
            raise StatsInputError(
                f"segments column {col!r} must be numeric seconds, got type {df.schema[col]}"
            )
    nulls = df.null_count().row(0)
    if any(nulls):
        col = SEGMENT_COLUMNS[int(np.argmax(nulls))]
        raise StatsInputError(f"segments table has empty {col!r} values: fill or drop those rows")
    df = df.with_columns(pl.col("start", "end").cast(pl.Float64))
    bad = df.filter((pl.col("end") <= pl.col("start")) | (pl.col("start") < 0))
    if bad.height:
        row = bad.row(0, named=True)
        raise StatsInputError(
            f"{bad.height} segment(s) have start < 0 or end <= start, e.g. item {row['item']!r} "
            f"annotator {row['annotator']!r} [{row['start']}, {row['end']}]: fix their times"
        )
    if df.select(pl.struct(SEGMENT_COLUMNS).is_duplicated().any()).item():
        df = df.unique(maintain_order=True)
    return df


def segments_to_grid(
    segments: Any, step: float = 0.1, background: str | None = "none"
) -> pl.DataFrame:
    """Sample segment labels on a grid of ``step`` seconds: columns item, cell, annotator, value.

    Cell k covers [k*step, (k+1)*step) and takes the label of the segment containing its
    centre. An item's grid runs from 0 to its last segment end. With ``background`` set, an
    annotator who labelled anything on an item has that label in the cells they left empty
    (absence of a segment is a judgement: "nothing here"); with ``None`` those cells are
    missing. Two different labels from one annotator on the same cell is an error (run the
    analysis per label for multi-label timelines).
    """
    if not step > 0:
        raise StatsInputError(f"step must be a positive number of seconds, got {step}")
    df = _check_segments(segments)
    df = df.with_columns(pl.col("label").cast(pl.String))
    # Cell k is covered when start <= (k + 0.5) * step < end; round away float noise first.
    first = ((pl.col("start") / step - 0.5).round(9)).ceil().cast(pl.Int64)
    stop = ((pl.col("end") / step - 0.5).round(9)).ceil().cast(pl.Int64)
    cells = (
        df.with_columns(first.alias("k0"), stop.alias("k1"))
        .filter(pl.col("k1") > pl.col("k0"))
        .select("item", "annotator", "label", pl.int_ranges("k0", "k1").alias("cell"))
        .explode("cell")
        .unique()
    )
    clash = (
        cells.group_by("item", "annotator", "cell")
        .agg(pl.col("label").n_unique().alias("n"), pl.col("label").sort().alias("labels"))
        .filter(pl.col("n") > 1)
    )
    if clash.height:
        row = clash.row(0, named=True)
        raise StatsInputError(
            f"annotator {row['annotator']!r} gave {row['n']} labels {row['labels']} to the same "
            f"moment of item {row['item']!r} (t = {(row['cell'] + 0.5) * step:g} s): segments "
            "of one annotator must not overlap with different labels; split multi-label "
            "timelines into one table per label"
        )
    cells = cells.rename({"label": "value"})
    if background is None:
        return cells.select("item", "cell", "annotator", "value")
    extent = df.group_by("item").agg(stop.max().alias("n_cells"))
    full = (
        df.select("item", "annotator")
        .unique()
        .join(extent, on="item")
        .select("item", "annotator", pl.int_ranges(0, "n_cells").alias("cell"))
        .explode("cell")
        .drop_nulls("cell")
    )
    return (
        full.join(cells, on=["item", "annotator", "cell"], how="left")
        .with_columns(pl.col("value").fill_null(background))
        .select("item", "cell", "annotator", "value")
    )


def segment_f1(segments: Any, iou: float = 0.5) -> pl.DataFrame:
    """Event-level agreement of every annotator pair (a < b) on the items both annotated.

    Columns: annotator_a, annotator_b, n_items, n_a, n_b, matched, precision (matched/n_a),
    recall (matched/n_b), f1. A match needs the same label and IoU >= ``iou``; each segment
    matches at most once (greedy by decreasing IoU).
    """
    if not 0 < iou <= 1:
        raise StatsInputError(f"iou threshold must be in (0, 1], got {iou}")
    df = _check_segments(segments).with_columns(pl.col("label").cast(pl.String))
    df = df.with_row_index("seg")
    per = df.group_by("item", "annotator").agg(pl.len().alias("n"))
    shared = (
        per.join(per, on="item", suffix="_b")
        .filter(pl.col("annotator") < pl.col("annotator_b"))
        .group_by("annotator", "annotator_b")
        .agg(pl.len().alias("n_items"), pl.col("n").sum().alias("n_a"), pl.col("n_b").sum())
        .rename({"annotator": "annotator_a"})
    )
    cand = (
        df.join(df, on=["item", "label"], suffix="_b")
        .filter(pl.col("annotator") < pl.col("annotator_b"))
        .with_columns(
            (
                (pl.min_horizontal("end", "end_b") - pl.max_horizontal("start", "start_b"))
                / (pl.max_horizontal("end", "end_b") - pl.min_horizontal("start", "start_b"))
            ).alias("iou")
        )
        .filter(pl.col("iou") >= iou - 1e-12)
        .sort(
            ["annotator", "annotator_b", "iou", "seg", "seg_b"],
            descending=[False, False, True, False, False],
        )
        .select("annotator", "annotator_b", "seg", "seg_b")
    )
    matched = _greedy_match(cand)
    pairs = shared.join(matched, on=["annotator_a", "annotator_b"], how="left").with_columns(
        pl.col("matched").fill_null(0)
    )
    return pairs.with_columns(
        (pl.col("matched") / pl.col("n_a")).alias("precision"),
        (pl.col("matched") / pl.col("n_b")).alias("recall"),
        (2 * pl.col("matched") / (pl.col("n_a") + pl.col("n_b"))).alias("f1"),
    ).sort("annotator_a", "annotator_b")


def _greedy_match(cand: pl.DataFrame) -> pl.DataFrame:
    """Count one-to-one matches per annotator pair; candidates come sorted by decreasing IoU."""
    schema = {"annotator_a": cand.schema["annotator"], "annotator_b": cand.schema["annotator_b"]}
    if cand.height == 0:
        return pl.DataFrame(schema=schema | {"matched": pl.Int64})
    pa, _ = factorize(pl.concat([cand["annotator"], cand["annotator_b"].alias("annotator")]))
    pair = pa[: cand.height] * (int(pa.max()) + 1) + pa[cand.height :]
    n_seg = int(max(cand["seg"].max(), cand["seg_b"].max())) + 1
    # A segment may match once per annotator pair, so key segments by (pair, segment).
    sa = pair * n_seg + cand["seg"].to_numpy()
    sb = pair * n_seg + cand["seg_b"].to_numpy()
    # Fast path: a candidate whose two segments appear in no other candidate is a sure match.
    _, inv_a, cnt_a = np.unique(sa, return_inverse=True, return_counts=True)
    _, inv_b, cnt_b = np.unique(sb, return_inverse=True, return_counts=True)
    take = (cnt_a[inv_a] == 1) & (cnt_b[inv_b] == 1)
    used_a: set[int] = set()
    used_b: set[int] = set()
    for i in np.flatnonzero(~take):  # rare: overlapping candidates, resolved greedily
        if sa[i] not in used_a and sb[i] not in used_b:
            used_a.add(int(sa[i]))
            used_b.add(int(sb[i]))
            take[i] = True
    counts = pl.DataFrame({"p": pair[take]}).group_by("p").agg(pl.len().alias("matched"))
    keys = (
        cand.select(pl.col("annotator").alias("annotator_a"), "annotator_b")
        .with_columns(pl.Series("p", pair))
        .unique("p")
    )
    return keys.join(counts, on="p").select(
        "annotator_a", "annotator_b", pl.col("matched").cast(pl.Int64)
    )


def segment_agreement(
    segments: Any, step: float = 0.1, iou: float = 0.5, background: str | None = "none"
) -> SegmentAgreement:
    """Frame-level nominal alpha over a ``step``-second grid and pairwise segment F1 at ``iou``.

    See ``segments_to_grid`` for how cells get labels and ``segment_f1`` for matching; the
    overall ``f1`` is micro-averaged over annotator pairs: 2 * sum(matched) / sum(n_a + n_b).
    """
    grid = segments_to_grid(segments, step=step, background=background)
    item_code, _ = factorize(grid["item"])
    width = int(grid["cell"].max()) + 1
    units = pl.Series("item", item_code * width + grid["cell"].to_numpy())
    ratings = grid.select(units, "annotator", "value")
    alpha = krippendorff_alpha(ratings, "nominal")
    pairs = segment_f1(segments, iou=iou)
    total = pairs["n_a"].sum() + pairs["n_b"].sum()
    if not total:
        raise StatsInputError(
            "no two annotators labelled segments on the same item: segment F1 needs shared items"
        )
    f1 = float(2 * pairs["matched"].sum() / total)
    return SegmentAgreement(
        alpha=alpha, n_cells=grid.select("item", "cell").n_unique(), f1=f1, pairs=pairs
    )
