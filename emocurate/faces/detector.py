"""Face detection: boxes, keypoints and scores for one RGB frame.

The default is MediaPipe's BlazeFace *full-range* model (good down to small,
distant faces), run with the LiteRT interpreter. mediapipe's Tasks API cannot
run it (its FaceDetector hard-codes the short-range anchors), so the anchor
decoding and weighted NMS of mediapipe's `face_detection_full_range` graph are
reproduced here, with the same constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from emocurate.faces import weights as W
from emocurate.models import Weights, resolve

#: Keypoint order of every detector's output (image coordinates, pixels).
#: "right"/"left" are the subject's: the subject's right eye is on the image's left.
KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear", "left_ear")


@dataclass
class Detection:
    """One face in one frame, in source-frame pixels."""

    box: np.ndarray  #: x1, y1, x2, y2
    score: float
    keypoints: np.ndarray  #: (6, 2) in KEYPOINT_NAMES order; NaN where a backend has none
    embedding: np.ndarray | None = None  #: set by detectors that also embed (insightface)

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])


class FaceDetector(Protocol):
    """A detector backend. `fingerprint()` goes into the stage cache key."""

    def detect(self, rgb: np.ndarray) -> list[Detection]: ...

    def fingerprint(self) -> Mapping[str, Any]: ...

    def close(self) -> None: ...


# -- BlazeFace full range -----------------------------------------------------------------
# Constants of mediapipe/modules/face_detection/face_detection_full_range.pbtxt.
_INPUT = 192
_GRID = 48  # one SSD layer, stride 4, one anchor per cell, fixed anchor size 1.0
_NUM_KEYPOINTS = 6
_SCORE_CLIP = 100.0
_NMS_IOU = 0.3


def _anchors() -> np.ndarray:
    centers = (np.arange(_GRID, dtype=np.float32) + 0.5) / _GRID
    ys, xs = np.meshgrid(centers, centers, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)  # (2304, 2): x, y


class BlazeFaceFullRange:
    """MediaPipe BlazeFace full-range (192x192, 2304 anchors) on the LiteRT interpreter.

    `tiling`: on frames wider (or taller) than 1.3:1, also detect on overlapping square
    tiles; this finds faces down to ~20 px high in 640x360 instead of ~32 px.
    """

    name = "mediapipe"

    def __init__(
        self,
        models_config: Mapping[str, Any] | None = None,
        min_score: float = 0.5,
        threads: int = 1,
        tiling: bool = True,
    ) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.weights: Weights = resolve(W.FACE_DETECTOR, models_config)
        self.min_score = float(min_score)
        self.tiling = tiling
        self._interp = Interpreter(model_path=str(self.weights.path), num_threads=threads)
        self._interp.allocate_tensors()
        self._input = self._interp.get_input_details()[0]["index"]
        outputs = {o["name"]: o["index"] for o in self._interp.get_output_details()}
        self._regressors = next(i for n, i in outputs.items() if "regressor" in n)
        self._classifier = next(i for n, i in outputs.items() if "classifier" in n)
        self._anchors = _anchors()

    @staticmethod
    def weights_fingerprint(models_config: Mapping[str, Any] | None) -> dict[str, Any]:
        """Cache-key material without loading the model."""
        return {"detector": "mediapipe", **resolve(W.FACE_DETECTOR, models_config).fingerprint()}

    def fingerprint(self) -> Mapping[str, Any]:
        return {"detector": self.name, **self.weights.fingerprint()}

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        h, w = rgb.shape[:2]
        parts = [self._detect_square(rgb, 0, 0, max(h, w), inner=None)]
        if self.tiling and max(h, w) >= 1.3 * min(h, w):
            # A wide (or tall) frame letterboxed to a square wastes resolution: also look at
            # overlapping square tiles, where a face is 1.5-2x larger at the model's input.
            side = min(h, w)
            n = int(np.ceil(max(h, w) / side))
            for i in range(n):
                offset = round(i * (max(h, w) - side) / (n - 1))
                ox, oy = (offset, 0) if w > h else (0, offset)
                parts.append(
                    self._detect_square(
                        rgb[oy : oy + side, ox : ox + side], ox, oy, side, inner=(w, h)
                    )
                )
        boxes = np.concatenate([p[0] for p in parts])
        if len(boxes) == 0:
            return []
        kps = np.concatenate([p[1] for p in parts])
        scores = np.concatenate([p[2] for p in parts])
        if len(parts) > 1:
            # The same face seen whole in the frame and in a tile: boxes differ more than
            # NMS's IoU allows, but one mostly contains the other.
            boxes, kps, scores = weighted_nms(boxes, kps, scores, 0.5, over_min=True)
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        return [
            Detection(b.astype(np.float32), float(s), k.astype(np.float32))
            for b, k, s in zip(boxes, kps, scores, strict=True)
            if b[2] - b[0] >= 1 and b[3] - b[1] >= 1
        ]

    def _detect_square(
        self, rgb: np.ndarray, ox: int, oy: int, side: int, inner: tuple[int, int] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Detections (pixel boxes, keypoints, scores) in `rgb` letterboxed to side x side,
        shifted by (ox, oy). For a tile (`inner` = full frame size), faces cut by a tile edge
        that is not a frame edge are dropped: another tile or the full frame sees them whole."""
        import cv2

        h, w = rgb.shape[:2]
        pad_x, pad_y = (side - w) / 2.0, (side - h) / 2.0
        square = np.zeros((side, side, 3), np.uint8)
        square[int(pad_y) : int(pad_y) + h, int(pad_x) : int(pad_x) + w] = rgb
        interp = cv2.INTER_AREA if side > _INPUT else cv2.INTER_LINEAR
        x = cv2.resize(square, (_INPUT, _INPUT), interpolation=interp).astype(np.float32)
        x = x * (2.0 / 255.0) - 1.0
        self._interp.set_tensor(self._input, x[None])
        self._interp.invoke()
        raw = self._interp.get_tensor(self._regressors)[0]
        logits = self._interp.get_tensor(self._classifier)[0, :, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -_SCORE_CLIP, _SCORE_CLIP)))
        keep = np.flatnonzero(scores >= self.min_score)
        empty = (
            np.zeros((0, 4), np.float32),
            np.zeros((0, _NUM_KEYPOINTS, 2), np.float32),
            np.zeros(0, np.float32),
        )
        if keep.size == 0:
            return empty
        anchors = self._anchors[keep]
        r = raw[keep] / _INPUT
        cx, cy = r[:, 0] + anchors[:, 0], r[:, 1] + anchors[:, 1]
        bw, bh = r[:, 2], r[:, 3]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        kps = r[:, 4 : 4 + 2 * _NUM_KEYPOINTS].reshape(-1, _NUM_KEYPOINTS, 2) + anchors[:, None, :]
        boxes, kps, sc = weighted_nms(boxes, kps, scores[keep], _NMS_IOU)
        # Normalised square coordinates -> frame pixels.
        shift = np.array([ox - pad_x, oy - pad_y], np.float32)
        boxes = boxes * side + np.tile(shift, 2)
        kps = kps * side + shift
        if inner is not None:
            fw, fh = inner
            margin = 2.0
            cut = (
                ((boxes[:, 0] < ox + margin) & (ox > 0))
                | ((boxes[:, 1] < oy + margin) & (oy > 0))
                | ((boxes[:, 2] > ox + w - margin) & (ox + w < fw))
                | ((boxes[:, 3] > oy + h - margin) & (oy + h < fh))
            )
            boxes, kps, sc = boxes[~cut], kps[~cut], sc[~cut]
        return boxes.astype(np.float32), kps.astype(np.float32), sc.astype(np.float32)

    def close(self) -> None:
        self._interp = None


def iou_matrix(a: np.ndarray, b: np.ndarray, over_min: bool = False) -> np.ndarray:
    """Pairwise IoU of xyxy boxes (or intersection over the smaller area, `over_min`)."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    if over_min:
        return inter / np.maximum(np.minimum(area_a[:, None], area_b[None, :]), 1e-9)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def weighted_nms(
    boxes: np.ndarray, kps: np.ndarray, scores: np.ndarray, threshold: float, over_min: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mediapipe's WEIGHTED non-max suppression: overlapping candidates are averaged
    (weighted by score) instead of dropped, which steadies boxes from frame to frame."""
    order = np.argsort(-scores)
    remaining = order
    out_b, out_k, out_s = [], [], []
    while remaining.size:
        best = remaining[0]
        overlap = iou_matrix(boxes[best : best + 1], boxes[remaining], over_min)[0]
        group = remaining[overlap > threshold]
        weights = scores[group][:, None]
        out_b.append((boxes[group] * weights).sum(0) / weights.sum())
        out_k.append((kps[group] * weights[:, :, None]).sum(0) / weights.sum())
        out_s.append(scores[best])
        remaining = remaining[overlap <= threshold]
    return np.array(out_b), np.array(out_k), np.array(out_s)
