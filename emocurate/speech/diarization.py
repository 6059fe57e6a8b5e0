"""Diarization backends: who speaks when, with speaker labels consistent within a video.

Backends are looked up by name in `BACKENDS` (setting `backend` of the
`diarization` stage):

- `campplus` (offline default): CAM++ speaker embeddings of 1.5 s windows inside
  the VAD speech regions, agglomerative clustering (average linkage, cosine
  distance) with the speaker count found by a distance threshold, then one
  reassignment pass to the cluster centroids;
- `pyannote`: a pyannote.audio pipeline from a local directory or a hub name
  configured under [models] (`pyannote`, `pyannote_token`).

Every backend returns turns labelled SPEAKER_00, SPEAKER_01, ... in order of
first appearance, so labels do not depend on the backend's internal numbering.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from emocurate.errors import MissingExtraError, ModelNotFoundError, UsageError

RATE = 16_000


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str


class DiarizationBackend(Protocol):
    name: str

    def fingerprint(self) -> dict[str, Any]: ...

    def diarize(
        self, audio: np.ndarray, regions: Sequence[tuple[float, float]], num_speakers: int | None
    ) -> list[Turn]: ...


# -- clustering (pure functions, unit-tested) ----------------------------------------------


def windows(
    regions: Sequence[tuple[float, float]], length: float = 1.5, hop: float = 0.75
) -> list[tuple[int, float, float]]:
    """(region index, start, end) windows covering each region; a short region is one window."""
    out: list[tuple[int, float, float]] = []
    for r, (start, end) in enumerate(regions):
        if end - start <= length:
            out.append((r, start, end))
            continue
        t = start
        while t + length < end:
            out.append((r, t, t + length))
            t += hop
        out.append((r, max(start, end - length), end))
    return out


def cluster(
    embeddings: np.ndarray,
    threshold: float,
    num_speakers: int | None = None,
    max_speakers: int = 20,
) -> np.ndarray:
    """Cluster unit vectors: labels 0..k-1.

    Average-linkage agglomerative clustering on cosine distance; the tree is cut
    at `threshold` (automatic speaker count, so one speaker stays one cluster) or
    at `num_speakers` clusters when given. Each vector is then reassigned to the
    nearest cluster centroid, which fixes windows the greedy merge put on the
    wrong side.
    """
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, np.int64)
    if n == 1:
        return np.zeros(1, np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(embeddings, metric="cosine"), 0.0, 2.0)
    tree = linkage(distances, method="average")
    if num_speakers:
        labels = fcluster(tree, t=min(num_speakers, n), criterion="maxclust")
    else:
        labels = fcluster(tree, t=threshold, criterion="distance")
        if labels.max() > max_speakers:
            labels = fcluster(tree, t=max_speakers, criterion="maxclust")
    labels = labels - 1
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in range(labels.max() + 1)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    reassigned = np.argmax(embeddings @ centroids.T, axis=1)
    # Reassignment may empty a cluster: renumber densely.
    _, dense = np.unique(reassigned, return_inverse=True)
    return dense.astype(np.int64)


def turns_from_windows(
    regions: Sequence[tuple[float, float]],
    wins: Sequence[tuple[int, float, float]],
    labels: Sequence[int],
) -> list[Turn]:
    """Turns from labelled overlapping windows: a change falls midway through the overlap."""
    turns: list[Turn] = []
    by_region: dict[int, list[tuple[float, float, int]]] = {}
    for (r, start, end), label in zip(wins, labels, strict=True):
        by_region.setdefault(r, []).append((start, end, int(label)))
    for r, items in sorted(by_region.items()):
        region_start, region_end = regions[r]
        items.sort()
        bounds = [region_start]
        for (_, prev_end, _), (next_start, _, _) in zip(items, items[1:], strict=False):
            bounds.append((prev_end + next_start) / 2.0)
        bounds.append(region_end)
        for i, (_, _, label) in enumerate(items):
            start, end = bounds[i], bounds[i + 1]
            if end <= start:
                continue
            speaker = str(label)
            if turns and turns[-1].speaker == speaker and abs(turns[-1].end - start) < 1e-6:
                turns[-1] = Turn(turns[-1].start, end, speaker)
            else:
                turns.append(Turn(start, end, speaker))
    return relabel(turns)


def relabel(turns: Sequence[Turn]) -> list[Turn]:
    """Sort by time and name speakers SPEAKER_00, SPEAKER_01, ... by first appearance."""
    ordered = sorted(turns, key=lambda t: (t.start, t.end))
    names: dict[str, str] = {}
    for turn in ordered:
        names.setdefault(turn.speaker, f"SPEAKER_{len(names):02d}")
    return [Turn(t.start, t.end, names[t.speaker]) for t in ordered]


# -- backends --------------------------------------------------------------------------------


class CampplusBackend:
    """Offline default: CAM++ embeddings + VAD regions + agglomerative clustering."""

    name = "campplus"

    def __init__(self, settings: Mapping[str, Any], models_config: Mapping[str, Any]) -> None:
        import importlib.util

        from emocurate.speech.embeddings import SpeakerEmbedder, resolve_weights

        needed = ("torch", "kaldi_native_fbank")
        missing = [m for m in needed if importlib.util.find_spec(m) is None]
        if missing:
            raise MissingExtraError(
                f"diarization backend 'campplus' needs {', '.join(missing)}: "
                "pip install 'emocurate[speech]'"
            )
        self.settings = settings
        self.embedder = SpeakerEmbedder(resolve_weights(models_config))

    def fingerprint(self) -> dict[str, Any]:
        return self.embedder.weights.fingerprint()

    def diarize(
        self, audio: np.ndarray, regions: Sequence[tuple[float, float]], num_speakers: int | None
    ) -> list[Turn]:
        wins = windows(regions, float(self.settings["window"]), float(self.settings["hop"]))
        if not wins:
            return []
        embeddings = self.embedder.embed(audio, [(s, e) for _, s, e in wins])
        # Very short windows give unreliable embeddings: cluster the others, then give the
        # short ones the nearest cluster (unless every window is short).
        long_enough = np.array([e - s >= float(self.settings["min_window"]) for _, s, e in wins])
        if long_enough.sum() == 0:
            long_enough[:] = True
        labels = np.full(len(wins), -1, np.int64)
        labels[long_enough] = cluster(
            embeddings[long_enough],
            float(self.settings["threshold"]),
            num_speakers,
            int(self.settings["max_speakers"]),
        )
        if (~long_enough).any():
            k = labels[long_enough].max() + 1
            centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in range(k)])
            labels[~long_enough] = np.argmax(embeddings[~long_enough] @ centroids.T, axis=1)
        return turns_from_windows(regions, wins, labels)


class PyannoteBackend:
    """pyannote.audio pipeline from [models] pyannote (local directory or hub name + token)."""

    name = "pyannote"

    def __init__(self, settings: Mapping[str, Any], models_config: Mapping[str, Any]) -> None:
        source = str(models_config.get("pyannote") or "").strip()
        if not source:
            raise ModelNotFoundError(
                "diarization backend 'pyannote' needs a pipeline: set [models] pyannote = "
                '"/path/to/pipeline-dir" (or a hub name such as '
                '"pyannote/speaker-diarization-community-1" plus [models] pyannote_token or '
                "HF_TOKEN) in emocurate.toml"
            )
        try:
            import torch  # noqa: F401
            from pyannote.audio import Pipeline
        except ImportError:
            raise MissingExtraError(
                "diarization backend 'pyannote' needs pyannote.audio: pip install pyannote.audio "
                '(or use backend = "campplus")'
            ) from None
        looks_local = source.startswith((".", "/", "~"))
        if looks_local and not Path(source).expanduser().exists():
            raise ModelNotFoundError(
                f"[models] pyannote = {source!r} does not exist; fix the path in emocurate.toml"
            )
        self.source = source
        self._pipeline_cls = Pipeline
        self._token = models_config.get("pyannote_token") or os.environ.get("HF_TOKEN")
        self._pipeline: Any = None

    @property
    def pipeline(self) -> Any:
        """The pyannote pipeline, loaded on first use (workers, not the planning process)."""
        if self._pipeline is None:
            self._pipeline = _load_pyannote(self._pipeline_cls, self.source, self._token)
        return self._pipeline

    def fingerprint(self) -> dict[str, Any]:
        from emocurate.models import hash_path

        path = Path(self.source).expanduser()
        digest = hash_path(path) if path.exists() else None
        return {"key": "pyannote", "name": self.source, "sha256": digest}

    def diarize(
        self, audio: np.ndarray, regions: Sequence[tuple[float, float]], num_speakers: int | None
    ) -> list[Turn]:
        import torch

        if audio.size == 0:
            return []
        waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None]
        kwargs = {"num_speakers": num_speakers} if num_speakers else {}
        output = self.pipeline({"waveform": waveform, "sample_rate": RATE}, **kwargs)
        # pyannote 4 returns an object holding the annotation; 3.x returns the annotation.
        annotation = getattr(output, "speaker_diarization", output)
        turns = [
            Turn(float(segment.start), float(segment.end), str(label))
            for segment, _, label in annotation.itertracks(yield_label=True)
        ]
        return relabel(turns)


def _load_pyannote(pipeline_cls: Any, source: str, token: str | None) -> Any:
    path = Path(source).expanduser()
    if path.exists() or source.startswith((".", "/", "~")):
        if not path.exists():
            raise ModelNotFoundError(
                f"[models] pyannote = {source!r} does not exist; fix the path in emocurate.toml"
            )
        target = path
        if path.is_dir() and (path / "config.yaml").is_file():
            # pyannote 3.x wants the config file, 4.x accepts the directory.
            params = inspect.signature(pipeline_cls.from_pretrained).parameters
            target = path if "token" in params else path / "config.yaml"
        pipeline = pipeline_cls.from_pretrained(str(target))
    else:
        params = inspect.signature(pipeline_cls.from_pretrained).parameters
        auth = {"token": token} if "token" in params else {"use_auth_token": token}
        try:
            pipeline = pipeline_cls.from_pretrained(source, **auth)
        except Exception as exc:  # noqa: BLE001 - hub/network errors come in many types
            raise ModelNotFoundError(
                f"pyannote pipeline {source!r} could not be loaded ({type(exc).__name__}); "
                "download it where the hub is reachable and set [models] pyannote = "
                '"/path/to/pipeline-dir" in emocurate.toml'
            ) from None
    if pipeline is None:  # pyannote 3.x returns None for gated models without a token
        raise ModelNotFoundError(
            f"pyannote pipeline {source!r} is gated: set [models] pyannote_token or HF_TOKEN, "
            "or point [models] pyannote at a local pipeline directory"
        )
    return pipeline


BACKENDS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], DiarizationBackend]] = {
    CampplusBackend.name: CampplusBackend,
    PyannoteBackend.name: PyannoteBackend,
}


def backend(
    name: str, settings: Mapping[str, Any], models_config: Mapping[str, Any]
) -> DiarizationBackend:
    """Build the named backend (UsageError naming the known ones otherwise)."""
    if name not in BACKENDS:
        raise UsageError(
            f"unknown diarization backend {name!r}; known: {', '.join(sorted(BACKENDS))}"
        )
    return BACKENDS[name](settings, models_config)
