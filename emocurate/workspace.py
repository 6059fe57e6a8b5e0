"""A workspace: one folder holding settings, media, stage outputs, clips, catalog and releases."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from emocurate.errors import UsageError

CONFIG_NAME = "emocurate.toml"
FOLDERS = ("media", "work", "clips", "faces", "releases", "logs")

DEFAULT_CONFIG: dict[str, Any] = {
    "workspace": {"pipeline": "default"},
    "decode": {"fps": 5.0},
    # Per-stage overrides of the pipeline preset, e.g. [stages.clips] strategy = "windows".
    "stages": {},
    # Model choices of the model-backed stages (paths to local weights), see README.
    "models": {},
    "label_studio": {"url": "http://127.0.0.1:8080"},
}


@dataclass(frozen=True)
class Workspace:
    """Paths and settings of one workspace; cheap to create, safe to pickle to workers."""

    root: Path
    config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def init(cls, root: Path) -> Workspace:
        """Create the folders and a default emocurate.toml (an existing one is kept)."""
        root = root.expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True)
        for name in FOLDERS:
            (root / name).mkdir(exist_ok=True)
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            atomic_write_bytes(config_path, tomli_w.dumps(DEFAULT_CONFIG).encode())
        return cls.open(root)

    @classmethod
    def open(cls, root: Path | None = None) -> Workspace:
        """Open the workspace at `root`, or the one containing the current directory."""
        start = (root or Path(os.environ.get("EMOCURATE_WORKSPACE", "."))).expanduser().resolve()
        for candidate in (start, *start.parents):
            if (candidate / CONFIG_NAME).is_file():
                return cls(candidate, _load_config(candidate / CONFIG_NAME))
            if root is not None:
                break
        raise UsageError(
            f"no {CONFIG_NAME} in {start} or above: run `emocurate init DIR` first, "
            "or pass --workspace DIR"
        )

    # -- paths -----------------------------------------------------------------
    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.duckdb"

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def relative(self, path: Path) -> str:
        """A path relative to the workspace root, as stored in tables."""
        return Path(path).resolve().relative_to(self.root).as_posix()

    # -- settings --------------------------------------------------------------
    def section(self, name: str) -> dict[str, Any]:
        value = self.config.get(name, {})
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def pipeline_name(self) -> str:
        return str(self.section("workspace").get("pipeline", "default"))

    def stage_overrides(self, stage: str) -> dict[str, Any]:
        return dict(self.section("stages").get(stage, {}))


def _load_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            loaded = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML ({exc}); fix the file") from None
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_CONFIG.items()}
    for key, value in loaded.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) then rename tmp onto `path`: readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
