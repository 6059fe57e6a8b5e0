"""The catalog: one DuckDB file answering what was ingested, run, skipped, rejected and released.

Connections are short-lived: DuckDB lets one process write a file at a time, so
the runner opens, writes and closes for each record. That keeps `emocurate
status` and `emocurate query` usable while a run is going, and a killed run
leaves nothing open.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from emocurate import schemas
from emocurate.records import Source
from emocurate.workspace import Workspace

#: Catalog-held tables (declared in schemas/catalog.py); others may add theirs via `ensure`.
CATALOG_TABLES = ("sources", "rejects", "runs", "outputs", "releases")

#: catalog path -> (inode, tables known to exist), per process.
_ENSURED: dict[str, tuple[int, set[str]]] = {}


def now() -> datetime:
    return datetime.now(UTC)


class Catalog:
    """Access to a workspace's catalog.duckdb."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.path = workspace.catalog_path
        self.ensure(CATALOG_TABLES)

    def ensure(self, names: Iterable[str]) -> None:
        """Create declared tables missing from this catalog file.

        Checked once per process and file (the inode tells a recreated file apart), so
        building a Catalog costs no write connection after the first.
        """
        key = str(self.path)
        inode = self.path.stat().st_ino if self.path.exists() else -1
        done = _ENSURED.get(key)
        if done is None or done[0] != inode:
            done = (inode, set())
        todo = [n for n in names if n not in done[1]]
        if not todo:
            return
        with self.connect() as con:
            create_declared_tables(con, todo)
        _ENSURED[key] = (self.path.stat().st_ino, done[1] | set(todo))

    @contextmanager
    def connect(
        self, read_only: bool = False, timeout: float = 30.0
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; waits while another process holds the write lock."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only and self.path.exists())
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            yield con
        finally:
            con.close()

    # -- sources ---------------------------------------------------------------
    def sources(self) -> list[Source]:
        with self.connect(read_only=True) as con:
            rows = (
                con.sql("select * from sources order by ingested_at, video_id")
                .to_arrow_table()
                .to_pylist()
            )
        return [Source.from_row(r) for r in rows]

    def source(self, video_id: str) -> Source | None:
        with self.connect(read_only=True) as con:
            rows = (
                con.sql("select * from sources where video_id = ?", params=[video_id])
                .to_arrow_table()
                .to_pylist()
            )
        return Source.from_row(rows[0]) if rows else None

    def add_source(self, source: Source) -> None:
        self.append("sources", [source.to_row()])

    # -- generic ---------------------------------------------------------------
    def append(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows typed by the declared schema (never inferred)."""
        if not rows:
            return
        data = schemas.from_rows(list(rows), table)
        with self.connect() as con:
            con.register("_new_rows", data)
            con.execute(f"insert into {table} by name select * from _new_rows")
            con.unregister("_new_rows")

    # -- runs ------------------------------------------------------------------
    def start_run(self, run_id: str, command: str, pipeline: str | None, settings: Any) -> None:
        from emocurate import __version__

        self.append(
            "runs",
            [
                {
                    "run_id": run_id,
                    "command": command,
                    "pipeline": pipeline,
                    "settings_json": json.dumps(settings, sort_keys=True, default=str),
                    "code_version": __version__,
                    "started_at": now(),
                }
            ],
        )

    def finish_run(self, run_id: str, counts: dict[str, int]) -> None:
        with self.connect() as con:
            con.execute(
                "update runs set finished_at = ?, n_done = ?, n_cached = ?, n_skipped = ?, "
                "n_rejected = ? where run_id = ?",
                [now(), counts.get("done", 0), counts.get("cached", 0), counts.get("skipped", 0),
                 counts.get("rejected", 0), run_id],
            )  # fmt: skip

    # -- outputs ---------------------------------------------------------------
    def record_output(self, row: dict[str, Any]) -> None:
        self.append("outputs", [{"created_at": now(), **row}])

    def known_keys(self, stage: str) -> set[tuple[str, str]]:
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "select video_id, cache_key from outputs where stage = ?", [stage]
            ).fetchall()
        return {(v, k) for v, k in rows}

    def current_outputs(self) -> pa.Table:
        """The latest recorded output of each (stage, video): what views and releases read."""
        with self.connect(read_only=True) as con:
            return con.sql(
                "select * from outputs qualify row_number() over "
                "(partition by stage, video_id order by created_at desc) = 1"
            ).to_arrow_table()

    def record_reject(self, row: dict[str, Any]) -> None:
        self.append("rejects", [{"created_at": now(), **row}])

    def rejects(self, run_id: str | None = None) -> list[dict[str, Any]]:
        with self.connect(read_only=True) as con:
            query = "select * from rejects"
            params: list[Any] = []
            if run_id:
                query += " where run_id = ?"
                params.append(run_id)
            return (
                con.sql(query + " order by created_at", params=params).to_arrow_table().to_pylist()
            )


def create_declared_tables(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """Create catalog tables from their declared pyarrow schemas (one declaration, no DDL copy)."""
    existing = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    for name in names:
        if name in existing:
            continue
        empty = schemas.empty(name)
        con.register("_empty", empty)
        con.execute(f"create table {name} as select * from _empty")
        con.unregister("_empty")
