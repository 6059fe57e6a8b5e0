"""`emocurate stats`: agreement, item and annotator tables, and aggregated labels.

A thin layer over ``emocurate.stats.report``: read ratings, call ``agreement_report``, print
rich tables, optionally write agreement.parquet and labels.parquet.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from emocurate.schemas.errors import EmocurateError
from emocurate.stats.alpha import LEVELS
from emocurate.stats.report import AgreementReport, agreement_report, write_report

__all__ = ["load_ratings_file", "register", "stats"]


def load_ratings_file(path: Path) -> pl.DataFrame:
    """Read a CSV or Parquet ratings file with columns item, annotator, value (and field)."""
    if not path.is_file():
        raise EmocurateError(f"ratings file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix in (".csv", ".tsv"):
            return pl.read_csv(
                path,
                separator="\t" if suffix == ".tsv" else ",",
                schema_overrides={"item": pl.String, "annotator": pl.String},
            )
    except (pl.exceptions.PolarsError, OSError) as err:
        raise EmocurateError(f"cannot read ratings file {path}: {err}".splitlines()[0]) from err
    raise EmocurateError(
        f"ratings file {path} has an unknown format {suffix or '(no extension)'!r}: "
        "give a .csv or .parquet file"
    )


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(frame: pl.DataFrame, title: str) -> Table:
    table = Table(*frame.columns, title=title)
    for row in frame.iter_rows():
        table.add_row(*(_fmt(v) for v in row))
    return table


def _print_report(
    report: AgreementReport, levels: dict[str, str], default: str, top: int, out: Console
) -> None:
    agreement = report.agreement.select(
        "field",
        "metric",
        "value",
        pl.col("ci_low").alias("low"),
        pl.col("ci_high").alias("high"),
        pl.col("n_items").alias("items"),
        pl.col("n_annotators").alias("raters"),
        pl.col("n_ratings").alias("ratings"),
    )
    out.print(_table(agreement, "agreement"))
    for row in report.agreement.filter(pl.col("note").is_not_null()).iter_rows(named=True):
        out.print(f"  {row['field']} {row['metric']}: {row['note']}", markup=False, highlight=False)
    for name, items in report.items.group_by("field", maintain_order=True):
        field = str(name[0])
        numeric = levels.get(field, default) in ("interval", "ratio")
        items = items.sort(
            ["std", "n_ratings"] if numeric else ["majority_share", "n_ratings"],
            descending=[True, True] if numeric else [False, True],
            nulls_last=True,
        )
        title = "most contested items" + (
            " (highest std)" if numeric else " (lowest majority share)"
        )
        item_cols = ["field", "item", "n_ratings"] + (
            ["mean", "std"] if numeric else ["majority", "majority_share", "entropy"]
        )
        out.print(_table(items.select(item_cols).head(top), title))
        ann_cols = ["field", "annotator", "n_ratings", "loo_agreement", "pair_agreement"] + (
            ["ccc"] if numeric else []
        )
        annotators = (
            report.annotators.filter(pl.col("field") == field)
            .sort("ccc" if numeric else "loo_agreement", nulls_last=True)
            .select(ann_cols)
        )
        out.print(_table(annotators.head(top), "annotators (least agreeing first)"))


def stats(
    ratings: Annotated[
        Path | None,
        typer.Option(
            "--ratings",
            help="CSV or Parquet with columns item, annotator, value (and optionally field). "
            "Default: the annotations pulled into the workspace.",
        ),
    ] = None,
    field: Annotated[
        str | None, typer.Option("--field", help="Only this field (default: every field).")
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            help=f"Level of measurement: {', '.join(LEVELS)}. Default: nominal for --ratings; "
            "per field for pulled annotations ([stats.levels] in emocurate.toml, else interval "
            "for numeric fields and nominal for the rest).",
        ),
    ] = None,
    n_boot: Annotated[
        int, typer.Option("--n-boot", min=1, help="Bootstrap resamples for alpha's CI.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows in item/annotator tables.")] = 10,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace folder (default: the current one)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write agreement.parquet and labels.parquet to."),
    ] = None,
) -> None:
    """Inter-annotator agreement (alpha with CI, kappa), contested items, annotators, labels."""
    if level is not None and level not in LEVELS:
        raise EmocurateError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    levels: dict[str, str] = {}
    if ratings is not None:
        frame = load_ratings_file(ratings)
        report = agreement_report(
            frame, level=level or "nominal", n_boot=n_boot, seed=seed, field=field
        )
    else:
        from emocurate.agreement import workspace_agreement
        from emocurate.workspace import Workspace

        result = workspace_agreement(Workspace.open(workspace), n_boot, seed, field, level)
        report, levels = result.report, result.levels
    console = Console(soft_wrap=False)
    _print_report(report, levels, level or "nominal", top, console)
    if out is not None:
        agreement_path, labels_path = write_report(report, out)
        Console(stderr=True).print(
            f"wrote {agreement_path} ({report.agreement.height} rows) and {labels_path} "
            f"({report.labels.height} rows)",
            markup=False,
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``emocurate stats`` to the main app (called by the CLI's plugin loader)."""
    app.command("stats")(stats)
