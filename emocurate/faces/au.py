"""FACS action-unit estimates per face and frame.

No trained AU detector ships in any installable package (see shared MODELS.md),
so the offline default *derives* AU estimates from MediaPipe's 52 ARKit-style
blendshapes with the fixed mapping below (documented in docs/faces.md). These are
blendshape-derived proxies on a 0-1 scale, not FACS-coded intensities, and every
row says so in its `au_source` column. A learned model can be plugged in with
`au_backend = "onnx"` and `[models] au_model = "/path/model.onnx"`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from emocurate.errors import ModelNotFoundError, UsageError
from emocurate.faces import weights as W
from emocurate.models import Weights, resolve
from emocurate.schemas.faces import AU_CODES

AU_COLUMNS = tuple(f"au{n:02d}" for n in AU_CODES)

#: AU -> (blendshapes averaged, blendshapes subtracted);
#: value = clip(mean(plus) - mean(minus), 0, 1).
#: Left/right pairs are averaged (AUs here are bilateral).
BLENDSHAPE_AU_MAP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "au01": (("browInnerUp",), ()),  # inner brow raiser
    "au02": (("browOuterUpLeft", "browOuterUpRight"), ()),  # outer brow raiser
    "au04": (("browDownLeft", "browDownRight"), ()),  # brow lowerer
    "au05": (("eyeWideLeft", "eyeWideRight"), ()),  # upper lid raiser
    "au06": (("cheekSquintLeft", "cheekSquintRight"), ()),  # cheek raiser
    "au07": (("eyeSquintLeft", "eyeSquintRight"), ()),  # lid tightener
    "au09": (("noseSneerLeft", "noseSneerRight"), ()),  # nose wrinkler
    "au10": (("mouthUpperUpLeft", "mouthUpperUpRight"), ()),  # upper lip raiser
    "au12": (("mouthSmileLeft", "mouthSmileRight"), ()),  # lip corner puller
    "au14": (("mouthDimpleLeft", "mouthDimpleRight"), ()),  # dimpler
    "au15": (("mouthFrownLeft", "mouthFrownRight"), ()),  # lip corner depressor
    "au17": (("mouthShrugLower",), ()),  # chin raiser
    "au20": (("mouthStretchLeft", "mouthStretchRight"), ()),  # lip stretcher
    "au23": (("mouthPressLeft", "mouthPressRight"), ()),  # lip tightener
    "au25": (("jawOpen",), ("mouthClose",)),  # lips part: jaw open unless the lips stay closed
    "au26": (("jawOpen",), ()),  # jaw drop
    "au28": (("mouthRollLower", "mouthRollUpper"), ()),  # lip suck
    "au43": (("eyeBlinkLeft", "eyeBlinkRight"), ()),  # eyes closed
}

BLENDSHAPE_SOURCE = "blendshapes:mediapipe-v1"


class AUBackend(Protocol):
    #: What goes into the `au_source` column, e.g. "blendshapes:mediapipe-v1".
    source: str

    def estimate(
        self, blendshapes: Mapping[str, float] | None, aligned_rgb: np.ndarray | None
    ) -> dict[str, float | None]: ...

    def fingerprint(self) -> Mapping[str, Any]: ...


def aus_from_blendshapes(shapes: Mapping[str, float]) -> dict[str, float]:
    """The documented blendshape -> AU mapping (BLENDSHAPE_AU_MAP)."""
    out: dict[str, float] = {}
    for au, (plus, minus) in BLENDSHAPE_AU_MAP.items():
        value = float(np.mean([shapes.get(n, 0.0) for n in plus]))
        if minus:
            value -= float(np.mean([shapes.get(n, 0.0) for n in minus]))
        out[au] = float(min(1.0, max(0.0, value)))
    return out


class BlendshapeAUs:
    """AU estimates derived from blendshapes (no learned AU model involved)."""

    source = BLENDSHAPE_SOURCE
    needs_crop = False

    def __init__(self, models_config: Mapping[str, Any] | None = None) -> None:
        pass

    def estimate(
        self, blendshapes: Mapping[str, float] | None, aligned_rgb: np.ndarray | None
    ) -> dict[str, float | None]:
        if not blendshapes:
            return dict.fromkeys(AU_COLUMNS)
        return dict(aus_from_blendshapes(blendshapes))

    @staticmethod
    def weights_fingerprint(models_config: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"au": BLENDSHAPE_SOURCE}

    def fingerprint(self) -> Mapping[str, Any]:
        return {"au": self.source}


class OnnxAUModel:
    """A learned AU model the user provides as ONNX (run with onnxruntime on aligned crops).

    Contract: one input N x 3 x H x W float32 RGB in 0-1 (H, W read from the model),
    one output N x K scores; the K AU names come from the model's metadata key
    `au_names` (comma-separated, e.g. "AU01,AU02,AU04") or the `au_names` setting.
    """

    needs_crop = True

    def __init__(
        self, models_config: Mapping[str, Any] | None = None, au_names: Sequence[str] = ()
    ) -> None:
        self.weights: Weights = resolve(W.AU_MODEL, models_config)
        try:
            import onnxruntime as ort
        except ImportError:
            raise ModelNotFoundError(
                "au_backend = 'onnx' needs onnxruntime: pip install 'emocurate[faces]'"
            ) from None
        self._session = ort.InferenceSession(
            str(self.weights.path), providers=["CPUExecutionProvider"]
        )
        inp = self._session.get_inputs()[0]
        self._input = inp.name
        self._hw = (int(inp.shape[2]), int(inp.shape[3]))
        meta = self._session.get_modelmeta().custom_metadata_map
        names = list(au_names) or [
            n.strip() for n in meta.get("au_names", "").split(",") if n.strip()
        ]
        if not names:
            raise UsageError(
                "au_model has no 'au_names' metadata: "
                'set au_names = ["AU01", ...] on the faces stage'
            )
        self._columns = [_au_column(n) for n in names]
        self.source = f"model:{self.weights.path.name}:{self.weights.sha256[:12]}"

    def estimate(
        self, blendshapes: Mapping[str, float] | None, aligned_rgb: np.ndarray | None
    ) -> dict[str, float | None]:
        import cv2

        out: dict[str, float | None] = dict.fromkeys(AU_COLUMNS)
        if aligned_rgb is None:
            return out
        x = cv2.resize(aligned_rgb, (self._hw[1], self._hw[0])).astype(np.float32) / 255.0
        scores = self._session.run(None, {self._input: x.transpose(2, 0, 1)[None]})[0][0]
        for column, value in zip(self._columns, scores, strict=False):
            if column in out:
                out[column] = float(value)
        return out

    @staticmethod
    def weights_fingerprint(models_config: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"au": "onnx", **resolve(W.AU_MODEL, models_config).fingerprint()}

    def fingerprint(self) -> Mapping[str, Any]:
        return {"au": "onnx", **self.weights.fingerprint()}


def _au_column(name: str) -> str:
    digits = "".join(ch for ch in name if ch.isdigit())
    if not digits:
        raise UsageError(f"au_names entry {name!r} has no AU number (expected e.g. 'AU12')")
    return f"au{int(digits):02d}"
