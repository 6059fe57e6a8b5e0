"""Pull: export every project of this workspace and append new annotation versions to the catalog.

Nothing pulled is ever changed or dropped. A version is identified by the sha256 of the
annotation's content (result + skipped flag): an annotation whose content differs from
its latest stored version is stored again with version + 1; an unchanged one adds
nothing, so pulling twice adds nothing. An annotation deleted in Label Studio keeps
its stored versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emocurate.annotation_ui import credentials, push, server, store
from emocurate.catalog import now
from emocurate.workspace import Workspace


@dataclass
class PullReport:
    projects: int = 0
    annotations: int = 0  # seen on the server
    new_versions: int = 0
    rows: int = 0
    unknown_clips: int = 0  # tasks without a clip_id (not made by emocurate), ignored


def pull(workspace: Workspace, on_project: Callable[[str], None] | None = None) -> PullReport:
    creds = credentials.load(workspace)
    prefix = push.project_prefix(workspace) + " / "
    recorded = store.rows(
        workspace, "select distinct config, annotator, project_id from annotation_projects"
    )
    assigned = {
        (r["config"], r["clip_id"], r["annotator"])
        for r in store.rows(workspace, "select config, clip_id, annotator from assignments")
    }
    latest = {
        r["annotation_id"]: (r["version"], r["result_hash"])
        for r in store.rows(
            workspace,
            "select annotation_id, max(version) as version, "
            "arg_max(result_hash, version) as result_hash "
            "from annotation_versions group by annotation_id",
        )
    }
    report = PullReport()
    rows: list[dict[str, Any]] = []
    with server.client(workspace) as client:
        pseudonyms = {u["id"]: creds.pseudonym(u["email"]) for u in client.users()}
        projects = {r["project_id"]: r["config"] for r in recorded}
        for p in client.projects():  # projects made by an earlier push whose record was lost
            parts = p["title"][len(prefix) :].split(" / ") if p["title"].startswith(prefix) else []
            if len(parts) == 2:
                projects.setdefault(p["id"], parts[0])
        stamp = now()
        for project_id, config in sorted(projects.items()):
            if on_project:
                on_project(f"{config} #{project_id}")
            report.projects += 1
            for task in client.export(project_id):
                data = task.get("data") or {}
                clip_id = data.get("clip_id")
                if not clip_id:
                    report.unknown_clips += 1
                    continue
                fps = float(data.get("fps") or 25.0)
                for ann in task.get("annotations", []):
                    report.annotations += 1
                    digest = _hash(ann)
                    version, last_hash = latest.get(ann["id"], (0, None))
                    if digest == last_hash:
                        continue
                    latest[ann["id"]] = (version + 1, digest)
                    report.new_versions += 1
                    annotator = pseudonyms.get(_user_id(ann), f"ls_user_{_user_id(ann)}")
                    base = {
                        "annotation_id": ann["id"],
                        "version": version + 1,
                        "clip_id": clip_id,
                        "config": config,
                        "project_id": project_id,
                        "task_id": task["id"],
                        "annotator": annotator,
                        "assigned": (config, clip_id, annotator) in assigned,
                        "lead_time": ann.get("lead_time"),
                        "created_at": _time(ann.get("created_at")),
                        "updated_at": _time(ann.get("updated_at") or ann.get("created_at")),
                        "result_hash": digest,
                        "pulled_at": stamp,
                    }
                    rows.extend({**base, **fields} for fields in _fields(ann, fps))
    store.catalog(workspace).append("annotation_versions", rows)
    report.rows = len(rows)
    return report


def _user_id(ann: Mapping[str, Any]) -> int:
    who = ann.get("completed_by")
    return int(who["id"] if isinstance(who, dict) else who)


def _hash(ann: Mapping[str, Any]) -> str:
    content = {"result": ann.get("result") or [], "was_cancelled": bool(ann.get("was_cancelled"))}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _time(text: str | None) -> datetime:
    if not text:
        return now()
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# -- result items -> field rows ------------------------------------------------
Row = dict[str, Any]


def _choices(value: Mapping[str, Any], fps: float) -> Iterator[Row]:
    for choice in value.get("choices", []):
        yield {"value": str(choice)}


def _rating(value: Mapping[str, Any], fps: float) -> Iterator[Row]:
    yield {"value": str(value.get("rating"))}


def _number(value: Mapping[str, Any], fps: float) -> Iterator[Row]:
    yield {"value": str(value.get("number"))}


def _text(value: Mapping[str, Any], fps: float) -> Iterator[Row]:
    yield {"value": "\n".join(str(t) for t in value.get("text", []))}


def _timeline(value: Mapping[str, Any], fps: float) -> Iterator[Row]:
    """Frames are 1-based: frame f spans [(f-1)/fps, f/fps); a range covers its end frame."""
    for label in value.get("timelinelabels", []):
        for r in value.get("ranges", []):
            start, end = r.get("start"), r.get("end", r.get("start"))
            yield {
                "value": str(label),
                "segment_start": (start - 1) / fps if start is not None else None,
                "segment_end": end / fps if end is not None else None,
            }


_PARSERS: dict[str, Callable[[Mapping[str, Any], float], Iterator[Row]]] = {
    "choices": _choices,
    "rating": _rating,
    "number": _number,
    "textarea": _text,
    "timelinelabels": _timeline,
}


def _fields(ann: Mapping[str, Any], fps: float) -> Iterator[Row]:
    """One row per field value of an annotation (a skipped task gives one `_skipped` row)."""
    if ann.get("was_cancelled"):
        yield {"field": "_skipped", "value": "true"}
        return
    result = ann.get("result") or []
    if not result:
        yield {"field": "_empty", "value": ""}
        return
    for item in result:
        parse = _PARSERS.get(item.get("type", ""))
        values = (
            parse(item.get("value", {}), fps)
            if parse
            else iter([{"value": json.dumps(item.get("value"), sort_keys=True)}])
        )
        for row in values:
            row["value_num"] = _number_or_none(row["value"])
            yield {"field": item.get("from_name", "?"), **row}


def _number_or_none(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
