"""Fleiss' and Cohen's kappa and percent agreement against published examples and sklearn."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from emocurate.stats import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from emocurate.stats.errors import NoVariationError, StatsInputError

from ._data import long_from_array, random_matrix

# Fleiss, J. L. (1971), Psychological Bulletin 76(5), Table 1: 30 patients, 6 psychiatrists
# each, 5 diagnoses (depression, personality disorder, schizophrenia, neurosis, other).
# Each row: how many of the 6 chose each diagnosis. Published: kappa = .430, P-bar = .556,
# p_j = .144, .144, .167, .306, .239.
FLEISS_1971 = [
    (0, 0, 0, 6, 0), (0, 3, 0, 0, 3), (0, 1, 4, 0, 1), (0, 0, 0, 0, 6), (0, 3, 0, 3, 0),
    (2, 0, 4, 0, 0), (0, 0, 4, 0, 2), (2, 0, 3, 1, 0), (2, 0, 0, 4, 0), (0, 0, 0, 0, 6),
    (1, 0, 0, 5, 0), (1, 1, 0, 4, 0), (0, 3, 3, 0, 0), (1, 0, 0, 5, 0), (0, 2, 0, 3, 1),
    (0, 0, 5, 0, 1), (3, 0, 0, 1, 2), (5, 1, 0, 0, 0), (0, 2, 0, 4, 0), (1, 0, 2, 0, 3),
    (0, 0, 0, 0, 6), (0, 1, 0, 5, 0), (0, 2, 0, 1, 3), (2, 0, 0, 4, 0), (1, 0, 0, 4, 1),
    (0, 5, 0, 1, 0), (4, 0, 0, 0, 2), (0, 2, 0, 4, 0), (1, 0, 5, 0, 0), (0, 0, 0, 0, 6),
]  # fmt: skip
DIAGNOSES = ("depression", "personality disorder", "schizophrenia", "neurosis", "other")


def fleiss_table() -> pl.DataFrame:
    rows = []
    for patient, counts in enumerate(FLEISS_1971):
        slot = 0
        for diagnosis, count in zip(DIAGNOSES, counts, strict=True):
            for _ in range(count):
                rows.append((patient, f"slot{slot}", diagnosis))
                slot += 1
    return pl.DataFrame(rows, schema=["item", "annotator", "value"], orient="row")


def test_fleiss_1971_table_1() -> None:
    table = fleiss_table()
    assert table.height == 180
    assert round(fleiss_kappa(table), 3) == 0.430
    assert round(percent_agreement(table), 3) == 0.556
    shares = table.group_by("value").len().with_columns(pl.col("len") / 180)
    p_j = dict(shares.iter_rows())
    assert [round(p_j[d], 3) for d in DIAGNOSES] == [0.144, 0.144, 0.167, 0.306, 0.239]


def test_fleiss_kappa_needs_equal_numbers_of_ratings() -> None:
    table = fleiss_table().filter(~((pl.col("item") == 0) & (pl.col("annotator") == "slot0")))
    with pytest.raises(StatsInputError, match="same number of ratings"):
        fleiss_kappa(table)


def test_fleiss_kappa_no_variation() -> None:
    same = pl.DataFrame({"item": [1, 1, 2, 2], "annotator": ["a", "b", "a", "b"], "value": [1] * 4})
    with pytest.raises(NoVariationError):
        fleiss_kappa(same)


def test_cohen_kappa_textbook_example() -> None:
    # 50 proposals read by A and B: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no. p_o = .70,
    # p_e = .50, kappa = .40 (the worked example of the Wikipedia article "Cohen's kappa").
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    rows = [(i, "A", a) for i, (a, _) in enumerate(pairs)] + [
        (i, "B", b) for i, (_, b) in enumerate(pairs)
    ]
    table = pl.DataFrame(rows, schema=["item", "annotator", "value"], orient="row")
    assert cohen_kappa(table, "A", "B") == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(4))
def test_cohen_kappa_matches_sklearn(weights: str | None, seed: int) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    mat = random_matrix(rng, 3, 120, 5, missing=0.2)
    both = ~np.isnan(mat[0]) & ~np.isnan(mat[2])
    expected = metrics.cohen_kappa_score(mat[0, both], mat[2, both], weights=weights)
    assert cohen_kappa(long_from_array(mat), 0, 2, weights=weights) == pytest.approx(
        expected, abs=1e-9
    )


def test_cohen_kappa_unknown_annotator() -> None:
    with pytest.raises(StatsInputError, match="not in the ratings"):
        cohen_kappa(fleiss_table(), "slot0", "nobody")


def test_percent_agreement_ignores_single_ratings() -> None:
    # Two agreeing pairs and one split pair: (1 + 1 + 0) / 3.
    table = pl.DataFrame(
        {
            "item": [1, 1, 2, 2, 3, 3, 4],
            "annotator": ["a", "b", "a", "b", "a", "b", "a"],
            "value": ["x", "x", "y", "y", "x", "y", "z"],
        }
    )
    assert percent_agreement(table) == pytest.approx(2 / 3)


def test_alpha_and_fleiss_kappa_converge_on_complete_data() -> None:
    # On complete nominal data the two differ only by alpha's small-sample correction of the
    # expected coincidences (n - 1 instead of n), so with many items they nearly coincide.
    rng = np.random.default_rng(11)
    table = long_from_array(random_matrix(rng, 4, 3000, 3, missing=0.0))
    assert krippendorff_alpha(table, "nominal") == pytest.approx(fleiss_kappa(table), abs=1e-3)
