"""Push: clips become tasks in one Label Studio project per (config, annotator); idempotent.

Order of work, so that a crash or a network error at any point is repaired by re-running:
1. decide assignments (pure) and record them in the catalog before any network call;
2. find each project by its deterministic title, create it only when absent;
3. list the clip ids already in the project, import only the missing ones, in batches;
   after a failed batch, list again before retrying (the server may have committed it).
Label Studio itself never deduplicates, so step 3's check is what prevents duplicates.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from emocurate.annotation_ui import (
    annotators,
    assign,
    clips,
    configs,
    gold,
    prelabels,
    server,
    store,
)
from emocurate.annotation_ui.client import LabelStudio, ServerUnreachable
from emocurate.catalog import now
from emocurate.errors import UsageError
from emocurate.workspace import Workspace

SUGGESTIONS_MODEL = "emocurate-suggestions"
DEFAULT_BATCH = 2000


@dataclass
class PushReport:
    config: str
    clips: int = 0
    gold_clips: int = 0
    new_assignments: int = 0
    projects_created: int = 0
    projects_reused: int = 0
    tasks_created: int = 0
    tasks_present: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)  # project title -> extra tasks


def project_prefix(workspace: Workspace) -> str:
    """Title prefix of this workspace's projects ([annotation] project, else the folder name)."""
    name = str(workspace.section("annotation").get("project", "") or workspace.root.name)
    return name.strip() or "emocurate"


def project_title(workspace: Workspace, config: str, annotator: str) -> str:
    return f"{project_prefix(workspace)} / {config} / {annotator}"


Progress = Callable[[int], None]


def push(
    workspace: Workspace,
    config: str,
    overlap: int,
    gold_file: Path | None = None,
    prelabel_file: Path | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_total: Callable[[int], None] | None = None,
    on_done: Progress | None = None,
) -> PushReport:
    """Assign and import; safe to re-run at any time (see module docstring)."""
    if batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    label_schema = configs.labels(workspace.config)
    items, spoken = clips.load(workspace)
    by_id = {c.clip_id: c for c in items}
    suggestions = (
        prelabels.read(prelabel_file, config, label_schema, by_id) if prelabel_file else {}
    )
    label_config = configs.render(
        config,
        label_schema,
        transcript=spoken,
        caption=any("caption" in s for s in suggestions.values()),
    )
    report = PushReport(config, clips=len(items))
    cat = store.catalog(workspace)
    if gold_file is not None:
        gold.add(workspace, config, gold.read(gold_file, label_config, label_schema, by_id))
    records = store.read(
        workspace,
        {
            "gold": ("select distinct clip_id from gold_items where config = ?", [config]),
            "assigned": ("select clip_id, annotator from assignments where config = ?", [config]),
            "projects": (
                "select annotator, project_id from annotation_projects where config = ?",
                [config],
            ),
        },
    )
    gold_ids = {r["clip_id"] for r in records["gold"]}
    report.gold_clips = len(gold_ids)

    pool = annotators.pool(workspace)
    existing: dict[str, set[str]] = {}
    for row in records["assigned"]:
        existing.setdefault(row["clip_id"], set()).add(row["annotator"])
    new = assign.assign(list(by_id), list(pool), overlap, existing, gold_ids)
    stamp = now()
    cat.append(
        "assignments",
        [
            {
                "config": config,
                "clip_id": c,
                "annotator": a,
                "gold": g,
                "overlap": overlap,
                "assigned_at": stamp,
            }
            for c, a, g in new
        ],
    )
    report.new_assignments = len(new)
    for c, a, _ in new:
        existing.setdefault(c, set()).add(a)
    queues: dict[str, list[str]] = {}
    for clip_id, names in existing.items():
        if clip_id in by_id:
            for name in names:
                queues.setdefault(name, []).append(clip_id)

    with server.client(workspace) as client:
        projects = {p["title"]: p for p in client.projects()}
        known = {(r["annotator"], r["project_id"]) for r in records["projects"]}
        plan: list[tuple[str, dict[str, Any], list[str]]] = []
        fresh: set[int] = set()  # created by this run: empty, nothing to list
        new_records = []
        for name in sorted(queues):
            title = project_title(workspace, config, name)
            project = projects.get(title)
            if project is None:
                project = client.create_project(
                    **_project_fields(title, name, label_config, bool(suggestions))
                )
                client.create_local_storage(
                    project["id"], str(workspace.path("clips")), "emocurate clips"
                )
                fresh.add(project["id"])
                report.projects_created += 1
            else:
                report.projects_reused += 1
                if (project.get("label_config") or "").strip() != label_config.xml:
                    client.update_project(
                        project["id"],
                        label_config=label_config.xml,
                        expert_instruction=label_config.instructions,
                    )
                _ensure_storage(client, project["id"], workspace)
            if (name, project["id"]) not in known:
                new_records.append(
                    {
                        "config": config,
                        "annotator": name,
                        "project_id": project["id"],
                        "title": title,
                        "created_at": now(),
                    }
                )
            plan.append((title, project, sorted(queues[name])))
        cat.append("annotation_projects", new_records)

        present = {
            title: {} if project["id"] in fresh else _clip_tasks(client, project["id"])
            for title, project, _ in plan
        }
        for title, tasks in present.items():
            extra = sum(len(ids) - 1 for ids in tasks.values() if len(ids) > 1)
            if extra:
                report.duplicates[title] = extra
        missing = {title: [c for c in queue if c not in present[title]] for title, _, queue in plan}
        report.tasks_present = sum(len(queue) - len(missing[title]) for title, _, queue in plan)
        if on_total:
            on_total(sum(len(m) for m in missing.values()))
        for title, project, _ in plan:
            todo = missing[title]
            for batch in _chunks(todo, batch_size):
                created = _import_batch(
                    client,
                    project["id"],
                    batch,
                    lambda ids: [_task(by_id[c], label_config, suggestions.get(c)) for c in ids],
                    report,
                )
                report.tasks_created += created
                if on_done:
                    on_done(len(batch))
    return report


def _project_fields(
    title: str, annotator: str, label_config: configs.LabelConfig, suggest: bool
) -> dict[str, Any]:
    return {
        "title": title,
        "description": (
            f"Labelling queue of annotator {annotator} only (emocurate assigns clips). "
            "If this is not your id, close this project: it holds someone else's answers."
        ),
        "label_config": label_config.xml,
        "expert_instruction": label_config.instructions,
        "show_instruction": True,
        "show_skip_button": True,
        "maximum_annotations": 1,
        "show_annotation_history": False,
        "show_collab_predictions": suggest,
        "model_version": SUGGESTIONS_MODEL if suggest else "",
    }


def _ensure_storage(client: LabelStudio, project_id: int, workspace: Workspace) -> None:
    """Local-files storage over clips/: Label Studio serves a file only if one covers it."""
    path = str(workspace.path("clips"))
    if not any(s.get("path") == path for s in client.local_storages(project_id)):
        client.create_local_storage(project_id, path, "emocurate clips")


def _clip_tasks(client: LabelStudio, project_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for task in client.tasks(project_id):
        clip_id = (task.get("data") or {}).get("clip_id")
        if clip_id:
            found.setdefault(clip_id, []).append(task["id"])
    return found


def _task(
    clip: clips.Clip, label_config: configs.LabelConfig, suggestion: dict[str, Any] | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "video": "/data/local-files/?d=" + quote(clip.path, safe="/"),
        "clip_id": clip.clip_id,
        "fps": clip.fps,
    }
    if "$transcript" in label_config.xml:
        data["transcript"] = clip.transcript or "(no speech transcribed in this clip)"
    task: dict[str, Any] = {"data": data}
    if suggestion:
        task["predictions"] = [prelabels.prediction(suggestion, SUGGESTIONS_MODEL)]
    return task


def _import_batch(
    client: LabelStudio,
    project_id: int,
    batch: list[str],
    build: Callable[[Sequence[str]], list[dict[str, Any]]],
    report: PushReport,
    attempts: int = 3,
) -> int:
    """Import one batch; if the connection is lost: wait, re-list, import only what is missing."""
    todo = list(batch)
    for attempt in range(attempts):
        try:
            client.import_tasks(project_id, build(todo))
            return len(batch)
        except ServerUnreachable:
            if attempt + 1 == attempts or not _wait_back(client):
                raise ServerUnreachable(
                    f"Label Studio at {client.url} went away during push "
                    f"({report.tasks_created} tasks created this run): start it again with "
                    "`emocurate annotate serve` and re-run the same push; "
                    "it resumes without duplicates"
                ) from None
            present = _clip_tasks(client, project_id)
            todo = [c for c in todo if c not in present]
            if not todo:
                return len(batch)
    return len(batch)


def _wait_back(client: LabelStudio, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if client.healthy():
                return True
        time.sleep(1.0)
    return False


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
