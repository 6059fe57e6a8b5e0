"""Per-item and per-annotator agreement tables, checked against direct per-item reasoning."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from emocurate.stats import annotator_agreement, item_agreement

from ._data import long_from_array, random_matrix

TABLE = pl.DataFrame(
    {
        "item": ["i1"] * 4 + ["i2"] * 4 + ["i3"] * 2 + ["i4"],
        "annotator": ["a", "b", "c", "d", "a", "b", "c", "d", "a", "b", "a"],
        "value": ["x", "x", "x", "y", "x", "y", "z", "z", "x", "y", "x"],
    }
)


def test_item_agreement_values() -> None:
    out = {row["item"]: row for row in item_agreement(TABLE).iter_rows(named=True)}
    assert out["i1"]["majority"] == "x" and out["i1"]["majority_share"] == 0.75
    assert out["i1"]["entropy"] == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))
    assert out["i1"]["pair_agreement"] == pytest.approx(6 / 12)  # 3*2 agreeing ordered pairs
    assert out["i2"]["majority"] == "z" and out["i2"]["tied"] is False
    assert out["i3"]["tied"] is True and out["i3"]["majority"] == "x"  # first in sorted order
    assert out["i4"]["n_ratings"] == 1 and out["i4"]["pair_agreement"] is None
    assert out["i4"]["entropy"] == 0.0


def test_annotator_agreement_leave_one_out() -> None:
    out = {row["annotator"]: row for row in annotator_agreement(TABLE).iter_rows(named=True)}
    # a: i1 others {x,x,y} -> x matches (1); i2 others {y,z,z} -> z, a said x (0);
    #    i3 others {y} -> 0; i4 has no other rating (not scored).
    assert out["a"]["n_ratings"] == 4 and out["a"]["n_shared"] == 3
    assert out["a"]["loo_agreement"] == pytest.approx(1 / 3)
    # c: i1 others {x,x,y} -> 1; i2 others {x,y,z}: three-way tie, c said z -> 1/3.
    assert out["c"]["loo_agreement"] == pytest.approx((1 + 1 / 3) / 2)
    # d: i1 others {x,x,x} -> 0; i2 others {x,y,z} tie, d said z -> 1/3.
    assert out["d"]["loo_agreement"] == pytest.approx((0 + 1 / 3) / 2)
    assert out["d"]["pair_agreement"] == pytest.approx((0 + 1 / 3) / 2)


def test_annotator_agreement_matches_a_slow_reference() -> None:
    rng = np.random.default_rng(4)
    table = long_from_array(random_matrix(rng, 5, 60, 3, missing=0.3))
    fast = {
        r["annotator"]: r["loo_agreement"] for r in annotator_agreement(table).iter_rows(named=True)
    }
    by_item: dict = {}
    for item, ann, value in table.iter_rows():
        by_item.setdefault(item, []).append((ann, value))
    scores: dict = {}
    for rated in by_item.values():
        for ann, value in rated:
            others = [v for a, v in rated if a != ann]
            if not others:
                continue
            counts = {v: others.count(v) for v in set(others)}
            top = max(counts.values())
            modes = [v for v, c in counts.items() if c == top]
            scores.setdefault(ann, []).append((value in modes) / len(modes))
    for ann, values in scores.items():
        assert fast[ann] == pytest.approx(np.mean(values), abs=1e-12)


def test_gold_accuracy() -> None:
    gold = pl.DataFrame({"item": ["i1", "i2"], "value": ["x", "z"]})
    out = {r["annotator"]: r for r in annotator_agreement(TABLE, gold=gold).iter_rows(named=True)}
    assert out["a"]["n_gold"] == 2 and out["a"]["gold_accuracy"] == 0.5
    assert out["c"]["gold_accuracy"] == 1.0
    assert out["d"]["gold_accuracy"] == 0.5
