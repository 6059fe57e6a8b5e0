"""agreement_report and the Parquet files written with the declared schemas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from emocurate.schemas.stats import AGREEMENT_SCHEMA, LABELS_SCHEMA
from emocurate.stats import agreement_report, alpha_ci, fleiss_kappa, write_report
from emocurate.stats.errors import StatsInputError

from ._data import long_from_array, random_matrix


def two_fields() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    emotion = long_from_array(random_matrix(rng, 4, 40, 3, missing=0.0)).with_columns(
        pl.lit("emotion").alias("field")
    )
    constant = emotion.with_columns(pl.lit(1.0).alias("value"), pl.lit("flat").alias("field"))
    return pl.concat([emotion, constant])


def test_report_rows_and_undefined_metrics() -> None:
    report = agreement_report(two_fields(), level="nominal", n_boot=100, seed=1)
    rows = {(r["field"], r["metric"]): r for r in report.agreement.iter_rows(named=True)}
    emotion = two_fields().filter(pl.col("field") == "emotion").drop("field")
    expected = alpha_ci(emotion, "nominal", n_boot=100, seed=1)
    alpha = rows[("emotion", "krippendorff_alpha")]
    assert (alpha["value"], alpha["ci_low"], alpha["ci_high"]) == tuple(expected)
    assert rows[("emotion", "fleiss_kappa")]["value"] == pytest.approx(fleiss_kappa(emotion))
    assert (alpha["n_items"], alpha["n_annotators"], alpha["n_ratings"]) == (40, 4, 160)
    flat = rows[("flat", "krippendorff_alpha")]
    assert flat["value"] is None and "undefined" in flat["note"]
    methods = set(report.labels["method"].unique().to_list())
    assert methods == {"majority", "dawid_skene", "soft"}
    assert set(report.items["field"].unique().to_list()) == {"emotion", "flat"}


def test_interval_report_has_icc_and_means() -> None:
    table = two_fields().filter(pl.col("field") == "emotion")
    report = agreement_report(table, level="interval", n_boot=50)
    assert set(report.agreement["metric"].to_list()) == {
        "krippendorff_alpha",
        "icc(2,1)",
        "icc(1,1)",
    }
    assert report.labels["method"].unique().to_list() == ["mean"]
    assert "ccc" in report.annotators.columns


def test_written_files_follow_the_schemas(tmp_path: Path) -> None:
    report = agreement_report(two_fields(), n_boot=20)
    agreement_path, labels_path = write_report(report, tmp_path / "out")
    assert pq.read_schema(agreement_path).equals(AGREEMENT_SCHEMA, check_metadata=False)
    assert pq.read_schema(labels_path).equals(LABELS_SCHEMA, check_metadata=False)
    assert pq.read_table(labels_path).num_rows == report.labels.height


def test_unknown_field_is_named() -> None:
    with pytest.raises(StatsInputError, match="'arousal' is not in the ratings"):
        agreement_report(two_fields(), field="arousal")
