"""Majority vote, soft labels and Dawid-Skene (checked against crowd-kit)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from emocurate.stats import DawidSkene, MajorityVote, SoftLabels
from emocurate.stats import aggregation as agg_mod
from emocurate.stats.errors import StatsInputError


def synthetic(
    n_items: int, n_good: int, n_adversarial: int, n_classes: int, seed: int, missing: float = 0.2
) -> tuple[pl.DataFrame, np.ndarray]:
    """Ratings drawn from known confusion matrices: honest annotators of varied accuracy and
    adversarial ones who mostly answer the next class instead of the true one."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    conf = []
    for j in range(n_good + n_adversarial):
        if j < n_adversarial:
            c = np.full((n_classes, n_classes), 0.15 / (n_classes - 1))
            c[np.arange(n_classes), (np.arange(n_classes) + 1) % n_classes] = 0.85
        else:
            acc = rng.uniform(0.45, 0.8)
            c = np.full((n_classes, n_classes), (1 - acc) / (n_classes - 1))
            np.fill_diagonal(c, acc)
        conf.append(c)
    conf = np.array(conf)
    n_ann = len(conf)
    item = np.repeat(np.arange(n_items), n_ann)
    ann = np.tile(np.arange(n_ann), n_items)
    cum = conf[ann, truth[item]].cumsum(axis=1)
    label = (rng.random(item.size)[:, None] > cum).sum(axis=1)
    keep = rng.random(item.size) >= missing
    table = pl.DataFrame(
        {"item": item[keep], "annotator": [f"w{a}" for a in ann[keep]], "value": label[keep]}
    )
    return table, truth


def accuracy(labels: pl.DataFrame, truth: np.ndarray) -> float:
    got = labels.sort("item")
    return float((got["label"].to_numpy() == truth[got["item"].to_numpy()]).mean())


def test_majority_vote_ties() -> None:
    table = pl.DataFrame(
        {
            "item": [1, 1, 2, 2, 2],
            "annotator": ["a", "b", "a", "b", "c"],
            "value": ["x", "y", "y", "y", "x"],
        }
    )
    abstain = MajorityVote(tie="abstain").fit(table).labels_.sort("item")
    assert abstain["label"].to_list() == [None, "y"]
    assert abstain["confidence"].to_list() == [None, pytest.approx(2 / 3)]
    picks = {MajorityVote(tie="random", seed=s).fit(table).labels_["label"][0] for s in range(30)}
    assert picks == {"x", "y"}  # both tied labels get picked across seeds
    again = MajorityVote(seed=3).fit(table).labels_
    assert again.equals(MajorityVote(seed=3).fit(table.reverse()).labels_)  # order-independent
    with pytest.raises(StatsInputError, match="tie rule"):
        MajorityVote(tie="first")  # type: ignore[arg-type]


def test_soft_labels_are_vote_shares() -> None:
    table = pl.DataFrame(
        {"item": [1, 1, 1, 2], "annotator": ["a", "b", "c", "a"], "value": [0, 0, 1, 2]}
    )
    probas = SoftLabels().fit(table).probas_.sort("item", "label")
    assert probas.rows() == [
        (1, 0, pytest.approx(2 / 3)),
        (1, 1, pytest.approx(1 / 3)),
        (2, 2, 1.0),
    ]


@pytest.mark.filterwarnings("ignore::Warning:crowdkit")  # its pandas deprecations, not ours
@pytest.mark.parametrize("dense", [True, False])
def test_dawid_skene_matches_crowd_kit(dense: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    crowdkit = pytest.importorskip("crowdkit.aggregation")
    if not dense:
        monkeypatch.setattr(agg_mod, "_DENSE_CELLS", 0)
    table, _ = synthetic(1500, n_good=6, n_adversarial=2, n_classes=4, seed=1)
    ours = DawidSkene(n_iter=100, tol=1e-5).fit(table)
    frame = table.rename({"item": "task", "annotator": "worker", "value": "label"}).to_pandas()
    theirs = crowdkit.DawidSkene(n_iter=100, tol=1e-5).fit(frame)
    ck = theirs.labels_.sort_index()
    mine = ours.labels_.sort("item")
    assert mine["item"].to_list() == list(ck.index)
    agreement = float((mine["label"].to_numpy() == ck.to_numpy()).mean())
    assert agreement >= 0.99
    # Same parameters too: confusion matrices [worker, true, given] vs crowd-kit's errors_.
    errors = theirs.errors_
    for w_idx, worker in enumerate(ours.annotators_.to_list()):
        block = (
            errors.loc[worker].reindex(index=range(4), columns=range(4)).to_numpy()
        )  # given x true
        assert np.allclose(ours.confusions_[w_idx], block.T, atol=1e-3)


def test_dawid_skene_beats_majority_vote_with_adversaries() -> None:
    # Three of nine annotators answer the wrong class on purpose; majority vote suffers,
    # Dawid-Skene learns their confusion and turns their answers into evidence.
    table, truth = synthetic(3000, n_good=6, n_adversarial=3, n_classes=3, seed=2)
    ds = DawidSkene().fit(table)
    mv = MajorityVote(seed=0).fit(table)
    ds_acc, mv_acc = accuracy(ds.labels_, truth), accuracy(mv.labels_, truth)
    assert ds_acc > mv_acc + 0.10
    assert ds_acc > 0.9
    # It recovers the adversaries' confusion: true class t is answered as t + 1.
    names = ds.annotators_.to_list()
    adversary = ds.confusions_[names.index("w0")]
    assert np.all(adversary.argmax(axis=1) == (np.arange(3) + 1) % 3)
    assert np.allclose(ds.confusions_.sum(axis=2), 1.0)
    probas = ds.probas_.group_by("item").agg(pl.col("probability").sum())
    assert np.allclose(probas["probability"].to_numpy(), 1.0)
    assert 1 <= ds.n_iter_ <= 100
