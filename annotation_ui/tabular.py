"""Small user-supplied tables (gold answers, pre-labels) read from CSV, JSON lines or Parquet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from emocurate.errors import InputError

_READERS: dict[str, Callable[[Path], Any]] = {}


def _polars_reader(name: str) -> Callable[[Path], Any]:
    def read(path: Path) -> Any:
        import polars as pl

        return getattr(pl, name)(path)

    return read


_READERS.update(
    {
        ".csv": _polars_reader("read_csv"),
        ".parquet": _polars_reader("read_parquet"),
        ".jsonl": _polars_reader("read_ndjson"),
        ".ndjson": _polars_reader("read_ndjson"),
        ".json": _polars_reader("read_json"),
    }
)


def read_rows(path: Path, required: tuple[str, ...], what: str) -> list[dict[str, Any]]:
    """Rows of a small table with at least the `required` columns (values as strings)."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: {what} must be .csv, .jsonl, .json or .parquet")
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    try:
        frame = reader(path)
    except Exception as exc:  # polars raises many types for malformed files
        raise InputError(
            f"{path}: unreadable {what} ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        ) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: {what} needs column(s) {', '.join(missing)} (has {', '.join(frame.columns)})"
        )
    return [
        {k: v if v is None or k == "score" else str(v) for k, v in row.items()}
        for row in frame.to_dicts()
    ]
