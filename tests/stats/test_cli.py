"""The `stats` command, registered on a small Typer app and run through CliRunner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from emocurate.cli.stats import register
from emocurate.schemas.errors import EmocurateError
from emocurate.stats import krippendorff_alpha

from ._data import long_from_array, random_matrix


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # a callback keeps "stats" a subcommand
        pass

    return app


@pytest.fixture
def ratings() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    table = long_from_array(random_matrix(rng, 4, 30, 3, missing=0.1))
    return table.with_columns(
        ("clip" + pl.col("item").cast(pl.String)).alias("item"),
        ("ann" + pl.col("annotator").cast(pl.String)).alias("annotator"),
        pl.col("value").cast(pl.Int64),
        pl.lit("emotion").alias("field"),
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_stats_prints_and_writes(
    app: typer.Typer, ratings: pl.DataFrame, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"ratings{suffix}"
    ratings.write_csv(path) if suffix == ".csv" else ratings.write_parquet(path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["stats", "--ratings", str(path), "--n-boot", "50", "--top", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "krippendorff_alpha" in result.output and "most contested items" in result.output
    table = pq.read_table(out / "agreement.parquet").to_pylist()
    alpha = next(r for r in table if r["metric"] == "krippendorff_alpha")
    assert alpha["value"] == pytest.approx(krippendorff_alpha(ratings.drop("field"), "nominal"))
    assert f"{alpha['value']:.3f}" in result.output
    assert pq.read_table(out / "labels.parquet").num_rows > 0


def test_stats_errors_are_emocurate_errors(app: typer.Typer, tmp_path: Path) -> None:
    from emocurate.workspace import Workspace

    runner = CliRunner()
    result = runner.invoke(app, ["stats", "-w", str(tmp_path)])
    assert isinstance(result.exception, EmocurateError)
    assert "emocurate init" in str(result.exception)
    ws = Workspace.init(tmp_path / "ws")
    result = runner.invoke(app, ["stats", "-w", str(ws.root)])
    assert isinstance(result.exception, EmocurateError)
    assert "emocurate annotate pull" in str(result.exception)
    result = runner.invoke(app, ["stats", "--ratings", str(tmp_path / "nope.csv")])
    assert isinstance(result.exception, EmocurateError) and "not found" in str(result.exception)
    bad = tmp_path / "r.csv"
    bad.write_text("item,annotator,value\n1,a,1\n")
    result = runner.invoke(app, ["stats", "--ratings", str(bad), "--level", "bogus"])
    assert isinstance(result.exception, EmocurateError) and "--level" in str(result.exception)


def test_stats_reports_a_bad_ratings_file_in_one_line(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("item,value\nclip1,2\n")
    result = CliRunner().invoke(app, ["stats", "--ratings", str(path)])
    assert isinstance(result.exception, EmocurateError)
    message = str(result.exception)
    assert "missing column(s) 'annotator'" in message and "\n" not in message
