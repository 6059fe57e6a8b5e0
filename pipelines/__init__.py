"""Pipeline presets: a plain list of stages with settings, one TOML file per preset.

A preset is data, not code: `fps` (sampling rate of the shared frame stream)
and `[[stages]]` tables each with `name` and that stage's settings. The
workspace's emocurate.toml can override any stage setting under
`[stages.<name>]` and the rate under `[decode] fps`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from emocurate.errors import UsageError


@dataclass(frozen=True)
class StageSpec:
    name: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pipeline:
    name: str
    description: str
    fps: float
    stages: tuple[StageSpec, ...]

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]


def available() -> list[str]:
    """Names of the shipped presets."""
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(".toml")
    )


def load(name: str) -> Pipeline:
    """Load a shipped preset by name."""
    ref = resources.files(__name__) / f"{name}.toml"
    if not ref.is_file():
        raise UsageError(f"unknown pipeline {name!r}; available: {', '.join(available())}")
    data = tomllib.loads(ref.read_text())
    specs = []
    for entry in data.get("stages", []):
        entry = dict(entry)
        specs.append(StageSpec(entry.pop("name"), entry))
    return Pipeline(
        name=name,
        description=str(data.get("description", "")),
        fps=float(data.get("fps", 5.0)),
        stages=tuple(specs),
    )
