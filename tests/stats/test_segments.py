"""Time-segment agreement: grid alpha and segment F1 at IoU >= 0.5."""

from __future__ import annotations

import polars as pl
import pytest

from emocurate.stats import krippendorff_alpha, segment_agreement, segment_f1, segments_to_grid
from emocurate.stats.errors import StatsInputError


def segs(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["item", "annotator", "label", "start", "end"], orient="row")


SEGMENTS = segs(
    [
        ("v1", "a", "amb", 0.0, 1.0),
        ("v1", "a", "hes", 2.0, 3.0),
        ("v1", "b", "amb", 0.1, 1.0),  # IoU with a's = 0.9
        ("v1", "b", "hes", 2.5, 3.0),  # IoU exactly 0.5: a match
        ("v1", "c", "amb", 0.0, 0.45),  # IoU 0.45: no match
        ("v2", "a", "amb", 1.0, 2.0),
        ("v2", "b", "amb", 1.0, 2.0),
    ]
)


def test_grid_labels_cell_centres_and_background() -> None:
    grid = segments_to_grid(SEGMENTS, step=0.5)
    cell = {(r["item"], r["annotator"], r["cell"]): r["value"] for r in grid.iter_rows(named=True)}
    assert cell[("v1", "a", 0)] == "amb"  # centre 0.25 in [0, 1)
    assert cell[("v1", "c", 1)] == "none"  # centre 0.75 outside c's [0, 0.45)
    assert cell[("v1", "b", 4)] == "none" and cell[("v1", "b", 5)] == "hes"  # 2.25 vs 2.75
    assert grid.filter(pl.col("item") == "v1")["cell"].max() == 5  # grid ends at 3.0 s
    missing = segments_to_grid(SEGMENTS, step=0.5, background=None)
    assert "none" not in missing["value"].to_list()


def test_grid_alpha_is_alpha_of_the_grid() -> None:
    grid = segments_to_grid(SEGMENTS, step=0.1)
    units = grid.select(
        pl.concat_str("item", pl.col("cell").cast(pl.String), separator="#").alias("item"),
        "annotator",
        "value",
    )
    result = segment_agreement(SEGMENTS, step=0.1)
    assert result.alpha == pytest.approx(krippendorff_alpha(units, "nominal"), abs=1e-12)
    assert result.n_cells == units["item"].n_unique()


def test_segment_f1_pairs() -> None:
    pairs = {
        (r["annotator_a"], r["annotator_b"]): r for r in segment_f1(SEGMENTS).iter_rows(named=True)
    }
    ab = pairs[("a", "b")]
    assert (ab["n_items"], ab["n_a"], ab["n_b"], ab["matched"]) == (2, 3, 3, 3)
    assert ab["f1"] == 1.0
    ac = pairs[("a", "c")]
    assert (ac["n_a"], ac["n_b"], ac["matched"], ac["f1"]) == (2, 1, 0, 0.0)
    result = segment_agreement(SEGMENTS)
    assert result.f1 == pytest.approx(2 * 3 / (3 + 3 + 2 + 1 + 2 + 1))


def test_one_to_one_greedy_matching() -> None:
    # a's [0, 2] has IoU 0.5 with both of b's halves; it may match only one of them.
    table = segs([("v", "a", "x", 0.0, 2.0), ("v", "b", "x", 0.0, 1.0), ("v", "b", "x", 1.0, 2.0)])
    row = segment_f1(table).row(0, named=True)
    assert row["matched"] == 1 and row["f1"] == pytest.approx(2 / 3)


def test_overlapping_labels_from_one_annotator_are_rejected() -> None:
    table = segs([("v", "a", "x", 0.0, 2.0), ("v", "a", "y", 1.0, 3.0), ("v", "b", "x", 0.0, 2.0)])
    with pytest.raises(StatsInputError, match="must not overlap"):
        segment_agreement(table)


def test_bad_segment_times() -> None:
    with pytest.raises(StatsInputError, match="end <= start"):
        segment_agreement(segs([("v", "a", "x", 2.0, 1.0), ("v", "b", "x", 0.0, 1.0)]))
    with pytest.raises(StatsInputError, match="missing column"):
        segment_agreement(SEGMENTS.drop("end"))
