"""`emocurate annotate ...`: the Label Studio server, annotators, push and pull."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from emocurate.cli import WorkspaceOpt  # noqa: E402 - one definition of the option
from emocurate.errors import MissingExtraError
from emocurate.progress import console
from emocurate.workspace import Workspace

annotate_app = typer.Typer(
    help="Human labelling in Label Studio: serve, add annotators, push clips, pull annotations.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(annotate_app, name="annotate")
    if importlib.util.find_spec("duckdb") is not None:
        from emocurate.annotation_ui.store import register_query_view

        register_query_view()


def _ws(path: Path | None) -> Workspace:
    if importlib.util.find_spec("httpx") is None:
        raise MissingExtraError("annotation needs httpx: pip install 'emocurate[annotate]'")
    return Workspace.open(path)


@annotate_app.command()
def serve(
    workspace: WorkspaceOpt = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the server to become healthy.")
    ] = 300.0,
) -> None:
    """Install (once) and start this workspace's Label Studio on 127.0.0.1; prints its URL."""
    from emocurate.annotation_ui import server

    out = console()
    state = server.serve(_ws(workspace), timeout=timeout, log=lambda m: out.print(m, markup=False))
    typer.echo(
        f"Label Studio is running at {state.url} (pid {state.pid}); "
        "stop it with `emocurate annotate stop`"
    )


@annotate_app.command()
def stop(workspace: WorkspaceOpt = None) -> None:
    """Stop the Label Studio server this workspace started."""
    from emocurate.annotation_ui import server

    stopped = server.stop(_ws(workspace))
    typer.echo(
        "Label Studio stopped" if stopped else "no Label Studio server of this workspace is running"
    )


@annotate_app.command()
def status(workspace: WorkspaceOpt = None) -> None:
    """Server state, projects, assignments, pulled annotations and gold accuracy."""
    from rich.console import Console
    from rich.table import Table

    from emocurate.annotation_ui import gold, server, store

    out = Console()
    ws = _ws(workspace)
    info = server.status(ws)
    state = (
        "running"
        if info["healthy"]
        else ("starting or unhealthy" if info["running"] else "stopped")
    )
    typer.echo(
        f"Label Studio: {state} at {info['url']}" + (f" (pid {info['pid']})" if info["pid"] else "")
    )
    typer.echo(f"  installed: {'yes' if info['installed'] else 'no'} ({info['install_dir']})")
    typer.echo(f"  data: {info['data_dir']}")
    summary = store.rows(
        ws,
        """
        select a.config, count(distinct a.clip_id) as clips,
               count(distinct a.annotator) as annotators,
               count(*) as assignments,
               (select count(distinct p.project_id) from annotation_projects p
                where p.config = a.config) as projects
        from assignments a group by a.config order by a.config
        """,
    )
    pulled = {
        r["config"]: r
        for r in store.rows(
            ws,
            "select config, count(distinct annotation_id) as annotations, "
            "count(distinct clip_id) as clips "
            f"from ({store.LATEST_ANNOTATIONS_SQL}) group by config",
        )
    }
    if summary:
        table = Table(
            "config",
            "clips",
            "annotators",
            "assignments",
            "projects",
            "annotations pulled",
            "clips labelled",
        )
        for r in summary:
            p = pulled.get(r["config"], {})
            table.add_row(
                r["config"], str(r["clips"]), str(r["annotators"]), str(r["assignments"]),
                str(r["projects"]), str(p.get("annotations", 0)), str(p.get("clips", 0)),
            )  # fmt: skip
        out.print(table)
    else:
        typer.echo("  nothing pushed yet: `emocurate annotate push --config NAME --overlap K`")
    scores = gold.accuracy(ws)
    if scores:
        table = Table("config", "annotator", "gold answers", "correct", "accuracy")
        for r in scores:
            table.add_row(
                r["config"], r["annotator"], str(r["n"]), str(r["correct"]), f"{r['accuracy']:.2f}"
            )
        out.print(table)


@annotate_app.command("add-annotator")
def add_annotator(
    email: Annotated[str, typer.Argument(help="The annotator's email (their login).")],
    password: Annotated[
        str | None, typer.Option(help="Password to set (default: a random one).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an annotator account and print how that person logs in."""
    from emocurate.annotation_ui import annotators, push

    ws = _ws(workspace)
    login = annotators.add(ws, email, password)
    verb = "added" if login.created else "already exists"
    typer.echo(f"annotator {login.annotator} {verb}. Send them:")
    typer.echo(f"  log in at   {login.url}/user/login/")
    typer.echo(f"  email       {login.email}")
    typer.echo(f"  password    {login.password}")
    typer.echo(
        f"  then open only the projects whose title ends with '/ {login.annotator}' "
        f"(e.g. '{push.project_title(ws, 'emotion', login.annotator)}')"
    )
    typer.echo(
        "  (the server listens on 127.0.0.1: remote annotators need an SSH tunnel, "
        "see docs/annotation.md)"
    )


@annotate_app.command()
def push(
    config: Annotated[
        str,
        typer.Option(
            "--config",
            "-c",
            help="Labelling config: emotion, valence_arousal, sentiment, segments, coarse_fine.",
        ),
    ],
    overlap: Annotated[
        int, typer.Option("--overlap", "-k", help="Distinct annotators per clip.")
    ] = 3,
    gold: Annotated[
        Path | None,
        typer.Option(help="Gold answers (clip_id, field, value): CSV, JSON lines or Parquet."),
    ] = None,
    prelabels: Annotated[
        Path | None,
        typer.Option(
            help="Model suggestions (clip_id, field, value[, score]) shown as pre-labels."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Tasks per import request.")] = 2000,
    workspace: WorkspaceOpt = None,
) -> None:
    """Assign clips to annotators and import them as tasks (idempotent: re-run freely)."""
    from emocurate.annotation_ui import push as do_push

    ws = _ws(workspace)
    with _TaskProgress(f"push {config}") as progress:
        report = do_push.push(
            ws, config, overlap, gold_file=gold, prelabel_file=prelabels, batch_size=batch_size,
            on_total=progress.total, on_done=progress.advance,
        )  # fmt: skip
    typer.echo(
        f"pushed {config}: {report.clips} clips ({report.gold_clips} gold), "
        f"{report.new_assignments} new assignments, projects {report.projects_created} created / "
        f"{report.projects_reused} reused, tasks {report.tasks_created} created / "
        f"{report.tasks_present} already there"
    )
    for title, extra in report.duplicates.items():
        typer.echo(
            f"  warning: {title} holds {extra} duplicate task(s) not made by this push; "
            "pull keeps them all"
        )


class _TaskProgress:
    """A rich bar of tasks imported on a terminal; one line per batch elsewhere (CI, pipes)."""

    def __init__(self, label: str) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.label = label
        self.done = 0
        self.count = 0
        self.tty = console().is_terminal
        self.bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console(),
        ) if self.tty else None  # fmt: skip
        self.task: int | None = None

    def __enter__(self) -> _TaskProgress:
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)

    def total(self, n: int) -> None:
        self.count = n
        if self.bar:
            self.task = self.bar.add_task(self.label, total=n)

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar and self.task is not None:
            self.bar.advance(self.task, n)
        else:
            console().print(f"[{self.label}] {self.done}/{self.count} tasks imported", markup=False)


@annotate_app.command()
def pull(workspace: WorkspaceOpt = None) -> None:
    """Export all annotations and append new versions to the catalog (never changes stored ones)."""
    from emocurate.annotation_ui import gold
    from emocurate.annotation_ui import pull as do_pull

    ws = _ws(workspace)
    report = do_pull.pull(ws)
    typer.echo(
        f"pulled {report.projects} project(s): {report.annotations} annotations on the server, "
        f"{report.new_versions} new version(s) stored ({report.rows} rows)"
    )
    for r in gold.accuracy(ws):
        typer.echo(
            f"  gold {r['config']} {r['annotator']}: "
            f"{r['correct']}/{r['n']} correct ({r['accuracy']:.2f})"
        )
