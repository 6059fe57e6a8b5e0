"""DuckDB over a workspace: every declared table is a view, and so is every release table.

Views: catalog tables (`sources`, `rejects`, `runs`, `outputs`, `releases`, and
any other catalog table such as `annotations`); each stage's table over the
current outputs (the latest recorded output per stage and video); derived views
registered with `register_view`; and `r_<version>_<table>` for each release.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from emocurate import schemas
from emocurate.catalog import Catalog
from emocurate.stage import registry
from emocurate.workspace import Workspace


@dataclass(frozen=True)
class DerivedView:
    """A view defined over other views (e.g. faces joined with subjects)."""

    name: str
    sql: str
    #: Ship this view in releases under its own name (as table `name`, declared in schemas/).
    release: bool = True


_DERIVED: dict[str, DerivedView] = {}


def register_view(name: str, sql: str, release: bool = True) -> None:
    """Define a view over the base views (its name must not be a stage's or catalog table)."""
    _DERIVED[name] = DerivedView(name, sql, release)


def derived_views() -> dict[str, DerivedView]:
    registry()  # importing stage modules registers their views
    from emocurate.annotation_ui.store import register_query_view

    register_query_view()  # `annotations`: the latest version of each pulled annotation
    return dict(_DERIVED)


def stage_tables(workspace: Workspace) -> dict[str, list[Path]]:
    """Declared table -> current Parquet outputs of the stage(s) producing it."""
    by_stage = {name: cls.table for name, cls in registry().items()}
    files: dict[str, list[Path]] = {}
    for row in Catalog(workspace).current_outputs().to_pylist():
        table = by_stage.get(row["stage"])
        path = workspace.path(row["path"])
        if table and path.exists():
            files.setdefault(table, []).append(path)
    return files


def release_view_name(version: str, table: str) -> str:
    return f"r_{re.sub(r'[^0-9A-Za-z]', '_', version)}_{table}"


def connect(workspace: Workspace) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with all workspace and release views defined."""
    con = duckdb.connect()
    catalog = Catalog(workspace)
    defined: set[str] = set()
    with catalog.connect(read_only=True) as cat:
        names = [
            r[0] for r in cat.execute("select table_name from information_schema.tables").fetchall()
        ]
        for name in names:
            _register_arrow(con, name, cat.sql(f'select * from "{name}"').to_arrow_table())
            defined.add(name)
    for table, paths in stage_tables(workspace).items():
        files = ", ".join(_quote(str(p)) for p in sorted(paths))
        con.execute(f'create or replace view "{table}" as select * from read_parquet([{files}])')
        defined.add(table)
    for name in schemas.tables():
        if name not in defined:
            _register_arrow(con, name, schemas.empty(name))
    for view in derived_views().values():
        _define_derived(con, view)
    for version, manifest in list_releases(workspace):
        root = workspace.path("releases", version)
        for table, entry in manifest.get("tables", {}).items():
            path = root / entry["path"]
            con.execute(
                f'create or replace view "{release_view_name(version, table)}" as '
                f"select * from read_parquet({_quote(str(path))})"
            )
    return con


def _define_derived(con: duckdb.DuckDBPyConnection, view: DerivedView) -> None:
    con.execute(f'create or replace view "{view.name}" as {view.sql}')


def _register_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register(f"_arrow_{name}", table)
    con.execute(f'create or replace view "{name}" as select * from "_arrow_{name}"')


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def list_releases(workspace: Workspace) -> list[tuple[str, dict]]:
    """(version, manifest) of every complete release, oldest first."""
    out = []
    for manifest in sorted(workspace.path("releases").glob("*/manifest.json")):
        try:
            out.append((manifest.parent.name, json.loads(manifest.read_text())))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(out, key=lambda vm: _version_key(vm[0]))


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", version))


def run_query(workspace: Workspace, sql: str) -> pa.Table:
    """Run SQL against the workspace views; DuckDB errors become one-line EmocurateErrors."""
    from emocurate.errors import UsageError

    con = connect(workspace)
    try:
        return con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise UsageError(f"query failed: {first}") from None
    finally:
        con.close()
