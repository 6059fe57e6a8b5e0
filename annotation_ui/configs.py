"""Labelling configs: XML templates in `templates/`, filled from the label schema in emocurate.toml.

A template is plain Label Studio XML with `{{...}}` slots (LS itself uses `$name` for
task data, so we use another syntax). The label sets come from `[annotation.labels]`:

    [annotation.labels]
    emotion = ["happy", "surprise", "sad", "disgust", "anger", "fear", "neutral"]
    sentiment = ["very negative", "negative", "neutral", "positive", "very positive"]
    segments = ["ambivalence", "hesitancy"]
    coarse = ["positive", "negative", "neutral"]
    fine = ["happy", "surprise", "sad", "disgust", "anger", "fear", "neutral"]
    rating_levels = 9

Each template has instructions (`<name>.md` + `_common.md`) shown to annotators
before they start.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from emocurate.errors import UsageError

EMOTIONTALK_CLASSES = ["happy", "surprise", "sad", "disgust", "anger", "fear", "neutral"]

DEFAULT_LABELS: dict[str, Any] = {
    "emotion": EMOTIONTALK_CLASSES,
    "sentiment": ["very negative", "negative", "neutral", "positive", "very positive"],
    "segments": ["ambivalence", "hesitancy"],
    "coarse": ["positive", "negative", "neutral"],
    "fine": EMOTIONTALK_CLASSES,
    "rating_levels": 9,
}

#: Template name -> the control names (fields) it produces; `unsure` is optional everywhere.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "emotion": ("emotion", "unsure"),
    "valence_arousal": ("valence", "arousal", "unsure"),
    "sentiment": ("sentiment", "unsure"),
    "segments": ("segments", "unsure"),
    "coarse_fine": ("coarse", "fine", "unsure"),
}

_SEGMENT_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6"]


@dataclass(frozen=True)
class LabelConfig:
    """A filled template: what a project is created with."""

    name: str
    xml: str
    instructions: str  # HTML shown by Label Studio before labelling
    fields: tuple[str, ...]


def names() -> list[str]:
    return sorted(TEMPLATES)


def labels(workspace_config: Mapping[str, Any]) -> dict[str, Any]:
    """The label schema: defaults overridden by [annotation.labels]; unknown keys are errors."""
    section = workspace_config.get("annotation", {}) if workspace_config else {}
    given = dict(section.get("labels", {})) if isinstance(section, Mapping) else {}
    unknown = set(given) - set(DEFAULT_LABELS)
    if unknown:
        raise UsageError(
            f"[annotation.labels] has unknown key(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(DEFAULT_LABELS))}"
        )
    merged = {**DEFAULT_LABELS, **given}
    for key, value in merged.items():
        if key == "rating_levels":
            if not isinstance(value, int) or not 2 <= value <= 11:
                raise UsageError(
                    "[annotation.labels] rating_levels must be an integer from 2 to 11"
                )
        elif not (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise UsageError(f"[annotation.labels] {key} must be a non-empty list of label strings")
        elif len(set(value)) != len(value):
            raise UsageError(f"[annotation.labels] {key} lists a label twice")
    return merged


def render(
    name: str,
    label_schema: Mapping[str, Any] | None = None,
    transcript: bool = True,
    caption: bool = False,
) -> LabelConfig:
    """Fill template `name`; `transcript` adds the transcript panel, `caption` a suggestion box."""
    if name not in TEMPLATES:
        raise UsageError(f"unknown labelling config {name!r}; known: {', '.join(names())}")
    schema = {**DEFAULT_LABELS, **(label_schema or {})}
    slots: dict[str, Callable[[str], str]] = {
        "choices": lambda key: "\n    ".join(f'<Choice value="{_attr(v)}"/>' for v in schema[key]),
        "labels": lambda key: "\n    ".join(
            f'<Label value="{_attr(v)}" background="{_colour(i)}"/>'
            for i, v in enumerate(schema[key])
        ),
        "scale": lambda _: "\n    ".join(
            f'<Choice value="{i}"/>' for i in range(1, int(schema["rating_levels"]) + 1)
        ),
        "levels": lambda _: str(int(schema["rating_levels"])),
        "transcript": lambda _: _TRANSCRIPT_PANEL if transcript else "",
        "caption": lambda _: _CAPTION_BOX if caption else "",
    }
    xml = _fill(_read(f"{name}.xml"), slots).strip()
    fields = TEMPLATES[name] + (("caption",) if caption else ())
    text_slots: dict[str, Callable[[str], str]] = {
        "labels": lambda _: _listing(schema.get(name, [])),
        "coarse": lambda _: _listing(schema["coarse"]),
        "fine": lambda _: _listing(schema["fine"]),
        "levels": lambda _: str(int(schema["rating_levels"])),
    }
    instructions = _markdown(_fill(_read(f"{name}.md"), text_slots) + "\n\n" + _read("_common.md"))
    return LabelConfig(name, xml, instructions, fields)


_TRANSCRIPT_PANEL = """<View style="flex: 1; max-height: 360px; overflow: auto">
      <Header value="Transcript (automatic)" size="5"/>
      <Text name="transcript" value="$transcript"/>
    </View>"""

_CAPTION_BOX = """<Header size="5"
    value="Describe the emotional cues (a model suggestion is pre-filled: check and correct it)"/>
  <TextArea name="caption" toName="video" editable="true" rows="3" maxSubmissions="1"/>"""


def _colour(i: int) -> str:
    return _SEGMENT_COLOURS[i % len(_SEGMENT_COLOURS)]


def _read(filename: str) -> str:
    return (resources.files("emocurate.annotation_ui") / "templates" / filename).read_text()


def _fill(text: str, slots: Mapping[str, Callable[[str], str]]) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, _, arg = match.group(1).partition(":")
        if kind not in slots:
            raise KeyError(f"template slot {{{{{kind}}}}} has no filler")
        return slots[kind](arg)

    return re.sub(r"\{\{([a-z_]+(?::[a-z_]+)?)\}\}", replace, text)


def _attr(value: str) -> str:
    return html.escape(value.strip(), quote=True)


def _listing(values: list[str]) -> str:
    return ", ".join(f"*{v}*" for v in values)


def _markdown(text: str) -> str:
    """Just enough Markdown for instructions: headings, bullets, numbered items, emphasis."""
    out: list[str] = []
    open_list: str | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        item = re.match(r"^(\s*)(-|\d+\.)\s+(.*)", line)
        if item:
            tag = "ol" if item.group(2)[0].isdigit() else "ul"
            if open_list != tag:
                if open_list:
                    out.append(f"</{open_list}>")
                out.append(f"<{tag}>")
                open_list = tag
            out.append(f"<li>{_inline(item.group(3))}")
            continue
        if line.startswith("  ") and open_list and line.strip():
            out[-1] += " " + _inline(line.strip())
            continue
        if open_list:
            out.append(f"</{open_list}>")
            open_list = None
        heading = re.match(r"^(#+)\s+(.*)", line)
        if heading:
            level = min(len(heading.group(1)) + 1, 6)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.strip():
            if out and out[-1].startswith("<p>") and not out[-1].endswith("</p>"):
                out[-1] += " " + _inline(line.strip())
            else:
                out.append(f"<p>{_inline(line.strip())}")
        if not line.strip() and out and out[-1].startswith("<p>") and not out[-1].endswith("</p>"):
            out[-1] += "</p>"
    if open_list:
        out.append(f"</{open_list}>")
    if out and out[-1].startswith("<p>") and not out[-1].endswith("</p>"):
        out[-1] += "</p>"
    return "\n".join(out)


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"\*(.+?)\*", r"<i>\1</i>", text)


#: Field -> Label Studio result type, for fields that are not single/multiple choices.
FIELD_TYPES: dict[str, str] = {"segments": "timelinelabels", "caption": "textarea"}

#: Field -> the label-schema key listing its values (rating fields use rating_levels).
_FIELD_VALUES: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "emotion": lambda s: list(s["emotion"]),
    "sentiment": lambda s: list(s["sentiment"]),
    "segments": lambda s: list(s["segments"]),
    "coarse": lambda s: list(s["coarse"]),
    "fine": lambda s: list(s["fine"]),
    "valence": lambda s: [str(i) for i in range(1, int(s["rating_levels"]) + 1)],
    "arousal": lambda s: [str(i) for i in range(1, int(s["rating_levels"]) + 1)],
    "unsure": lambda s: ["unsure"],
}


def allowed_values(field: str, label_schema: Mapping[str, Any]) -> list[str] | None:
    """The values a field accepts, or None for free text (caption)."""
    values = _FIELD_VALUES.get(field)
    return values({**DEFAULT_LABELS, **label_schema}) if values else None
