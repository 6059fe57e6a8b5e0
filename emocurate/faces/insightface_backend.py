"""insightface as a detector and/or embedder, from a model pack the user provides.

insightface's `FaceAnalysis` downloads its pack from GitHub when the folder is
missing; that cannot work offline, so the pack folder is checked first and a
missing pack is a one-line error saying where to put it. Configure in
emocurate.toml:

    [models]
    insightface_root = "/data/insightface"   # holds models/<pack>/*.onnx
    insightface_pack = "buffalo_l"           # default
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from emocurate.errors import MissingExtraError, ModelNotFoundError
from emocurate.faces import weights as W
from emocurate.faces.detector import Detection
from emocurate.faces.embedder import METRICS
from emocurate.faces.landmarker import MOUTH_CORNERS, FaceMesh
from emocurate.models import hash_path

DEFAULT_PACK = "buffalo_l"


def pack_dir(models_config: Mapping[str, Any] | None) -> tuple[Path, str]:
    """The configured pack folder, or ModelNotFoundError naming where to put it."""
    cfg = models_config or {}
    pack = str(cfg.get("insightface_pack") or DEFAULT_PACK)
    root = cfg.get(W.INSIGHTFACE_ROOT.key)
    if not root:
        raise ModelNotFoundError(
            f"insightface model pack {pack!r} not configured: unpack it to DIR/models/{pack}/ "
            f'and set [models] insightface_root = "DIR" in emocurate.toml'
        )
    folder = Path(str(root)).expanduser() / "models" / pack
    if not folder.is_dir() or not any(folder.glob("*.onnx")):
        raise ModelNotFoundError(
            f"insightface model pack {pack!r} not found: put its .onnx files in {folder}/ "
            "(or fix [models] insightface_root / insightface_pack in emocurate.toml)"
        )
    return folder, pack


class InsightFaceBackend:
    """`FaceAnalysis` (detection + ArcFace recognition) on a configured, local pack."""

    metric = METRICS["insightface"]

    def __init__(
        self,
        models_config: Mapping[str, Any] | None = None,
        min_score: float = 0.5,
        det_size: int = 640,
    ) -> None:
        folder, pack = pack_dir(models_config)
        try:
            from insightface.app import FaceAnalysis
        except ImportError:
            raise MissingExtraError(
                "the insightface backend needs insightface: pip install 'emocurate[insightface]'"
            ) from None
        self.pack = pack
        self.model = f"insightface:{pack}"
        self._sha256 = hash_path(folder)
        self._app = FaceAnalysis(
            name=pack,
            root=str(folder.parent.parent),
            allowed_modules=["detection", "recognition"],
            providers=["CPUExecutionProvider"],
        )
        self._app.prepare(ctx_id=-1, det_thresh=min_score, det_size=(det_size, det_size))

    @staticmethod
    def weights_fingerprint(models_config: Mapping[str, Any] | None) -> dict[str, Any]:
        folder, pack = pack_dir(models_config)
        return {"backend": f"insightface:{pack}", "sha256": hash_path(folder)}

    def fingerprint(self) -> Mapping[str, Any]:
        return {"backend": self.model, "sha256": self._sha256}

    # -- detector ---------------------------------------------------------------------
    def detect(self, rgb: np.ndarray) -> list[Detection]:
        out = []
        for face in self._app.get(np.ascontiguousarray(rgb[..., ::-1])):  # insightface wants BGR
            kps5 = np.asarray(face.kps, np.float32)  # eyes (image left, right), nose, mouth corners
            kps = np.full((6, 2), np.nan, np.float32)
            kps[0], kps[1], kps[2] = kps5[0], kps5[1], kps5[2]
            kps[3] = (kps5[3] + kps5[4]) / 2
            emb = getattr(face, "normed_embedding", None)
            out.append(
                Detection(
                    np.asarray(face.bbox, np.float32),
                    float(face.det_score),
                    kps,
                    None if emb is None else np.asarray(emb, np.float32),
                )
            )
        return out

    # -- embedder ---------------------------------------------------------------------
    def embed(self, rgb: np.ndarray, det: Detection, mesh: FaceMesh | None) -> np.ndarray | None:
        if det.embedding is not None:
            return det.embedding
        from insightface.utils import face_align

        kps = det.keypoints
        if mesh is not None:
            corners = mesh.landmarks[list(MOUTH_CORNERS), :2]
        else:  # mouth corners ~ a third of the eye distance either side of the mouth centre
            half = (kps[1] - kps[0]) / 3
            corners = np.stack([kps[3] - half, kps[3] + half])
        five = np.vstack([kps[:3], corners]).astype(np.float32)
        if not np.isfinite(five).all():
            return None
        aligned = face_align.norm_crop(np.ascontiguousarray(rgb[..., ::-1]), five)
        feat = np.asarray(self._app.models["recognition"].get_feat(aligned), np.float32).ravel()
        return feat / (np.linalg.norm(feat) or 1.0)

    def close(self) -> None:
        self._app = None
