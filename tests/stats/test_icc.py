"""ICC (Shrout & Fleiss 1979) and CCC (Lin 1989)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from emocurate.stats import ICC_FORMS, ccc, ccc_vs_mean, icc
from emocurate.stats.errors import NoVariationError, StatsInputError

# Shrout & Fleiss (1979), Psychological Bulletin 86(2), Table 2: 6 targets x 4 judges.
# Published (Table 4): ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62,
# ICC(3,4) .91.
SHROUT_FLEISS_TABLE_2 = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]
PUBLISHED = {"ICC(1,1)": 0.17, "ICC(2,1)": 0.29, "ICC(3,1)": 0.71,
             "ICC(1,k)": 0.44, "ICC(2,k)": 0.62, "ICC(3,k)": 0.91}  # fmt: skip


def shrout_fleiss() -> pl.DataFrame:
    rows = [
        (f"target{t}", f"judge{j}", v)
        for t, row in enumerate(SHROUT_FLEISS_TABLE_2)
        for j, v in enumerate(row)
    ]
    return pl.DataFrame(rows, schema=["item", "annotator", "value"], orient="row")


@pytest.mark.parametrize("form", ICC_FORMS)
def test_shrout_fleiss_1979_table_2(form: str) -> None:
    assert round(icc(shrout_fleiss(), form), 2) == PUBLISHED[form]


def test_icc_form_spellings() -> None:
    assert icc(shrout_fleiss(), "icc2,1") == icc(shrout_fleiss(), "ICC(2,1)")
    with pytest.raises(StatsInputError, match="unknown ICC form"):
        icc(shrout_fleiss(), "ICC(4,1)")


def test_icc_two_way_needs_a_complete_table() -> None:
    # Same number of ratings per item but from different judges: one-way only.
    table = shrout_fleiss().with_columns(
        pl.when(pl.col("item") == "target0")
        .then(pl.col("annotator") + "_other")
        .otherwise(pl.col("annotator"))
        .alias("annotator")
    )
    assert np.isfinite(icc(table, "ICC(1,1)"))
    with pytest.raises(StatsInputError, match="complete table"):
        icc(table, "ICC(2,1)")


def test_ccc_matches_lins_decomposition() -> None:
    # Lin (1989) eq. (3): CCC = r * C_b with C_b = 2 / (v + 1/v + u^2), v = s_x/s_y,
    # u = (mean_x - mean_y) / sqrt(s_x s_y): an independent route to the same number.
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = 0.8 * x + rng.normal(scale=0.5, size=200) + 0.3
    r = np.corrcoef(x, y)[0, 1]
    v = x.std() / y.std()
    u = (x.mean() - y.mean()) / np.sqrt(x.std() * y.std())
    assert ccc(x, y) == pytest.approx(r * 2 / (v + 1 / v + u * u), abs=1e-12)
    assert ccc(x, x) == pytest.approx(1.0)
    centred = x - x.mean()
    assert ccc(centred, -centred) == pytest.approx(-1.0)
    with pytest.raises(NoVariationError):
        ccc([1.0, 1.0], [1.0, 1.0])


def test_ccc_vs_mean_is_leave_one_out() -> None:
    rng = np.random.default_rng(1)
    truth = rng.normal(size=50)
    ratings = {f"a{j}": truth + rng.normal(scale=0.1 + j, size=50) for j in range(4)}
    rows = [(i, a, float(v[i])) for a, v in ratings.items() for i in range(50)]
    table = pl.DataFrame(rows, schema=["item", "annotator", "value"], orient="row")
    out = ccc_vs_mean(table).sort("annotator")
    for a, own in ratings.items():
        others = np.mean([v for b, v in ratings.items() if b != a], axis=0)
        expected = ccc(own, others)
        got = out.filter(pl.col("annotator") == a)["ccc"].item()
        assert got == pytest.approx(expected, abs=1e-12)
    assert out["n_items"].to_list() == [50] * 4
    assert out["ccc"][0] > out["ccc"][3]  # the noisiest annotator agrees least
