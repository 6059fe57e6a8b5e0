"""Per sampled frame: brightness, colourfulness, hue, saturation, motion (the visual pass)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.stage import Frame, FrameStage, VideoContext, register


def analysis_view(rgb: np.ndarray, width: int) -> np.ndarray:
    """Stride-subsample to about `width` pixels wide: the statistics are means, so a
    regular subsample estimates them closely at a fraction of the cost."""
    step = max(1, rgb.shape[1] // max(width, 1))
    return rgb[::step, ::step]


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003) colourfulness M on 0-255 RGB:
    sigma_rgyb + 0.3 * mu_rgyb with rg = R - G and yb = (R + G) / 2 - B."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    sigma = math.sqrt(float(rg.var()) + float(yb.var()))
    mu = math.sqrt(float(rg.mean()) ** 2 + float(yb.mean()) ** 2)
    return sigma + 0.3 * mu


def hue_saturation(rgb: np.ndarray) -> tuple[float | None, float]:
    """HSV saturation mean, and the saturation-weighted circular mean hue in degrees.

    Grey pixels have no hue, so each pixel's hue vector is weighted by its
    saturation; an all-grey frame has no mean hue (None).
    """
    x = rgb.reshape(-1, 3).astype(np.float32) / 255.0
    mx = x.max(axis=1)
    mn = x.min(axis=1)
    delta = mx - mn
    sat = np.where(mx > 0, delta / np.maximum(mx, 1e-12), 0.0)
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    safe = np.maximum(delta, 1e-12)
    hue = np.select(
        [mx == r, mx == g],
        [((g - b) / safe) % 6.0, (b - r) / safe + 2.0],
        (r - g) / safe + 4.0,
    ) * (np.pi / 3.0)
    weight = sat * (delta > 0)
    total = float(weight.sum())
    mean_sat = float(sat.mean())
    if total <= 1e-9:
        return None, mean_sat
    c = float((weight * np.cos(hue)).sum())
    s = float((weight * np.sin(hue)).sum())
    if math.hypot(c, s) <= 1e-9 * total:
        return None, mean_sat
    return math.degrees(math.atan2(s, c)) % 360.0, mean_sat


class _Consumer:
    def __init__(self, video_id: str, width: int) -> None:
        self.video_id = video_id
        self.width = width
        self.rows: list[dict[str, Any]] = []
        self.prev: np.ndarray | None = None

    def update(self, frame: Frame) -> None:
        small = analysis_view(frame.rgb, self.width)
        gray = analysis_view(frame.gray, self.width)
        hue, sat = hue_saturation(small)
        motion = None
        if self.prev is not None and self.prev.shape == gray.shape:
            motion = float(np.abs(gray - self.prev).mean())
        self.prev = gray
        self.rows.append(
            {
                "video_id": self.video_id,
                "frame": frame.index,
                "t": frame.t,
                "brightness": float(gray.mean()),
                "colorfulness": colorfulness(small),
                "hue": hue,
                "saturation": sat,
                "motion": motion,
            }
        )

    def finish(self) -> pa.Table:
        return schemas.from_rows(self.rows, "frame_attributes")


@register
class FrameAttributes(FrameStage):
    """Visual signals of every sampled frame; `attributes` aggregates them per second and clip."""

    name = "frame_attributes"
    version = "1"
    table = "frame_attributes"
    defaults = {"analysis_width": 320}

    def consumer(self, ctx: VideoContext) -> _Consumer:
        return _Consumer(ctx.source.video_id, int(self.settings["analysis_width"]))
