"""Agreement over the workspace's pulled annotations: the bridge from the catalog to stats/.

Ratings come from the `annotations` view (latest version of each annotation).
Each labelling field is analysed at its own level of measurement: numeric fields
(valence, arousal, sentiment ratings) at `interval`, categorical ones at
`nominal`, unless `[stats.levels]` in emocurate.toml says otherwise; timeline
fields (segments) get frame-level alpha and segment F1 (stats.segment_agreement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from emocurate import schemas
from emocurate.errors import EmocurateError
from emocurate.query import run_query
from emocurate.stats import segment_agreement
from emocurate.stats.alpha import LEVELS
from emocurate.stats.errors import StatsInputError
from emocurate.stats.report import AgreementReport, agreement_report
from emocurate.workspace import Workspace

#: Fields emocurate records for its own bookkeeping, not answers (skips, empty submissions).
_META_PREFIX = "_"


@dataclass(frozen=True)
class WorkspaceAgreement:
    report: AgreementReport
    levels: dict[str, str]
    n_boot: int
    seed: int


def annotation_rows(workspace: Workspace) -> pl.DataFrame:
    """The latest version of every pulled answer, one row per annotator x clip x field."""
    table = run_query(
        workspace,
        "select config || '/' || field as field, clip_id as item, annotator, value, value_num, "
        "segment_start, segment_end from annotations "
        f"where not starts_with(field, '{_META_PREFIX}')",
    )
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def field_levels(workspace: Workspace, rows: pl.DataFrame) -> dict[str, str]:
    """Level of measurement per field: configured, else interval if numeric, else nominal."""
    configured = dict(workspace.section("stats").get("levels", {}))
    levels = {}
    for name, part in rows.group_by("field", maintain_order=True):
        field = str(name[0])
        short = field.split("/", 1)[-1]
        level = configured.get(field) or configured.get(short)
        if level is None:
            level = "interval" if part["value_num"].null_count() == 0 else "nominal"
        if level not in LEVELS:
            raise EmocurateError(
                f"[stats.levels] {short} = {level!r}: use one of {', '.join(LEVELS)}"
            )
        levels[field] = level
    return levels


def workspace_agreement(
    workspace: Workspace,
    n_boot: int = 1000,
    seed: int = 0,
    field: str | None = None,
    level: str | None = None,
) -> WorkspaceAgreement:
    """Agreement, items, annotators and labels for every pulled field (`level` forces one level)."""
    rows = annotation_rows(workspace)
    if field is not None:
        rows = rows.filter(
            (pl.col("field") == field) | (pl.col("field").str.ends_with(f"/{field}"))
        )
    if rows.is_empty():
        raise EmocurateError(
            "no annotations pulled yet: run `emocurate annotate pull` first, or pass --ratings FILE"
        )
    segments = rows.filter(pl.col("segment_start").is_not_null())
    answers = rows.filter(pl.col("segment_start").is_null())
    levels = field_levels(workspace, answers) if not answers.is_empty() else {}
    if level is not None:
        levels = dict.fromkeys(levels, level)
    parts = []
    for name, level in levels.items():
        part = answers.filter(pl.col("field") == name)
        value = pl.col("value_num") if level in ("interval", "ratio") else pl.col("value")
        ratings = part.select("field", "item", "annotator", value.alias("value"))
        try:
            parts.append(agreement_report(ratings, level=level, n_boot=n_boot, seed=seed))
        except StatsInputError as err:
            # One field too thin to measure (a single annotator so far) must not hide the others.
            parts.append(_note_only(name, level, ratings, str(err)))
    report = _concat(parts) if parts else _empty_report()
    if not segments.is_empty():
        report = report._replace(agreement=pl.concat([report.agreement, _segment_rows(segments)]))
    return WorkspaceAgreement(report, levels, n_boot, seed)


def _segment_rows(segments: pl.DataFrame) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for name, part in segments.group_by("field", maintain_order=True):
        table = part.select(
            "item", "annotator", pl.col("value").alias("label"),
            pl.col("segment_start").alias("start"), pl.col("segment_end").alias("end"),
        )  # fmt: skip
        counts = {
            "n_items": table["item"].n_unique(),
            "n_annotators": table["annotator"].n_unique(),
            "n_ratings": table.height,
        }
        try:
            result = segment_agreement(table)
            values, note = {"segment_alpha": result.alpha, "segment_f1_iou50": result.f1}, None
        except StatsInputError as err:
            values, note = {"segment_alpha": None, "segment_f1_iou50": None}, str(err)
        for metric, value in values.items():
            rows.append(
                {
                    "field": str(name[0]),
                    "metric": metric,
                    "level": "nominal",
                    "value": value,
                    "note": note,
                    **counts,
                }
            )
    return _frame("agreement", rows)


def _note_only(field: str, level: str, ratings: pl.DataFrame, note: str) -> AgreementReport:
    row = {
        "field": field,
        "metric": "krippendorff_alpha",
        "level": level,
        "n_items": ratings["item"].n_unique(),
        "n_annotators": ratings["annotator"].n_unique(),
        "n_ratings": ratings.height,
        "note": note,
    }
    return _empty_report()._replace(agreement=_frame("agreement", [row]))


def _concat(parts: list[AgreementReport]) -> AgreementReport:
    return AgreementReport(
        agreement=pl.concat([p.agreement for p in parts], how="vertical_relaxed"),
        items=pl.concat([p.items for p in parts], how="diagonal_relaxed"),
        annotators=pl.concat([p.annotators for p in parts], how="diagonal_relaxed"),
        labels=pl.concat([p.labels for p in parts], how="vertical_relaxed"),
    )


def _empty_report() -> AgreementReport:
    return AgreementReport(
        _frame("agreement", []), pl.DataFrame(), pl.DataFrame(), _frame("labels", [])
    )


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as a polars frame typed by the declared schema of `table`."""
    frame = pl.from_arrow(schemas.from_rows(rows, table))
    assert isinstance(frame, pl.DataFrame)
    return frame
