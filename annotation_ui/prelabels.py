"""Pre-labels (off by default): model suggestions shown to annotators as Label Studio predictions.

A file of (clip_id, field, value[, score]) rows, e.g. made with `emocurate query` from a
model's outputs; field `caption` pre-fills a free-text description box
(MER-Caption-style). Predictions carry model_version "emocurate-suggestions" and the
config says that pre-filled values are suggestions to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from emocurate.annotation_ui import configs, tabular
from emocurate.annotation_ui.clips import Clip
from emocurate.errors import InputError


def read(
    path: Path, config: str, label_schema: Mapping[str, Any], clips_by_id: Mapping[str, Clip]
) -> dict[str, dict[str, Any]]:
    """clip_id -> {field: [values], "_score": mean score} from the pre-label file."""
    fields = set(configs.TEMPLATES[config]) | {"caption"}
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(
        tabular.read_rows(path, ("clip_id", "field", "value"), "pre-label file"), 1
    ):
        clip_id, field, value = row["clip_id"], row["field"], row["value"]
        if clip_id not in clips_by_id:
            continue  # suggestions for clips not (yet) in the workspace are ignored
        if field not in fields or configs.FIELD_TYPES.get(field) == "timelinelabels":
            raise InputError(
                f"{path} row {i}: field {field!r} cannot be pre-labelled in config {config!r}"
            )
        allowed = configs.allowed_values(field, label_schema)
        if allowed is not None and value not in allowed:
            raise InputError(f"{path} row {i}: {value!r} is not a {field} label")
        entry = out.setdefault(clip_id, {})
        entry.setdefault(field, []).append(value)
        if row.get("score") is not None:
            entry.setdefault("_scores", []).append(float(row["score"]))
    return out


def prediction(suggestion: Mapping[str, Any], model_version: str) -> dict[str, Any]:
    """A Label Studio prediction pre-filling the suggested fields."""
    result = []
    for field, values in suggestion.items():
        if field.startswith("_"):
            continue
        if configs.FIELD_TYPES.get(field) == "textarea":
            value: dict[str, Any] = {"text": [f"[suggestion] {v}" for v in values]}
            kind = "textarea"
        else:
            value, kind = {"choices": list(values)}, "choices"
        result.append({"from_name": field, "to_name": "video", "type": kind, "value": value})
    scores = suggestion.get("_scores") or []
    return {
        "model_version": model_version,
        "score": sum(scores) / len(scores) if scores else None,
        "result": result,
    }
