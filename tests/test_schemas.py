from __future__ import annotations

import pyarrow as pa
import pytest

from emocurate import schemas
from emocurate.schemas._fields import describe


def test_every_table_is_declared_once_with_described_columns() -> None:
    tables = schemas.tables()
    for name in ("sources", "clips", "attributes", "rejects", "shots", "frame_attributes"):
        assert name in tables
    for name, schema in tables.items():
        assert len(set(schema.names)) == len(schema.names), name
        missing = [f.name for f in schema if not describe(f)]
        assert not missing, f"{name}: undocumented columns {missing}"


def test_from_rows_uses_declared_types_not_inferred() -> None:
    table = schemas.from_rows(
        [{"video_id": "v", "shot_index": 0, "start": 0, "end": 1, "cut_score": None}], "shots"
    )
    assert table.schema == schemas.schema("shots")
    assert table.schema.field("start").type == pa.float64()  # 0 would infer int64


def test_conform_fills_nullable_and_rejects_missing_required() -> None:
    partial = pa.table({"video_id": ["v"], "shot_index": [1], "start": [0.0], "end": [2.0]})
    out = schemas.conform(partial, "shots")
    assert out.column("cut_score").to_pylist() == [None]
    with pytest.raises(ValueError, match="required column 'end'"):
        schemas.conform(partial.drop_columns(["end"]), "shots")


def test_schema_version_is_semver() -> None:
    assert len(schemas.SCHEMA_VERSION.split(".")) == 3
