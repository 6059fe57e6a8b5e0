"""Immutable, versioned releases: Parquet tables with declared schemas, the media they
reference, manifest.json with checksums and row counts, and a dataset card.

A release is assembled in a temporary folder and renamed into place, so it is
either complete or absent; an existing version is never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from emocurate import __version__, schemas
from emocurate.catalog import Catalog, now
from emocurate.croissant import croissant
from emocurate.errors import EmocurateError, UsageError
from emocurate.media import sha256_file
from emocurate.query import connect, derived_views, list_releases
from emocurate.schemas._fields import describe, is_file_column
from emocurate.stage import registry
from emocurate.workspace import Workspace, atomic_write_bytes

VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
#: Catalog tables that describe the data (not the machinery) and so ship in releases.
CATALOG_RELEASE_TABLES = ("sources",)
#: Columns never shipped: local machine paths of the curator.
PRIVATE_COLUMNS = {"sources": ("local_path",)}


def release_tables() -> list[str]:
    """Tables a release ships: sources, every stage's table, and releasable derived views."""
    names = list(CATALOG_RELEASE_TABLES)
    for cls in registry().values():
        if cls.table not in names:
            names.append(cls.table)
    for view in derived_views().values():
        if view.release and view.name not in names:
            names.append(view.name)
    return names


def create_release(workspace: Workspace, version: str, notes: str | None = None) -> Path:
    """Write releases/<version>/ from the workspace's current tables."""
    if not VERSION_RE.match(version):
        raise UsageError(f"release version must look like X.Y.Z (e.g. 0.1.0), got {version!r}")
    dest = workspace.path("releases", version)
    if dest.exists():
        raise EmocurateError(
            f"release {version} already exists and releases are immutable: choose a new version"
        )
    staging = workspace.path("releases", f".{version}.partial")
    if staging.exists():
        shutil.rmtree(staging)  # a previous attempt died: nothing in it was published
    (staging / "data").mkdir(parents=True)
    con = connect(workspace)
    tables: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    try:
        for name in release_tables():
            data = schemas.conform(con.sql(f'select * from "{name}"').to_arrow_table(), name)
            for column in PRIVATE_COLUMNS.get(name, ()):
                data = data.set_column(
                    data.schema.get_field_index(column),
                    data.schema.field(column),
                    pa.nulls(data.num_rows, data.schema.field(column).type),
                )
            if name in ("agreement", "labels"):
                continue  # computed from the annotations below, not from a stage
            if data.num_rows == 0 and name not in ("sources", "clips", "attributes"):
                continue  # a capability that did not run: no empty table in the release
            for rel in _file_paths(data):
                if rel not in files:  # a crop is referenced by face_frames and by faces
                    files[rel] = _ship_file(workspace, staging, rel)
            tables[name] = _write_table(staging, name, data)
        stats_meta = _write_agreement(workspace, staging, tables)
    finally:
        con.close()
    settings = _last_run_settings(workspace)
    manifest = {
        "name": workspace.root.name,
        "version": version,
        "created_at": now().isoformat(),
        "schema_version": schemas.SCHEMA_VERSION,
        "code_version": __version__,
        "pipeline": settings.get("pipeline"),
        "settings": settings.get("settings"),
        "notes": notes,
        "agreement": stats_meta,
        "tables": tables,
        "files": files,
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    atomic_write_bytes(staging / "manifest.json", manifest_bytes)
    atomic_write_bytes(staging / "README.md", dataset_card(manifest, workspace).encode())
    description = notes or f"Emotion dataset release {version} built with emocurate."
    meta = json.dumps(croissant(manifest, description), indent=2).encode()
    atomic_write_bytes(staging / "croissant.json", meta)
    os.replace(staging, dest)  # publish atomically
    Catalog(workspace).append(
        "releases",
        [
            {
                "version": version,
                "path": workspace.relative(dest),
                "manifest_sha256": sha256_file(dest / "manifest.json"),
                "created_at": now(),
            }
        ],
    )
    return dest


def _write_table(staging: Path, name: str, data: pa.Table) -> dict[str, Any]:
    """Write one release table; return its manifest entry."""
    path = staging / "data" / f"{name}.parquet"
    pq.write_table(data, path)
    return {
        "path": f"data/{name}.parquet",
        "sha256": sha256_file(path),
        "rows": data.num_rows,
        "columns": data.schema.names,
    }


def _write_agreement(
    workspace: Workspace, staging: Path, tables: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """agreement.parquet and labels.parquet from the pulled annotations, when there are any."""
    if tables.get("annotations", {}).get("rows", 0) == 0:
        return None
    from emocurate.agreement import workspace_agreement

    result = workspace_agreement(workspace)
    for name, frame in (("agreement", result.report.agreement), ("labels", result.report.labels)):
        tables[name] = _write_table(staging, name, schemas.conform(frame.to_arrow(), name))
    return {
        "levels": result.levels,
        "bootstrap": {"n_boot": result.n_boot, "seed": result.seed, "scheme": "items resampled"},
    }


def _file_paths(table: pa.Table) -> list[str]:
    """Workspace-relative file paths held by the table's file columns."""
    out: list[str] = []
    for field in table.schema:
        if not is_file_column(field):
            continue
        for value in table.column(field.name).to_pylist():
            values = value if isinstance(value, list) else [value]
            out.extend(v for v in values if v)
    return out


def _ship_file(workspace: Workspace, staging: Path, rel: str) -> dict[str, Any]:
    """Hard-link (or copy) a referenced file into the release at the same relative path."""
    src = workspace.path(rel)
    if not src.is_file():
        raise EmocurateError(f"release needs {rel} but it is missing: rerun `emocurate run`")
    dst = staging / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # workspace files are replaced by rename, never edited in place
    except OSError:
        shutil.copy2(src, dst)
    return {"sha256": sha256_file(dst), "bytes": dst.stat().st_size}


def _last_run_settings(workspace: Workspace) -> dict[str, Any]:
    with Catalog(workspace).connect(read_only=True) as con:
        row = con.execute(
            "select pipeline, settings_json from runs where command = 'run' "
            "order by started_at desc limit 1"
        ).fetchone()
    if not row:
        return {}
    return {"pipeline": row[0], "settings": json.loads(row[1]) if row[1] else None}


@dataclass
class VerifyResult:
    version: str
    checked: int
    mismatches: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify_release(workspace: Workspace, version: str) -> VerifyResult:
    """Recompute every checksum in the manifest; list files that differ or are missing."""
    root = workspace.path("releases", version)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        known = ", ".join(v for v, _ in list_releases(workspace)) or "none"
        raise UsageError(f"no release {version} (releases: {known})")
    manifest = json.loads(manifest_path.read_text())
    expected = {e["path"]: e["sha256"] for e in manifest["tables"].values()}
    expected.update({path: e["sha256"] for path, e in manifest.get("files", {}).items()})
    bad = []
    for rel, digest in sorted(expected.items()):
        path = root / rel
        if not path.is_file():
            bad.append(f"{rel}: missing")
        elif sha256_file(path) != digest:
            bad.append(f"{rel}: sha256 mismatch")
    return VerifyResult(version, len(expected), bad)


def dataset_card(manifest: dict[str, Any], workspace: Workspace) -> str:
    """A README for the release: what is in it, how it was made, licences, columns."""
    lines = [
        f"# {manifest['name']} {manifest['version']}",
        "",
        f"Created {manifest['created_at']} with emocurate {manifest['code_version']} "
        f"(schema version {manifest['schema_version']}).",
        "",
    ]
    if manifest.get("notes"):
        lines += [manifest["notes"], ""]
    lines += ["## Contents", "", "| table | rows | file |", "|---|---|---|"]
    for name, entry in manifest["tables"].items():
        lines.append(f"| {name} | {entry['rows']} | `{entry['path']}` |")
    lines += ["", f"Media files: {len(manifest['files'])} (paths as in the tables).", ""]
    lines += ["## How it was made", ""]
    settings = manifest.get("settings") or {}
    if settings:
        lines.append(
            f"Pipeline `{manifest.get('pipeline')}`, frames sampled at {settings.get('fps')} fps:"
        )
        lines.append("")
        for stage in settings.get("stages", []):
            opts = ", ".join(f"{k}={v}" for k, v in stage.items() if k != "name")
            lines.append(f"- `{stage['name']}`" + (f" ({opts})" if opts else ""))
    else:
        lines.append("No pipeline run recorded.")
    lines += ["", "## Sources and licences", ""]
    sources_path = workspace.path(
        "releases", f".{manifest['version']}.partial", "data", "sources.parquet"
    )
    if sources_path.exists():
        licences: dict[str, int] = {}
        for value in pq.read_table(sources_path, columns=["license"]).column("license").to_pylist():
            licences[value or "unknown (check before redistribution)"] = (
                licences.get(value or "unknown (check before redistribution)", 0) + 1
            )
        for lic, n in sorted(licences.items()):
            lines.append(f"- {lic}: {n} source(s)")
    lines += [
        "",
        "Each source's licence, uploader and URL are in `sources`; respect them when "
        "redistributing.",
        "",
        "## Columns",
    ]
    for name in manifest["tables"]:
        lines += ["", f"### {name}", "", "| column | type | description |", "|---|---|---|"]
        for field in schemas.schema(name):
            lines.append(f"| {field.name} | {field.type} | {describe(field)} |")
    lines += [
        "",
        "## Integrity",
        "",
        "`manifest.json` lists the sha256 and row count of every table and the sha256 of "
        "every media file; `emocurate release verify VERSION` re-checks them.",
        "",
    ]
    return "\n".join(lines)
