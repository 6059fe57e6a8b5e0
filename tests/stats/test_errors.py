"""Bad input: each case is one clear EmocurateError saying what to fix."""

from __future__ import annotations

import polars as pl
import pytest

from emocurate.stats import alpha_ci, krippendorff_alpha
from emocurate.stats.errors import EmocurateError

GOOD = pl.DataFrame(
    {"item": [1, 1, 2, 2], "annotator": ["a", "b", "a", "b"], "value": [1, 2, 2, 2]}
)


def test_unknown_level() -> None:
    with pytest.raises(EmocurateError, match="unknown level of measurement 'nominl'"):
        krippendorff_alpha(GOOD, "nominl")


def test_non_numeric_values_for_interval_and_ratio() -> None:
    words = GOOD.with_columns(pl.col("value").cast(pl.String) + "x")
    for level in ("interval", "ratio"):
        with pytest.raises(EmocurateError, match=f"level '{level}' needs numeric values"):
            krippendorff_alpha(words, level)


def test_negative_values_for_ratio() -> None:
    with pytest.raises(EmocurateError, match="non-negative"):
        krippendorff_alpha(GOOD.with_columns(-pl.col("value")), "ratio")


def test_single_annotator() -> None:
    with pytest.raises(EmocurateError, match="1 annotator"):
        krippendorff_alpha(
            GOOD.with_columns(pl.lit("a").alias("annotator")).unique("item"), "nominal"
        )


def test_empty_table() -> None:
    with pytest.raises(EmocurateError, match="empty"):
        alpha_ci(GOOD.clear(), "nominal")


def test_duplicate_item_annotator_rows() -> None:
    doubled = pl.concat([GOOD, GOOD.head(1)])
    with pytest.raises(EmocurateError, match="duplicate .* annotator 'a' on item 1"):
        krippendorff_alpha(doubled, "nominal")


def test_missing_columns() -> None:
    with pytest.raises(EmocurateError, match="missing column.*'annotator'.*found: item, value"):
        krippendorff_alpha(GOOD.drop("annotator"), "nominal")


def test_no_item_rated_twice() -> None:
    lonely = pl.DataFrame({"item": [1, 2], "annotator": ["a", "b"], "value": [1, 2]})
    with pytest.raises(EmocurateError, match="no item has ratings from two or more"):
        krippendorff_alpha(lonely, "nominal")


def test_not_a_table() -> None:
    with pytest.raises(EmocurateError, match="polars DataFrame"):
        krippendorff_alpha([[1, 2]], "nominal")
