"""Aligned face crops: a similarity transform (rotation, uniform scale, shift) from the
detector's eye / nose / mouth keypoints onto a fixed template, so every crop has the
eyes level and at the same place (the ArcFace 112x112 template, scaled to the crop size).
"""

from __future__ import annotations

import numpy as np

# ArcFace template (112x112) for: right eye (image left), left eye, nose tip, mouth centre.
_TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [56.1396, 92.2848]], np.float32
)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform (Umeyama 1991) mapping src points onto dst; 2x3."""
    src = src.astype(np.float64)
    dst = dst.astype(np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1
    rot = u @ np.diag(sign) @ vt
    var = (s**2).sum() / len(src)
    scale = (sig * sign).sum() / var if var > 0 else 1.0
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = mu_d - scale * rot @ mu_s
    return m.astype(np.float32)


def align_face(
    rgb: np.ndarray, keypoints: np.ndarray, size: int = 224, padding: float = 0.0
) -> np.ndarray | None:
    """Aligned size x size RGB crop from the first four keypoints (eyes, nose, mouth centre);
    `padding` adds that fraction of the ArcFace crop on each side (0 = ArcFace's tight crop,
    0.15 keeps chin and forehead). None when the keypoints are unusable."""
    import cv2

    pts = np.asarray(keypoints, np.float32)[:4]
    if not np.isfinite(pts).all() or np.linalg.norm(pts[0] - pts[1]) < 2:
        return None
    template = ((_TEMPLATE_112 / 112.0 - 0.5) / (1.0 + 2.0 * padding) + 0.5) * size
    m = similarity(pts, template)
    return cv2.warpAffine(
        rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )


def sharpness(gray: np.ndarray, box: np.ndarray) -> float | None:
    """Variance of the Laplacian inside the face box, measured on a 64x64 resample so the
    number compares faces of different sizes (higher = sharper)."""
    import cv2

    h, w = gray.shape[:2]
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    x2, y2 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return None
    patch = cv2.resize(
        np.ascontiguousarray(gray[y1:y2, x1:x2]), (64, 64), interpolation=cv2.INTER_AREA
    )
    return float(cv2.Laplacian(patch.astype(np.float32), cv2.CV_32F).var() * 255.0 * 255.0)


def keypoint_yaw(keypoints: np.ndarray) -> float | None:
    """Rough yaw (degrees) from the nose tip's offset between the eyes, for faces without a
    mesh: 0 = frontal, +-90 = profile (same sign convention as the landmarker)."""
    kp = np.asarray(keypoints, np.float32)
    eye_r, eye_l, nose = kp[0], kp[1], kp[2]
    span = float(eye_l[0] - eye_r[0])
    if not np.isfinite(kp[:3]).all() or abs(span) < 1e-3:
        return None
    offset = (nose[0] - (eye_r[0] + eye_l[0]) / 2) / (abs(span) / 2)
    return float(np.degrees(np.arcsin(np.clip(offset, -1.0, 1.0))))
