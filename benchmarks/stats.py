"""Benchmark emocurate.stats against the reference packages, as ratios measured in one run.

    .venv/bin/python benchmarks/stats.py                 # 100,000 items x 10 annotators
    .venv/bin/python benchmarks/stats.py --items 10000   # quick

1. Krippendorff's alpha with a 1000-resample bootstrap CI (``alpha_ci``) on a long polars
   table, divided by one call of ``krippendorff.alpha`` on the same data as an annotators x
   items matrix (target: <= 10).
2. crowd-kit's DawidSkene divided by ours on the same ratings (target: >= 5), with the share
   of items on which the two agree and both accuracies against the known truth.

Each timing is the best of ``--repeat`` runs (the machine may be shared). Building the input
tables is not timed for either side.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from emocurate.stats import DawidSkene, MajorityVote, alpha_ci, krippendorff_alpha

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def synthetic(
    n_items: int, n_ann: int, n_classes: int, missing: float, seed: int
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Ratings from known confusion matrices (two annotators adversarial); returns the long
    table, the annotators x items matrix (NaN = missing) and the true classes."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    conf = np.empty((n_ann, n_classes, n_classes))
    for j in range(n_ann):
        if j < 2:  # adversarial: answers the next class
            conf[j] = 0.2 / (n_classes - 1)
            conf[j][np.arange(n_classes), (np.arange(n_classes) + 1) % n_classes] = 0.8
        else:
            acc = rng.uniform(0.5, 0.85)
            conf[j] = (1 - acc) / (n_classes - 1)
            np.fill_diagonal(conf[j], acc)
    item = np.repeat(np.arange(n_items), n_ann)
    ann = np.tile(np.arange(n_ann), n_items)
    cum = conf[ann, truth[item]].cumsum(axis=1)
    label = (rng.random(item.size)[:, None] > cum).sum(axis=1).astype(np.int64)
    keep = rng.random(item.size) >= missing
    matrix = np.full((n_ann, n_items), np.nan)
    matrix[ann[keep], item[keep]] = label[keep]
    ids = pl.Series([f"clip{i:07d}" for i in range(n_items)])
    names = pl.Series([f"ann{j:03d}" for j in range(n_ann)])
    table = pl.DataFrame(
        {"item": ids.gather(item[keep]), "annotator": names.gather(ann[keep]), "value": label[keep]}
    )
    return table, matrix, truth


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_alpha(table: pl.DataFrame, matrix: np.ndarray, args: argparse.Namespace) -> None:
    import krippendorff

    print(f"\nKrippendorff's alpha + {args.n_boot}-resample CI vs one krippendorff.alpha call")
    print(f"{'level':<9} {'krippendorff':>12} {'alpha':>8} {'alpha_ci':>9} {'ratio':>6}  alpha")
    for level in args.levels:
        t_ref, ref = best_of(
            args.repeat,
            lambda level=level: krippendorff.alpha(
                reliability_data=matrix, level_of_measurement=level
            ),
        )
        t_alpha, value = best_of(args.repeat, lambda level=level: krippendorff_alpha(table, level))
        t_ci, ci = best_of(
            args.repeat, lambda level=level: alpha_ci(table, level, n_boot=args.n_boot, seed=0)
        )
        assert abs(value - ref) < 1e-9, (level, value, ref)
        print(
            f"{level:<9} {t_ref:>11.3f}s {t_alpha:>7.3f}s {t_ci:>8.3f}s {t_ci / t_ref:>6.1f}  "
            f"{ci.alpha:.6f} [{ci.low:.4f}, {ci.high:.4f}] (|diff| {abs(value - ref):.1e})"
        )
    print("target: ratio <= 10")


def bench_dawid_skene(table: pl.DataFrame, truth: np.ndarray, args: argparse.Namespace) -> None:
    from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene

    frame = table.rename({"item": "task", "annotator": "worker", "value": "label"}).to_pandas()
    t_ck, ck = best_of(1, lambda: CrowdKitDawidSkene(n_iter=100, tol=1e-5).fit(frame))
    t_ours, ours = best_of(args.repeat, lambda: DawidSkene(n_iter=100, tol=1e-5).fit(table))
    ck_labels = ck.labels_.sort_index()
    mine = ours.labels_.sort("item")
    assert mine["item"].to_list() == list(ck_labels.index)
    agree = float((mine["label"].to_numpy() == ck_labels.to_numpy()).mean())
    idx = np.array([int(s[4:]) for s in mine["item"].to_list()])
    acc = float((mine["label"].to_numpy() == truth[idx]).mean())
    acc_ck = float((ck_labels.to_numpy() == truth[idx]).mean())
    mv = MajorityVote(seed=0).fit(table).labels_.sort("item")
    acc_mv = float((mv["label"].to_numpy() == truth[idx]).mean())
    print("\nDawid-Skene (n_iter=100, tol=1e-5) vs crowd-kit")
    print(
        f"crowd-kit {t_ck:.3f}s ({len(ck.loss_history_)} iterations), ours {t_ours:.3f}s "
        f"({ours.n_iter_} iterations): ratio {t_ck / t_ours:.1f} (target >= 5)"
    )
    print(
        f"labels agree on {agree:.2%} of items; accuracy vs truth: ours {acc:.4f}, "
        f"crowd-kit {acc_ck:.4f}, majority vote {acc_mv:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--missing", type=float, default=0.0, help="share of ratings left out")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--levels", nargs="+", default=list(LEVELS), choices=LEVELS)
    parser.add_argument("--skip-dawid-skene", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    table, matrix, truth = synthetic(
        args.items, args.annotators, args.classes, args.missing, args.seed
    )
    print(
        f"{args.items:,} items x {args.annotators} annotators, {args.classes} classes, "
        f"{table.height:,} ratings (missing {args.missing:.0%})"
    )
    bench_alpha(table, matrix, args)
    if not args.skip_dawid_skene:
        bench_dawid_skene(table, truth, args)


if __name__ == "__main__":
    main()
