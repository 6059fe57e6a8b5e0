"""The catalog tables of annotation (declared in schemas/annotations.py), via the engine's Catalog.

Pulled annotations go to `annotation_versions` (append-only, every saved state);
`annotations` is the view of the latest version of each annotation, registered for
`emocurate query` (and so for stats and releases) by `register_query_view`.
Connections are short-lived (DuckDB allows one writer process): callers read what they
need, do their network calls with no connection open, then append.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emocurate.catalog import Catalog
from emocurate.workspace import Workspace

TABLES = ("annotators", "assignments", "annotation_projects", "gold_items", "annotation_versions")

#: The latest version of every annotation: the `annotations` view.
LATEST_ANNOTATIONS_SQL = (
    "select * from annotation_versions "
    "qualify version = max(version) over (partition by annotation_id)"
)


def catalog(workspace: Workspace) -> Catalog:
    """The workspace catalog with the annotation tables created."""
    cat = Catalog(workspace)
    cat.ensure(TABLES)
    return cat


def rows(workspace: Workspace, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a read query on the catalog; rows as dicts."""
    return read(workspace, {"rows": (sql, params)})["rows"]


def read(
    workspace: Workspace, queries: dict[str, tuple[str, Sequence[Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Several read queries over one short-lived connection; name -> rows as dicts."""
    with catalog(workspace).connect(read_only=True) as con:
        # via Arrow: timezone-aware timestamps without pytz, no extra copy
        return {
            name: con.sql(sql, params=list(params) or None).to_arrow_table().to_pylist()
            for name, (sql, params) in queries.items()
        }


def latest_annotations(
    workspace: Workspace, where: str = "", params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """Rows of the latest version of each annotation (optionally filtered by `where`)."""
    sql = f"select * from ({LATEST_ANNOTATIONS_SQL})"
    return rows(workspace, sql + (f" where {where}" if where else ""), params)


def register_query_view() -> None:
    """Define `annotations` in `emocurate query` as the latest version of each annotation."""
    from emocurate.query import register_view

    register_view("annotations", LATEST_ANNOTATIONS_SQL)
