"""A small helper so every column carries its description (used by dataset cards)."""

from __future__ import annotations

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")


def col(
    name: str, type_: pa.DataType, description: str, nullable: bool = True, file: bool = False
) -> pa.Field:
    """A schema field with a human description stored in its metadata.

    `file=True` marks a column holding workspace-relative file paths (a string or a
    list of strings): releases copy those files and checksum them.
    """
    meta = {"description": description}
    if file:
        meta["file"] = "true"
    return pa.field(name, type_, nullable=nullable, metadata=meta)


def is_file_column(field: pa.Field) -> bool:
    return (field.metadata or {}).get(b"file") == b"true"


def describe(field: pa.Field) -> str:
    """The description stored by `col`, or an empty string."""
    meta = field.metadata or {}
    return meta.get(b"description", b"").decode()
