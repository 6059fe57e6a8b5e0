"""Shared builders for the stats tests (random tables in the long format)."""

from __future__ import annotations

import numpy as np
import polars as pl


def long_from_matrix(matrix: np.ndarray | list, item_prefix: str = "u") -> pl.DataFrame:
    """(annotators x items) matrix, NaN/None for missing -> long table item, annotator, value."""
    rows = []
    for a, row in enumerate(matrix):
        for i, v in enumerate(row):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            rows.append((f"{item_prefix}{i}", f"c{a}", v))
    return pl.DataFrame(rows, schema=["item", "annotator", "value"], orient="row")


def random_matrix(
    rng: np.random.Generator, n_ann: int, n_items: int, n_values: int, missing: float
) -> np.ndarray:
    """Ratings that agree more than chance (a shared true value plus noise), with gaps."""
    truth = rng.integers(0, n_values, n_items)
    noise = rng.integers(0, n_values, (n_ann, n_items))
    mat = np.where(rng.random((n_ann, n_items)) < 0.6, truth, noise).astype(np.float64)
    mat[rng.random(mat.shape) < missing] = np.nan
    return mat


def long_from_array(mat: np.ndarray) -> pl.DataFrame:
    """Vectorised ``long_from_matrix`` for numeric arrays (integer item and annotator ids)."""
    n_ann, n_items = mat.shape
    item = np.tile(np.arange(n_items), n_ann)
    ann = np.repeat(np.arange(n_ann), n_items)
    val = mat.ravel()
    keep = ~np.isnan(val)
    return pl.DataFrame({"item": item[keep], "annotator": ann[keep], "value": val[keep]})
