"""Krippendorff's alpha: published worked examples, the `krippendorff` package, the bootstrap."""

from __future__ import annotations

import krippendorff
import numpy as np
import polars as pl
import pytest

from emocurate.stats import alpha as alpha_mod
from emocurate.stats import alpha_ci, krippendorff_alpha
from emocurate.stats.errors import EmocurateError, NoVariationError

from ._data import long_from_array, long_from_matrix, random_matrix

LEVELS = ("nominal", "ordinal", "interval", "ratio")
nan = float("nan")

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Section C, "Nominal
# data, any number of observers, missing data": 4 observers (rows) x 12 units (columns).
# The same matrix is then reused at the other levels. Published: nominal .743, ordinal .815,
# interval .849, ratio .797.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_four_observers_twelve_units(level: str, published: float) -> None:
    value = krippendorff_alpha(long_from_matrix(KRIPPENDORFF_2011_C), level)
    assert round(value, 3) == published


def test_krippendorff_2011_binary_two_observers() -> None:
    # Section A, "Binary or dichotomous data, two observers, no missing data": alpha = 0.095.
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert round(krippendorff_alpha(long_from_matrix(data), "nominal"), 3) == 0.095


def test_krippendorff_2011_nominal_two_observers() -> None:
    # Section B, "Nominal data, two observers, no missing data" (Ben, Gerry): alpha = 0.692.
    data = [list("aabbdcccedda"), list("babbbccceddd")]
    assert round(krippendorff_alpha(long_from_matrix(data), "nominal"), 3) == 0.692


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("level", LEVELS)
def test_matches_krippendorff_package_on_random_data(seed: int, level: str) -> None:
    rng = np.random.default_rng(seed)
    n_ann, n_items, n_values = rng.integers(2, 9), rng.integers(5, 80), rng.integers(2, 8)
    mat = random_matrix(rng, n_ann, n_items, n_values, missing=0.35)
    mat = mat * (0.5 if seed % 2 else 1.0) + 1.0  # non-integer and shifted values too
    expected = krippendorff.alpha(reliability_data=mat, level_of_measurement=level)
    assert krippendorff_alpha(long_from_array(mat), level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dense", [True, False])
def test_many_distinct_values_and_sparse_path(
    level: str, dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Continuous ratings (almost every value distinct); the sparse path must agree too.
    if not dense:
        monkeypatch.setattr(alpha_mod, "_DENSE_CELLS", 0)
    rng = np.random.default_rng(42)
    truth = rng.normal(size=60)
    mat = np.round(truth + rng.normal(scale=0.5, size=(5, 60)), 2) + 4.0
    mat[rng.random(mat.shape) < 0.25] = np.nan
    expected = krippendorff.alpha(reliability_data=mat, level_of_measurement=level)
    assert krippendorff_alpha(long_from_array(mat), level) == pytest.approx(expected, abs=1e-9)


def test_string_labels_and_enum_order() -> None:
    words = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    table = long_from_matrix(KRIPPENDORFF_2011_C).with_columns(
        pl.col("value").cast(pl.Int64).replace_strict(words, return_dtype=pl.String)
    )
    assert round(krippendorff_alpha(table, "nominal"), 3) == 0.743
    ordered = table.with_columns(pl.col("value").cast(pl.Enum(list(words.values()))))
    assert round(krippendorff_alpha(ordered, "ordinal"), 3) == 0.815
    with pytest.raises(EmocurateError, match="numeric values or a polars Enum"):
        krippendorff_alpha(table, "ordinal")


def test_items_with_one_rating_are_excluded() -> None:
    base = long_from_matrix(KRIPPENDORFF_2011_C)
    lonely = pl.DataFrame({"item": ["x1", "x2"], "annotator": ["c0", "c1"], "value": [9.0, 7.0]})
    for level in LEVELS:
        assert krippendorff_alpha(
            pl.concat([base, lonely], how="vertical_relaxed"), level
        ) == pytest.approx(krippendorff_alpha(base, level), abs=1e-12)


def test_null_and_nan_values_count_as_missing() -> None:
    base = long_from_matrix(KRIPPENDORFF_2011_C)
    gaps = pl.DataFrame({"item": ["u10", "u11"], "annotator": ["c0", "c3"], "value": [None, nan]})
    assert krippendorff_alpha(
        pl.concat([base, gaps], how="vertical_relaxed"), "interval"
    ) == pytest.approx(0.849, abs=5e-4)


def test_zero_variation_raises_a_clear_error() -> None:
    same = pl.DataFrame(
        {"item": [1, 1, 2, 2], "annotator": ["a", "b", "a", "b"], "value": [3, 3, 3, 3]}
    )
    for level in LEVELS:
        with pytest.raises(NoVariationError, match="undefined"):
            krippendorff_alpha(same, level)
        with pytest.raises(NoVariationError):
            alpha_ci(same, level, n_boot=10)


def test_bootstrap_is_reproducible_by_seed_and_brackets_alpha() -> None:
    rng = np.random.default_rng(0)
    table = long_from_array(random_matrix(rng, 5, 200, 4, missing=0.2))
    first = alpha_ci(table, "nominal", n_boot=300, seed=7)
    assert first == alpha_ci(table, "nominal", n_boot=300, seed=7)
    assert first != alpha_ci(table, "nominal", n_boot=300, seed=8)
    assert first.alpha == pytest.approx(krippendorff_alpha(table, "nominal"), abs=1e-15)
    assert first.low < first.alpha < first.high
    wide = alpha_ci(table, "nominal", n_boot=300, seed=7, confidence=0.99)
    assert wide.low <= first.low and wide.high >= first.high


@pytest.mark.parametrize("level", LEVELS)
def test_each_resample_equals_alpha_of_the_resampled_items(level: str) -> None:
    # The weighted-sum shortcut must give exactly the alpha of the explicitly resampled data.
    rng = np.random.default_rng(3)
    mat = random_matrix(rng, 4, 50, 5, missing=0.0) + 1.0  # every item pairable: unit u = item u
    u = alpha_mod._prepare(long_from_array(mat), level)
    draws = rng.integers(0, 50, size=(6, 50))
    cnt = np.stack([np.bincount(u.unit_type[d], minlength=u.n_types) for d in draws]).astype(float)
    fast = alpha_mod._alpha_rows(u, cnt)
    for row, d in zip(fast, draws, strict=True):
        slow = krippendorff.alpha(reliability_data=mat[:, d], level_of_measurement=level)
        assert row == pytest.approx(slow, abs=1e-9)


@pytest.mark.parametrize("many_types", [False, True])
def test_both_resampling_engines_draw_whole_resamples(many_types: bool) -> None:
    rng = np.random.default_rng(5)
    n_values, n_items = (40, 300) if many_types else (2, 2000)
    table = long_from_array(random_matrix(rng, 4, n_items, n_values, missing=0.1))
    u = alpha_mod._prepare(table, "nominal")
    assert (u.n_types * 24 <= u.n_units) != many_types  # exercises the intended branch
    chunks = list(alpha_mod._resample_counts(u, 50, np.random.default_rng(0)))
    counts = np.concatenate(chunks)
    assert counts.shape == (50, u.n_types)
    assert np.all(counts.sum(axis=1) == u.n_units)
    # On average a resample holds each type in proportion to its frequency.
    assert np.allclose(counts.mean(axis=0) / u.n_units, u.weights / u.n_units, atol=0.02)


def test_degenerate_resamples_are_dropped_with_a_warning() -> None:
    # Two items: one all "x", one all "y". A resample of the same item twice has no variation.
    table = pl.DataFrame(
        {"item": [1, 1, 2, 2], "annotator": ["a", "b", "a", "b"], "value": ["x", "x", "y", "y"]}
    )
    with pytest.warns(RuntimeWarning, match="no variation"):
        result = alpha_ci(table, "nominal", n_boot=200, seed=0)
    assert result.alpha == pytest.approx(1.0)
    assert result.low == result.high == pytest.approx(1.0)
