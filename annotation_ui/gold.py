"""Gold items: clips with known answers, put in every annotator's queue, scored per annotator.

The answers live only in the catalog (`gold_items`): tasks carry no trace of being gold,
so an annotator cannot tell a gold clip from any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from emocurate.annotation_ui import configs, store, tabular
from emocurate.annotation_ui.clips import Clip
from emocurate.catalog import now
from emocurate.errors import InputError, UsageError
from emocurate.workspace import Workspace


def read(
    path: Path,
    label_config: configs.LabelConfig,
    label_schema: Mapping[str, Any],
    clips_by_id: Mapping[str, Clip],
) -> list[dict[str, str]]:
    """Validated gold answers (clip_id, field, value) from a CSV / JSON lines / Parquet file."""
    out = []
    for i, row in enumerate(tabular.read_rows(path, ("clip_id", "field", "value"), "gold file"), 1):
        clip_id, field, value = row["clip_id"], row["field"], row["value"]
        if clip_id not in clips_by_id:
            raise InputError(f"{path} row {i}: clip {clip_id!r} is not a clip of this workspace")
        if field not in label_config.fields or configs.FIELD_TYPES.get(field) or field == "unsure":
            choices = [
                f for f in label_config.fields if not configs.FIELD_TYPES.get(f) and f != "unsure"
            ]
            raise InputError(
                f"{path} row {i}: field {field!r} cannot be gold in config {label_config.name!r} "
                f"(choose from {', '.join(choices)})"
            )
        allowed = configs.allowed_values(field, label_schema)
        if allowed is not None and value not in allowed:
            raise InputError(
                f"{path} row {i}: {value!r} is not a {field} label ({', '.join(allowed)})"
            )
        out.append({"clip_id": clip_id, "field": field, "value": value})
    return out


def add(workspace: Workspace, config: str, answers: list[dict[str, str]]) -> int:
    """Store answers not yet known; a different answer for a known (clip, field) is an error."""
    known = {
        (r["clip_id"], r["field"]): r["value"]
        for r in store.rows(
            workspace, "select clip_id, field, value from gold_items where config = ?", [config]
        )
    }
    new = []
    for a in answers:
        key = (a["clip_id"], a["field"])
        if key in known:
            if known[key] != a["value"]:
                raise UsageError(
                    f"gold answer for {key[0]} / {key[1]} is already {known[key]!r}, the file says "
                    f"{a['value']!r}: fix the file (stored gold answers are never changed)"
                )
            continue
        known[key] = a["value"]
        new.append({"config": config, **a, "added_at": now()})
    store.catalog(workspace).append("gold_items", new)
    return len(new)


def accuracy(workspace: Workspace, config: str | None = None) -> list[dict[str, Any]]:
    """Per (config, annotator): gold answers given, correct ones, accuracy (latest versions)."""
    where = "where g.config = ?" if config else ""
    sql = f"""
        with latest as ({store.LATEST_ANNOTATIONS_SQL})
        select g.config, a.annotator, count(*) as n,
               count(*) filter (where a.value = g.value) as correct,
               count(*) filter (where a.value = g.value) / count(*) as accuracy
        from gold_items g
        join latest a on a.config = g.config and a.clip_id = g.clip_id and a.field = g.field
        {where}
        group by g.config, a.annotator order by g.config, a.annotator
    """
    return store.rows(workspace, sql, [config] if config else [])
