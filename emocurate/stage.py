"""The stage contract: a named, versioned step that turns one video's inputs into one table.

Three kinds, one contract (name, version, table, inputs, settings, cache key):

- `VideoStage.run(ctx)` sees one video (its source record, the tables of its
  inputs, the shared 16 kHz audio) and returns a table;
- `FrameStage.consumer(ctx)` returns a `FrameConsumer` that is fed the shared
  decoded frame stream (decode once: every frame stage of a pass sees the same
  frames) and returns its table from `finish()`;
- `WorkspaceStage.run_workspace(ctx)` sees every video's inputs at once (for
  example clustering face tracks into subjects) and returns one table.

Stages register by name with `@register`; the runner looks them up, so there
is no dispatch over stage names anywhere.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emocurate import schemas
from emocurate.errors import MissingExtraError, UsageError
from emocurate.records import Source
from emocurate.workspace import Workspace

_REGISTRY: dict[str, type[Stage]] = {}


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a stage available by its `name`."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise RuntimeError(f"stage {cls.name!r} registered twice")
    schemas.schema(cls.table)  # fail at import if the output table is not declared
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtin_stages() -> None:
    import emocurate.stages as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")


def registry() -> dict[str, type[Stage]]:
    """All registered stages by name."""
    _load_builtin_stages()
    return dict(_REGISTRY)


def stage_class(name: str) -> type[Stage]:
    stages = registry()
    if name not in stages:
        raise UsageError(f"unknown stage {name!r}; known stages: {', '.join(sorted(stages))}")
    return stages[name]


class Stage:
    """Base of all stages. Subclasses set the class attributes and implement one method."""

    name: ClassVar[str]
    #: Bump when the output for the same inputs changes: it is part of the cache key.
    version: ClassVar[str] = "1"
    #: Declared table (in schemas/) of the output.
    table: ClassVar[str]
    #: Stages whose outputs this one reads (must run earlier in the pipeline).
    inputs: ClassVar[tuple[str, ...]] = ()
    #: Inputs read only when that stage is part of the pipeline.
    optional_inputs: ClassVar[tuple[str, ...]] = ()
    #: Streams the source must have ("video", "audio"); otherwise the video is skipped.
    needs: ClassVar[frozenset[str]] = frozenset()
    #: Importable modules the stage needs and the pip extra that installs them.
    requires: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str | None] = None
    #: Default settings; the pipeline preset and emocurate.toml override them.
    defaults: ClassVar[Mapping[str, Any]] = {}

    def __init__(
        self, settings: Mapping[str, Any] | None = None, workspace: Workspace | None = None
    ):
        unknown = set(settings or {}) - set(self.defaults)
        if unknown:
            raise UsageError(
                f"stage {self.name!r}: unknown setting(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(self.defaults)) or 'none'}"
            )
        self.settings: dict[str, Any] = {**self.defaults, **(settings or {})}
        self.workspace = workspace
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            extra = self.extra or "all"
            raise MissingExtraError(
                f"stage {self.name!r} needs {', '.join(missing)}: pip install 'emocurate[{extra}]'"
            )

    def fingerprint(self) -> Mapping[str, Any]:
        """Extra cache-key material: model id and weights hash of model-backed stages."""
        return {}

    def identity(self) -> dict[str, Any]:
        """Everything about this stage that changes its output, for the cache key."""
        return {
            "stage": self.name,
            "version": self.version,
            "settings": self.settings,
            "model": dict(self.fingerprint()),
            # The declared output schema: a changed contract must not be served from cache.
            "schema": hashlib.sha256(
                schemas.schema(self.table).remove_metadata().to_string().encode()
            ).hexdigest()[:16],
        }


class VideoStage(Stage):
    def run(self, ctx: VideoContext) -> pa.Table:
        raise NotImplementedError


class Frame:
    """One sampled frame of the shared stream. `shared` lets an earlier consumer of the
    same pass hand results (e.g. face boxes) to a later one."""

    __slots__ = ("index", "t", "rgb", "shared", "_gray", "_small")

    def __init__(self, index: int, t: float, rgb: np.ndarray) -> None:
        self.index = index
        self.t = t
        self.rgb = rgb
        self.shared: dict[str, Any] = {}
        self._gray: np.ndarray | None = None
        self._small: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def small(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(rgb, luma) stride-subsampled to about `width` pixels wide, computed once per
        frame for all consumers. Frame statistics are means, which a regular subsample
        estimates closely at a fraction of the cost."""
        if width not in self._small:
            step = max(1, self.rgb.shape[1] // max(width, 1))
            rgb = np.ascontiguousarray(self.rgb[::step, ::step])
            self._small[width] = (rgb, luma(rgb))
        return self._small[width]

    @property
    def gray(self) -> np.ndarray:
        """BT.601 luma as float32 0-1, computed once per frame for all consumers."""
        if self._gray is None:
            self._gray = luma(self.rgb)
        return self._gray


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of a uint8 RGB image as float32 in 0-1."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    return (0.299 * r + 0.587 * g + 0.114 * b) * (1.0 / 255.0)


class FrameConsumer(Protocol):
    def update(self, frame: Frame) -> None: ...

    def finish(self) -> pa.Table: ...


class FrameStage(Stage):
    """A stage fed by the shared decoded frame stream of its pass."""

    needs = frozenset({"video"})

    def consumer(self, ctx: VideoContext) -> FrameConsumer:
        raise NotImplementedError


class WorkspaceStage(Stage):
    """A stage over all videos at once (its output has a video_id column)."""

    def run_workspace(self, ctx: WorkspaceContext) -> pa.Table:
        raise NotImplementedError


@dataclass
class VideoContext:
    """What a stage sees of one video."""

    workspace: Workspace
    source: Source
    settings: Mapping[str, Any]
    #: Parquet output of each input stage for this video (absent if skipped/not in pipeline).
    input_paths: Mapping[str, Path] = field(default_factory=dict)
    #: Sampling rate of the shared frame stream.
    fps: float = 5.0

    def has_input(self, stage: str) -> bool:
        return stage in self.input_paths

    def input(self, stage: str) -> pa.Table:
        """The output table of an input stage for this video."""
        if stage not in self.input_paths:
            raise KeyError(f"input {stage!r} is not available for {self.source.video_id}")
        return pq.read_table(self.input_paths[stage])

    @property
    def media_path(self) -> Path:
        return self.workspace.path(self.source.media_path)

    @cached_property
    def audio(self) -> np.ndarray:
        """The video's audio as 16 kHz mono float32, decoded once and cached in work/audio/."""
        from emocurate.media import cached_audio

        return cached_audio(self.workspace, self.source)


@dataclass
class WorkspaceContext:
    """What a workspace-wide stage sees: every video's input outputs."""

    workspace: Workspace
    sources: list[Source]
    settings: Mapping[str, Any]
    #: input stage -> video_id -> Parquet path.
    input_paths: Mapping[str, Mapping[str, Path]] = field(default_factory=dict)

    def input(self, stage: str) -> pa.Table:
        """All videos' outputs of `stage`, concatenated with its declared schema."""
        paths = list(self.input_paths.get(stage, {}).values())
        table_name = stage_class(stage).table
        if not paths:
            return schemas.empty(table_name)
        return pa.concat_tables([schemas.conform(pq.read_table(p), table_name) for p in paths])


def cache_key(identity: Mapping[str, Any], video_id: str, input_keys: Mapping[str, str]) -> str:
    """Hamilton-style key: stage identity + the video + the keys of everything it read."""
    blob = json.dumps(
        {"identity": identity, "video": video_id, "inputs": dict(sorted(input_keys.items()))},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]
