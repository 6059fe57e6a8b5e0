"""One call that computes everything a release and the ``emocurate stats`` command show.

``agreement_report`` takes a long ratings table (item, annotator, value and optionally
field) and returns four polars tables: agreement (one row per field x metric, matching
``AGREEMENT_SCHEMA``), items, annotators and labels (matching ``LABELS_SCHEMA``). The CLI only
prints and writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from emocurate.schemas.stats import AGREEMENT_SCHEMA, LABELS_SCHEMA

from ._table import as_frame, check_ratings
from .aggregation import DawidSkene, MajorityVote, SoftLabels
from .agreement import annotator_agreement, item_agreement
from .alpha import alpha_ci, check_level
from .errors import NoVariationError, StatsInputError
from .icc import ccc_vs_mean, icc
from .kappa import fleiss_kappa, percent_agreement

__all__ = ["AgreementReport", "agreement_report", "split_fields", "write_report"]

DEFAULT_FIELD = "value"


class AgreementReport(NamedTuple):
    """The four tables of a report (polars DataFrames)."""

    agreement: pl.DataFrame
    items: pl.DataFrame
    annotators: pl.DataFrame
    labels: pl.DataFrame


def split_fields(ratings: Any, field: str | None = None) -> dict[str, pl.DataFrame]:
    """Split a ratings table by its optional ``field`` column (or name the single field)."""
    df = as_frame(ratings)
    if "field" not in df.columns:
        return {field or DEFAULT_FIELD: df}
    if df["field"].null_count():
        raise StatsInputError("ratings have rows with an empty 'field': fill or drop them")
    names = sorted(df["field"].cast(pl.String).unique().to_list())
    if field is not None:
        if field not in names:
            raise StatsInputError(
                f"field {field!r} is not in the ratings (fields: {', '.join(names)})"
            )
        names = [field]
    return {
        name: df.filter(pl.col("field").cast(pl.String) == name).drop("field") for name in names
    }


def _row(field: str, metric: str, level: str | None, counts: dict[str, int], **kw: Any) -> dict:
    return {
        "field": field,
        "metric": metric,
        "level": level,
        "value": kw.get("value"),
        "ci_low": kw.get("ci_low"),
        "ci_high": kw.get("ci_high"),
        "ci_method": kw.get("ci_method"),
        **counts,
        "note": kw.get("note"),
    }


def _try(fn: Any, *args: Any, **kwargs: Any) -> tuple[float | None, str | None]:
    """Value of a secondary metric, or (None, reason) when it does not apply to these data."""
    try:
        return fn(*args, **kwargs), None
    except StatsInputError as err:
        return None, str(err)


def _field_report(
    name: str, ratings: pl.DataFrame, level: str, n_boot: int, seed: int, confidence: float
) -> tuple[list[dict], pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    clean = check_ratings(ratings, numeric=level in ("interval", "ratio"), level=level)
    counts = {
        "n_items": clean["item"].n_unique(),
        "n_annotators": clean["annotator"].n_unique(),
        "n_ratings": clean.height,
    }
    rows = []
    try:
        a, lo, hi = alpha_ci(clean, level, n_boot=n_boot, seed=seed, confidence=confidence)
        method = (
            f"percentile bootstrap over items, {n_boot} resamples, seed {seed}, {confidence:.0%}"
        )
        rows.append(
            _row(
                name,
                "krippendorff_alpha",
                level,
                counts,
                value=a,
                ci_low=lo,
                ci_high=hi,
                ci_method=method,
            )
        )
    except NoVariationError as err:
        rows.append(_row(name, "krippendorff_alpha", level, counts, note=str(err)))

    numeric = level in ("interval", "ratio")
    if numeric:
        for form in ("ICC(2,1)", "ICC(1,1)"):
            value, note = _try(icc, clean, form)
            rows.append(_row(name, form.lower(), level, counts, value=value, note=note))
    else:
        value, note = _try(fleiss_kappa, clean)
        rows.append(_row(name, "fleiss_kappa", "nominal", counts, value=value, note=note))
        value, note = _try(percent_agreement, clean)
        rows.append(_row(name, "percent_agreement", "nominal", counts, value=value, note=note))

    items = item_agreement(clean)
    annotators = annotator_agreement(clean)
    n_per_item = items.select(pl.col("item").cast(pl.String), "n_ratings")
    if numeric:
        moments = clean.group_by("item").agg(
            pl.col("value").cast(pl.Float64).mean().alias("mean"),
            pl.col("value").cast(pl.Float64).std().alias("std"),
        )
        items = items.join(moments, on="item", how="left")
        annotators = annotators.join(ccc_vs_mean(clean).drop("n_items"), on="annotator", how="left")
        labels = moments.select(
            pl.col("item").cast(pl.String),
            pl.lit("mean").alias("method"),
            pl.lit(None, pl.String).alias("label"),
            pl.col("mean").alias("value"),
            pl.lit(None, pl.Float64).alias("confidence"),
        ).join(n_per_item, on="item")
    else:
        parts = []
        mv = MajorityVote(tie="abstain").fit(clean).labels_
        ds = DawidSkene().fit(clean).labels_
        for method, lab in (("majority", mv), ("dawid_skene", ds)):
            parts.append(
                lab.select(
                    pl.col("item").cast(pl.String),
                    pl.lit(method).alias("method"),
                    pl.col("label").cast(pl.String),
                    pl.lit(None, pl.Float64).alias("value"),
                    pl.col("confidence").cast(pl.Float64),
                ).join(n_per_item, on="item")
            )
        soft = SoftLabels().fit(clean).probas_
        parts.append(
            soft.select(
                pl.col("item").cast(pl.String),
                pl.lit("soft").alias("method"),
                pl.col("label").cast(pl.String),
                pl.lit(None, pl.Float64).alias("value"),
                pl.col("probability").alias("confidence"),
            ).join(n_per_item, on="item")
        )
        labels = pl.concat(parts)
    labels = labels.with_columns(pl.lit(name).alias("field")).select(LABELS_SCHEMA.names)
    items = items.with_columns(pl.lit(name).alias("field")).select("field", pl.exclude("field"))
    annotators = annotators.with_columns(pl.lit(name).alias("field")).select(
        "field", pl.exclude("field")
    )
    return rows, items, annotators, labels


def agreement_report(
    ratings: Any,
    level: str = "nominal",
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    field: str | None = None,
) -> AgreementReport:
    """Agreement, per-item, per-annotator and aggregated-label tables for every field.

    Metrics per field: Krippendorff's alpha with its bootstrap CI (``alpha_ci``); for nominal
    and ordinal data also Fleiss' kappa and percent agreement, for interval and ratio data
    ICC(2,1) and ICC(1,1). A metric that does not apply (e.g. Fleiss' kappa with unequal
    numbers of ratings) or is undefined (no variation) gets a null value and a ``note``.
    Labels: majority (ties abstain), Dawid-Skene and soft labels for categorical data, the
    mean rating for interval and ratio data.
    """
    check_level(level)
    rows: list[dict] = []
    items, annotators, labels = [], [], []
    for name, part in split_fields(ratings, field).items():
        try:
            r, i, a, lab = _field_report(name, part, level, n_boot, seed, confidence)
        except StatsInputError as err:
            if field is None and "field" in as_frame(ratings).columns:
                raise type(err)(f"field {name!r}: {err}") from err
            raise
        rows += r
        items.append(i)
        annotators.append(a)
        labels.append(lab)
    agreement = pl.from_arrow(pa.Table.from_pylist(rows, schema=AGREEMENT_SCHEMA))
    assert isinstance(agreement, pl.DataFrame)
    return AgreementReport(
        agreement=agreement,
        items=pl.concat(items, how="diagonal_relaxed"),
        annotators=pl.concat(annotators, how="diagonal_relaxed"),
        labels=pl.concat(labels, how="vertical_relaxed"),
    )


def write_report(report: AgreementReport, out_dir: Path) -> tuple[Path, Path]:
    """Write agreement.parquet and labels.parquet with the declared schemas; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame, schema in (
        ("agreement", report.agreement, AGREEMENT_SCHEMA),
        ("labels", report.labels, LABELS_SCHEMA),
    ):
        table = frame.select(schema.names).to_arrow().cast(schema)
        path = out_dir / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        tmp.replace(path)  # atomic: a killed run never leaves half a file
        written.append(path)
    return written[0], written[1]
