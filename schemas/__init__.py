"""The data contract: one pyarrow schema per table, declared once, versioned.

Every module in this package declares module-level constants named
`<TABLE>_SCHEMA` (for example `CLIPS_SCHEMA` declares the table `clips`).
`tables()` collects them all, so adding a table is adding a constant; nothing
else in the code base spells out column lists.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import pyarrow as pa

#: Bumped when any declared table changes incompatibly (releases record it).
SCHEMA_VERSION = "1.0.0"

_SUFFIX = "_SCHEMA"


@cache
def tables() -> dict[str, pa.Schema]:
    """All declared tables by name, gathered from every module of this package."""
    found: dict[str, pa.Schema] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for attr, value in vars(module).items():
            if attr.endswith(_SUFFIX) and isinstance(value, pa.Schema):
                name = attr[: -len(_SUFFIX)].lower()
                if name in found and found[name] != value:
                    raise RuntimeError(f"table {name!r} is declared twice in schemas/")
                found[name] = value
    return found


def schema(name: str) -> pa.Schema:
    """The declared schema of table `name`."""
    try:
        return tables()[name]
    except KeyError:
        known = ", ".join(sorted(tables()))
        raise KeyError(f"no schema declared for table {name!r} (known: {known})") from None


def empty(name: str) -> pa.Table:
    """A zero-row table with the declared schema (for skipped videos and empty views)."""
    return schema(name).empty_table()


def conform(table: pa.Table, name: str) -> pa.Table:
    """Return `table` with exactly the declared columns, order and types of `name`.

    Missing nullable columns are filled with nulls; a missing non-nullable column
    or an impossible cast is a bug in the producer and raises.
    """
    target = schema(name)
    columns = []
    for field in target:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        elif field.nullable:
            columns.append(pa.nulls(table.num_rows, field.type))
        else:
            raise ValueError(f"table {name!r}: required column {field.name!r} is missing")
    return pa.Table.from_arrays(columns, schema=target)


def from_rows(rows: list[dict], name: str) -> pa.Table:
    """Build a table of `name` from row dicts, typed by the declared schema (never inferred)."""
    return pa.Table.from_pylist(rows, schema=schema(name))
