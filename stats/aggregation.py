"""Label aggregation: majority vote, soft labels and Dawid-Skene, as crowd-kit-style estimators.

Each estimator is configured in ``__init__``, learns from a long ratings table in
``fit(ratings)`` (which returns ``self``) and exposes what it learned in attributes ending in
``_``. Tables are polars and long: ``labels_`` has one row per item (item, label,
confidence, n_ratings) and ``probas_`` one row per item and class (item, label, probability).
Items come out sorted, so results do not depend on the row order of the input.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import polars as pl

from ._table import Encoded, encode, value_count_entries
from .errors import StatsInputError

__all__ = ["DawidSkene", "MajorityVote", "SoftLabels"]

_EPS = 1e-10  # floor for probabilities, as in crowd-kit, so that log() stays finite
_DENSE_CELLS = 30_000_000  # items x (annotators x classes) counts held densely


def _canonical(enc: Encoded) -> tuple[Encoded, np.ndarray]:
    """Renumber items in sorted order so that output and tie-breaks ignore input row order."""
    order = enc.items.arg_sort().to_numpy()
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    items = enc.items.gather(order)
    return (
        Encoded(rank[enc.item], enc.annotator, enc.value, items, enc.annotators, enc.domain),
        order,
    )


def _vote_table(enc: Encoded) -> tuple[np.ndarray, np.ndarray]:
    """(items x classes) vote counts and ratings per item."""
    item, value, count = value_count_entries(enc)
    n_items, n_classes = enc.items.len(), enc.domain.len()
    votes = np.zeros((n_items, n_classes))
    votes[item, value] = count
    return votes, votes.sum(axis=1)


def _probas_frame(enc: Encoded, probas: np.ndarray, keep_zero: bool) -> pl.DataFrame:
    item_idx, class_idx = np.nonzero(probas > 0) if not keep_zero else np.indices(probas.shape)
    item_idx, class_idx = item_idx.reshape(-1), class_idx.reshape(-1)
    return pl.DataFrame(
        {
            "item": enc.items.gather(item_idx),
            "label": enc.domain.gather(class_idx),
            "probability": probas[item_idx, class_idx],
        }
    )


def _labels_frame(
    enc: Encoded, choice: np.ndarray, confidence: np.ndarray, n_ratings: np.ndarray
) -> pl.DataFrame:
    label = enc.domain.gather(np.where(choice < 0, 0, choice))
    return pl.DataFrame(
        {
            "item": enc.items,
            "label": label,
            "confidence": confidence,
            "n_ratings": n_ratings.astype(np.int64),
        }
    ).with_columns(
        pl.when(pl.Series(choice >= 0)).then(pl.col("label")).otherwise(None).alias("label"),
        pl.when(pl.Series(choice >= 0)).then(pl.col("confidence")).otherwise(None),
    )


class MajorityVote:
    """The most frequent value per item.

    ``tie="random"`` breaks ties uniformly at random with a generator seeded by ``seed``
    (same input, same labels); ``tie="abstain"`` leaves tied items with a null label.
    ``confidence`` is the winning value's share of the item's ratings.
    """

    def __init__(self, tie: Literal["random", "abstain"] = "random", seed: int = 0) -> None:
        if tie not in ("random", "abstain"):
            raise StatsInputError(f"unknown tie rule {tie!r}: use 'random' or 'abstain'")
        self.tie = tie
        self.seed = seed

    def fit(self, ratings: Any) -> MajorityVote:
        enc, _ = _canonical(encode(ratings, level="nominal", min_annotators=1))
        votes, m = _vote_table(enc)
        top = votes.max(axis=1, keepdims=True)
        is_top = votes == top
        n_top = is_top.sum(axis=1)
        if self.tie == "random":
            keys = np.random.default_rng(self.seed).random(votes.shape)
            choice = np.where(is_top, keys, -1.0).argmax(axis=1)
        else:
            choice = np.where(n_top > 1, -1, is_top.argmax(axis=1))
        probas = votes / m[:, None]
        self.classes_ = enc.domain
        self.probas_ = _probas_frame(enc, probas, keep_zero=False)
        self.labels_ = _labels_frame(enc, choice, top[:, 0] / m, m)
        self.n_tied_ = int((n_top > 1).sum())
        return self


class SoftLabels:
    """The distribution of values per item (vote shares), as used for soft-label training."""

    def fit(self, ratings: Any) -> SoftLabels:
        enc, _ = _canonical(encode(ratings, level="nominal", min_annotators=1))
        votes, m = _vote_table(enc)
        self.classes_ = enc.domain
        self.probas_ = _probas_frame(enc, votes / m[:, None], keep_zero=False)
        return self


class DawidSkene:
    """Dawid & Skene (1979) latent-class model fitted by EM, vectorised with numpy.

    Dawid, A. P. & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates
    using the EM algorithm. JRSS-C 28(1), 20-28. As in crowd-kit, EM starts from the
    majority-vote shares, probabilities are floored at 1e-10, and it stops after ``n_iter``
    iterations or when the log-likelihood per rating improves by less than ``tol``. The model
    is identifiable only up to a relabelling of the classes; starting from majority vote
    selects the solution in which most annotators are better than chance.

    Fitted attributes: ``labels_`` (item, label, confidence = posterior of the label,
    n_ratings), ``probas_`` (item, label, probability), ``confusions_`` (array
    [annotator, true class, given class], rows sum to 1, in the order of ``annotators_`` and
    ``classes_``), ``priors_``, ``n_iter_``, ``log_likelihood_`` (per rating).
    """

    def __init__(self, n_iter: int = 100, tol: float = 1e-5) -> None:
        if n_iter < 1:
            raise StatsInputError(f"n_iter must be at least 1, got {n_iter}")
        self.n_iter = n_iter
        self.tol = tol

    def fit(self, ratings: Any) -> DawidSkene:
        enc, _ = _canonical(encode(ratings, level="nominal"))
        n_items, n_ann, k = enc.items.len(), enc.annotators.len(), enc.domain.len()
        jl = enc.annotator * k + enc.value  # (annotator, given class) cell of each rating
        n_ratings = enc.n_ratings
        # Posteriors are kept as (classes x items): reductions over the few classes are then
        # elementwise operations on long rows, which is several times faster than axis=1.
        if n_items * n_ann * k <= _DENSE_CELLS:
            counts_t = np.bincount(jl * n_items + enc.item, minlength=n_ann * k * n_items)
            counts_t = counts_t.reshape(n_ann * k, n_items).astype(np.float64)

            def evidence(log_conf: np.ndarray) -> np.ndarray:
                return log_conf.T @ counts_t

            def tally(post_t: np.ndarray) -> np.ndarray:
                return counts_t @ post_t.T

        else:
            by_item = np.argsort(enc.item, kind="stable")
            item_starts = np.flatnonzero(np.r_[True, np.diff(enc.item[by_item]) != 0])
            jl_item = jl[by_item]
            by_cell = np.argsort(jl, kind="stable")
            cell_sorted = jl[by_cell]
            cell_starts = np.flatnonzero(np.r_[True, np.diff(cell_sorted) != 0])
            cells = cell_sorted[cell_starts]
            item_cell = enc.item[by_cell]

            def evidence(log_conf: np.ndarray) -> np.ndarray:
                return np.add.reduceat(log_conf[jl_item], item_starts, axis=0).T

            def tally(post_t: np.ndarray) -> np.ndarray:
                out = np.zeros((n_ann * k, k))
                out[cells] = np.add.reduceat(post_t.T[item_cell], cell_starts, axis=0)
                return out

        votes, m = _vote_table(enc)
        post_t = np.ascontiguousarray((votes / m[:, None]).T)
        priors, conf = self._m_step(post_t, tally, n_ann, k)
        previous = -np.inf
        n_done = 0
        for n_done in range(1, self.n_iter + 1):  # noqa: B007 - n_done is reported below
            log_conf = np.log(conf).transpose(0, 2, 1).reshape(n_ann * k, k)
            logits = evidence(log_conf) + np.log(np.maximum(priors, _EPS))[:, None]
            top = logits.max(axis=0)
            weights = np.exp(logits - top)
            total = weights.sum(axis=0)
            post_t = weights / total
            loglik = float((np.log(total) + top).sum()) / n_ratings
            priors, conf = self._m_step(post_t, tally, n_ann, k)
            if loglik - previous < self.tol:
                break
            previous = loglik
        post = post_t.T
        choice = post.argmax(axis=1)
        self.classes_ = enc.domain
        self.annotators_ = enc.annotators
        self.priors_ = priors
        self.confusions_ = conf
        self.n_iter_ = n_done
        self.log_likelihood_ = loglik
        self.probas_ = _probas_frame(enc, post, keep_zero=True)
        self.labels_ = _labels_frame(enc, choice, post[np.arange(n_items), choice], m)
        return self

    @staticmethod
    def _m_step(
        post_t: np.ndarray, tally: Any, n_ann: int, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class priors and confusions [annotator, true, given] from (class x item) posteriors."""
        priors = post_t.mean(axis=1)
        # tally: (annotator x given, true) sums of posteriors -> [annotator, true, given]
        conf = tally(post_t).reshape(n_ann, k, k).transpose(0, 2, 1)
        conf = np.maximum(conf, _EPS)
        conf /= conf.sum(axis=2, keepdims=True)
        return priors, conf
