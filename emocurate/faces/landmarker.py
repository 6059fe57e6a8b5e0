"""478 landmarks, 52 blendshapes and head pose for each detected face.

MediaPipe's FaceLandmarker has its own short-range detector, which misses the
small faces the full-range detector finds. So it is run on a square crop around
each detected face (the face then fills the crop, as the landmarker expects) and
its landmarks are mapped back to frame pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from emocurate.faces import weights as W
from emocurate.faces.detector import Detection
from emocurate.models import Weights, resolve
from emocurate.schemas.faces import BLENDSHAPES

#: MediaPipe FaceLandmarker blendshape categories, in the model's output order.
BLENDSHAPE_NAMES = BLENDSHAPES

NUM_LANDMARKS = 478
#: Landmark indices of the mouth corners (subject's right, left) in the 478-point mesh.
MOUTH_CORNERS = (61, 291)


@dataclass
class FaceMesh:
    landmarks: np.ndarray  #: (478, 3): x, y in frame pixels, z in the same scale (relative depth)
    blendshapes: dict[str, float]
    yaw: float | None  #: degrees, + = subject turns to their left
    pitch: float | None
    roll: float | None


def _euler_from_matrix(m: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll (degrees) of the rotation part of a 4x4 facial transform."""
    r = m[:3, :3]
    scale = np.linalg.norm(r[:, 0]) or 1.0
    r = r / scale
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return yaw, pitch, roll


class MediaPipeLandmarker:
    """FaceLandmarker (Tasks API, IMAGE mode) on a crop around each detection."""

    name = "mediapipe"

    def __init__(
        self,
        models_config: Mapping[str, Any] | None = None,
        crop_scale: float = 1.8,
        crop_size: int = 256,
    ) -> None:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self.weights: Weights = resolve(W.FACE_LANDMARKER, models_config)
        self.crop_scale = crop_scale
        self.crop_size = crop_size
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.weights.path)),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=1,
            min_face_detection_confidence=0.3,
            min_face_presence_confidence=0.3,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._task = vision.FaceLandmarker.create_from_options(options)

    @staticmethod
    def weights_fingerprint(models_config: Mapping[str, Any] | None) -> dict[str, Any]:
        return {
            "landmarker": "mediapipe",
            **resolve(W.FACE_LANDMARKER, models_config).fingerprint(),
        }

    def fingerprint(self) -> Mapping[str, Any]:
        return {"landmarker": self.name, **self.weights.fingerprint()}

    def mesh(self, rgb: np.ndarray, det: Detection) -> FaceMesh | None:
        """Landmarks of the face in `det`, or None when the landmarker finds no face there."""
        import cv2

        cx, cy = (det.box[0] + det.box[2]) / 2, (det.box[1] + det.box[3]) / 2
        side = max(det.width, det.height) * self.crop_scale
        if side < 8:
            return None
        scale = self.crop_size / side
        # Affine map frame -> crop (pure scale + translation), borders filled with black.
        m = np.array(
            [
                [scale, 0, self.crop_size / 2 - cx * scale],
                [0, scale, self.crop_size / 2 - cy * scale],
            ],
            np.float32,
        )
        crop = cv2.warpAffine(
            rgb,
            m,
            (self.crop_size, self.crop_size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(crop)
        )
        result = self._task.detect(image)
        if not result.face_landmarks:
            return None
        pts = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], np.float32)
        pts *= self.crop_size
        pts[:, 0] = pts[:, 0] / scale + (cx - self.crop_size / 2 / scale)
        pts[:, 1] = pts[:, 1] / scale + (cy - self.crop_size / 2 / scale)
        pts[:, 2] = pts[:, 2] / scale
        shapes = {c.category_name: float(c.score) for c in (result.face_blendshapes or [[]])[0]}
        yaw = pitch = roll = None
        if result.facial_transformation_matrixes:
            yaw, pitch, roll = _euler_from_matrix(
                np.asarray(result.facial_transformation_matrixes[0])
            )
        return FaceMesh(pts, shapes, yaw, pitch, roll)

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None
