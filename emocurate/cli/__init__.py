"""The `emocurate` command: a thin layer over the library functions.

Every module in this package that defines `register(app)` adds its commands,
so capabilities plug in their own subcommands. Errors reach the user as one
line (exit 1, or 2 for usage errors), never as a traceback.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import traceback
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from emocurate.errors import EmocurateError, UsageError
from emocurate.progress import console
from emocurate.workspace import Workspace

app = typer.Typer(
    name="emocurate",
    help="Build multimodal emotion datasets from raw video.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
release_app = typer.Typer(
    help="Create, verify and list immutable dataset releases.", no_args_is_help=True
)
app.add_typer(release_app, name="release")

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: the one containing the current directory).",
    ),
]


def _ws(path: Path | None) -> Workspace:
    return Workspace.open(path)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
) -> None:
    """Create a workspace: emocurate.toml, folders and the catalog."""
    from emocurate.catalog import Catalog

    ws = Workspace.init(directory)
    Catalog(ws)
    console().print(f"workspace ready: {ws.root} (settings in {ws.root / 'emocurate.toml'})")


@app.command()
def ingest(
    inputs: Annotated[
        list[str], typer.Argument(help="Files, folders, text files of URLs, or URLs.")
    ],
    workspace: WorkspaceOpt = None,
) -> None:
    """Add videos to the workspace (deduplicated by content)."""
    from emocurate.ingest import ingest as do_ingest

    ws = _ws(workspace)
    out = console()
    report = do_ingest(
        ws,
        inputs,
        on_item=lambda arg, msg: out.print(f"{arg}: {msg}", markup=False, highlight=False),
    )
    out.print(
        f"ingested {len(report.added)} new, {len(report.duplicates)} duplicate(s), "
        f"{len(report.rejects)} rejected"
    )
    for row in report.rejects:
        out.print(f"  rejected {row['input']}: {row['message']}", markup=False, highlight=False)
    raise typer.Exit(report.exit_code)


@app.command()
def run(
    workspace: WorkspaceOpt = None,
    pipeline: Annotated[
        str | None, typer.Option(help="Pipeline preset (default: emocurate.toml's).")
    ] = None,
    stages: Annotated[
        str | None, typer.Option(help="Comma-separated stages to run (others must be done).")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Videos processed in parallel.")
    ] = 1,
    plain: Annotated[bool, typer.Option(help="Plain log lines even on a terminal.")] = False,
) -> None:
    """Run the pipeline over every ingested video; finished work is never recomputed."""
    from emocurate.progress import reporter
    from emocurate.runner import run as do_run

    ws = _ws(workspace)
    only = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    summary = do_run(ws, pipeline, only, jobs, progress=reporter(force_plain=plain))
    out = console()
    table = Table("stage", "done", "cached", "skipped", "rejected", title=f"run {summary.run_id}")
    for stage, counts in summary.counts.items():
        table.add_row(
            stage, *(str(counts.get(k, 0)) for k in ("done", "cached", "skipped", "rejected"))
        )
    out.print(table)
    for result in summary.rejects:
        out.print(
            f"rejected [{result.stage}] {result.video_id}: {result.reason}",
            markup=False,
            highlight=False,
        )
    if summary.blocked:
        out.print(f"{len(summary.blocked)} stage output(s) not computed because an input failed")
    if summary.rejects:
        out.print(
            f'{len(summary.rejects)} rejected; details: emocurate query "select * from rejects"'
        )
    raise typer.Exit(summary.exit_code)


@app.command()
def status(
    workspace: WorkspaceOpt = None,
    pipeline: Annotated[
        str | None, typer.Option(help="Pipeline preset (default: emocurate.toml's).")
    ] = None,
) -> None:
    """Per stage: videos done, skipped, failed, pending (for the current settings)."""
    from emocurate.catalog import Catalog
    from emocurate.runner import stage_status

    ws = _ws(workspace)
    rows = stage_status(ws, pipeline)
    n_sources = len(Catalog(ws).sources())
    table = Table(
        "stage",
        "kind",
        "done",
        "skipped",
        "failed",
        "pending",
        title=f"{ws.root.name}: {n_sources} source(s)",
    )
    for row in rows:
        table.add_row(
            row["stage"],
            row["kind"],
            *(str(row[k]) for k in ("done", "skipped", "failed", "pending")),
        )
    console().print(table)


@app.command()
def query(
    sql: Annotated[
        str,
        typer.Argument(
            help="DuckDB SQL over the workspace views (sources, clips, attributes, rejects, "
            "r_<version>_<table> ...)."
        ),
    ],
    workspace: WorkspaceOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """Run SQL over the workspace's current tables and its releases."""
    from emocurate.query import run_query

    formatters = {"table": _print_table, "csv": _print_csv, "json": _print_json}
    if format not in formatters:
        raise UsageError(f"--format must be one of {', '.join(formatters)}, got {format!r}")
    formatters[format](run_query(_ws(workspace), sql))


def _print_table(result: pa.Table) -> None:
    table = Table(*result.column_names)
    for row in result.to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    # Results go to stdout, messages to stderr; piped output is not cut to 80 columns.
    out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
    out.print(table)
    console().print(f"{result.num_rows} row(s)")


def _print_csv(result: pa.Table) -> None:
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(result, sink)
    sys.stdout.write(sink.getvalue().to_pybytes().decode())


def _print_json(result: pa.Table) -> None:
    sys.stdout.write(json.dumps(result.to_pylist(), default=str, indent=1) + "\n")


@app.command("stages")
def list_stages() -> None:
    """List the registered stages and the pipeline presets."""
    from emocurate import pipelines
    from emocurate.stage import registry

    table = Table("stage", "table", "inputs", "needs", "extra", "settings")
    for name, cls in sorted(registry().items()):
        table.add_row(
            name, cls.table, ", ".join(cls.inputs + cls.optional_inputs),
            ", ".join(sorted(cls.needs)),
            cls.extra or "", ", ".join(f"{k}={v}" for k, v in cls.defaults.items()),
        )  # fmt: skip
    console().print(table)
    for name in pipelines.available():
        p = pipelines.load(name)
        console().print(
            f"pipeline {name}: {' -> '.join(p.stage_names)}  ({p.description})", markup=False
        )


@release_app.command("create")
def release_create(
    version: Annotated[str, typer.Option("--version", help="Release version X.Y.Z.")],
    workspace: WorkspaceOpt = None,
    notes: Annotated[str | None, typer.Option(help="A note for the dataset card.")] = None,
) -> None:
    """Write releases/VERSION/ (refused if it exists)."""
    from emocurate.release import create_release

    ws = _ws(workspace)
    dest = create_release(ws, version, notes)
    manifest = json.loads((dest / "manifest.json").read_text())
    parts = ", ".join(f"{n} {e['rows']}" for n, e in manifest["tables"].items())
    console().print(
        f"release {version} written to {dest}: {parts}; {len(manifest['files'])} media file(s)",
        markup=False,
    )


@release_app.command("verify")
def release_verify(version: str, workspace: WorkspaceOpt = None) -> None:
    """Re-check every checksum of a release (exit 1 and name the file on mismatch)."""
    from emocurate.release import verify_release

    result = verify_release(_ws(workspace), version)
    if result.ok:
        console().print(f"release {version}: {result.checked} file(s) verified")
        return
    for line in result.mismatches:
        console().print(f"release {version}: {line}", markup=False)
    raise typer.Exit(1)


@release_app.command("list")
def release_list(workspace: WorkspaceOpt = None) -> None:
    """List the releases of the workspace."""
    from emocurate.query import list_releases

    table = Table("version", "created", "tables", "media files")
    for version, manifest in list_releases(_ws(workspace)):
        tables = ", ".join(f"{n} ({e['rows']})" for n, e in manifest["tables"].items())
        table.add_row(
            version, manifest.get("created_at", ""), tables, str(len(manifest.get("files", {})))
        )
    console().print(table)


def _load_plugins() -> None:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        hook = getattr(module, "register", None)
        if callable(hook):
            hook(app)


def main() -> None:
    """Entry point: one-line errors, exit 2 for usage errors, 1 for other errors."""
    try:
        _load_plugins()
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except EmocurateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        print("interrupted: finished work is kept; rerun the command to resume", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - never show a traceback to the user
        if callable(getattr(exc, "show", None)) and isinstance(
            getattr(exc, "exit_code", None), int
        ):
            exc.show()  # click's usage errors (bad option, unknown command): exit 2
            sys.exit(exc.exit_code)
        log = Path(os.environ.get("TMPDIR", "/tmp")) / "emocurate-crash.log"
        log.write_text("".join(traceback.format_exception(exc)))
        print(
            f"internal error: {type(exc).__name__}: {exc} (details in {log}; please report it)",
            file=sys.stderr,
        )
        sys.exit(1)
