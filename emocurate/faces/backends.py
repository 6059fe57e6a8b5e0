"""Backend registries of the `faces` stage: setting value -> backend class.

Importing this module is cheap: every backend imports its heavy package
(mediapipe, LiteRT, dlib, insightface, onnxruntime) only when constructed.
Each class offers `weights_fingerprint(models_config)` for the cache key, which
resolves its weights without loading them. `None` switches a part off.
"""

from __future__ import annotations

from typing import Any

from emocurate.faces.au import BlendshapeAUs, OnnxAUModel
from emocurate.faces.detector import BlazeFaceFullRange
from emocurate.faces.embedder import DlibEmbedder
from emocurate.faces.insightface_backend import InsightFaceBackend
from emocurate.faces.landmarker import MediaPipeLandmarker

DETECTORS: dict[str, Any] = {"mediapipe": BlazeFaceFullRange, "insightface": InsightFaceBackend}
LANDMARKERS: dict[str, Any] = {"mediapipe": MediaPipeLandmarker, "none": None}
AU_BACKENDS: dict[str, Any] = {"blendshapes": BlendshapeAUs, "onnx": OnnxAUModel}
EMBEDDERS: dict[str, Any] = {"dlib": DlibEmbedder, "insightface": InsightFaceBackend, "none": None}

#: `faces` stage setting -> its registry.
REGISTRIES: dict[str, dict[str, Any]] = {
    "detector": DETECTORS,
    "landmarker": LANDMARKERS,
    "au_backend": AU_BACKENDS,
    "embedder": EMBEDDERS,
}
