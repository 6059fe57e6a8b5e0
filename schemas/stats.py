"""Schemas of the tables that ``emocurate.stats`` puts into a release: agreement and labels.

The schema registry picks up every module-level ``<TABLE>_SCHEMA``; field descriptions are
kept in the Arrow field metadata under b"description" so they travel with the Parquet files.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["AGREEMENT_SCHEMA", "LABELS_SCHEMA"]


def _field(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


AGREEMENT_SCHEMA = pa.schema(
    [
        _field("field", pa.string(), "annotated field (e.g. emotion, valence)", nullable=False),
        _field(
            "metric",
            pa.string(),
            "krippendorff_alpha, fleiss_kappa, percent_agreement, icc(2,1), icc(1,1), ...",
            nullable=False,
        ),
        _field("level", pa.string(), "level of measurement: nominal, ordinal, interval, ratio"),
        _field("value", pa.float64(), "the coefficient; null when undefined (see note)"),
        _field("ci_low", pa.float64(), "lower bound of the confidence interval, if computed"),
        _field("ci_high", pa.float64(), "upper bound of the confidence interval, if computed"),
        _field(
            "ci_method",
            pa.string(),
            "how the interval was computed (resampling scheme, resamples, seed, level)",
        ),
        _field("n_items", pa.int64(), "items (clips) with at least one rating", nullable=False),
        _field("n_annotators", pa.int64(), "distinct annotators", nullable=False),
        _field("n_ratings", pa.int64(), "ratings (non-missing values)", nullable=False),
        _field("note", pa.string(), "why a value is missing, or a caveat"),
    ],
    metadata={"table": "agreement", "version": "1"},
)

LABELS_SCHEMA = pa.schema(
    [
        _field("item", pa.string(), "the rated item: the clip_id in a release", nullable=False),
        _field("field", pa.string(), "annotated field (e.g. emotion, valence)", nullable=False),
        _field(
            "method",
            pa.string(),
            "majority (ties abstain), dawid_skene, soft (one row per item and label), mean",
            nullable=False,
        ),
        _field("label", pa.string(), "aggregated categorical label; null on abstention"),
        _field("value", pa.float64(), "aggregated numeric value (method mean)"),
        _field(
            "confidence",
            pa.float64(),
            "majority: vote share; dawid_skene: posterior; soft: the label's share",
        ),
        _field("n_ratings", pa.int64(), "ratings of the item behind the label", nullable=False),
    ],
    metadata={"table": "labels", "version": "1"},
)
