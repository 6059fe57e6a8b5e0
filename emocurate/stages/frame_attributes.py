"""Per sampled frame: brightness, colourfulness, hue, saturation, motion (the visual pass)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.stage import Frame, FrameStage, VideoContext, register


def channels(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, G, B as flat float32 arrays (0-255), converted once for all colour statistics."""
    return tuple(rgb[..., i].astype(np.float32).ravel() for i in range(3))  # type: ignore[return-value]


def colorfulness(rgb: np.ndarray, rgb_f: tuple[np.ndarray, ...] | None = None) -> float:
    """Hasler and Suesstrunk (2003) colourfulness M on 0-255 RGB:
    sigma_rgyb + 0.3 * mu_rgyb with rg = R - G and yb = (R + G) / 2 - B."""
    r, g, b = rgb_f or channels(rgb)
    rg = r - g
    yb = 0.5 * (r + g) - b
    sigma = math.sqrt(float(rg.var()) + float(yb.var()))
    mu = math.sqrt(float(rg.mean()) ** 2 + float(yb.mean()) ** 2)
    return sigma + 0.3 * mu


_HUE_BINS = 3600  # 0.1 degree
_HUE_ANGLES = (np.arange(_HUE_BINS) + 0.5) * (2 * np.pi / _HUE_BINS)
_HUE_COS, _HUE_SIN = np.cos(_HUE_ANGLES), np.sin(_HUE_ANGLES)


def hue_saturation(
    rgb: np.ndarray, rgb_f: tuple[np.ndarray, ...] | None = None
) -> tuple[float | None, float]:
    """HSV saturation mean, and the saturation-weighted circular mean hue in degrees.

    Grey pixels have no hue, so each pixel's hue vector is weighted by its
    saturation; an all-grey frame has no mean hue (None). Hues are binned at
    0.1 degree and the circular mean taken over the bins: exact to 0.05 degree,
    with no trigonometry per pixel.
    """
    r, g, b = rgb_f or channels(rgb)
    mx = np.maximum(np.maximum(r, g), b)
    delta = mx - np.minimum(np.minimum(r, g), b)
    sat = np.divide(delta, mx, out=np.zeros_like(delta), where=mx > 0)
    mean_sat = float(sat.mean())
    chroma = delta > 0
    if not chroma.any():
        return None, mean_sat
    r, g, b, mx, d, w = r[chroma], g[chroma], b[chroma], mx[chroma], delta[chroma], sat[chroma]
    sector = np.where(mx == r, (g - b) / d, np.where(mx == g, (b - r) / d + 2.0, (r - g) / d + 4.0))
    bins = (np.mod(sector, 6.0) * (_HUE_BINS / 6.0)).astype(np.int64) % _HUE_BINS
    weight = np.bincount(bins, weights=w, minlength=_HUE_BINS)
    c, s = float(weight @ _HUE_COS), float(weight @ _HUE_SIN)
    if math.hypot(c, s) <= 1e-9 * float(weight.sum()):
        return None, mean_sat
    return math.degrees(math.atan2(s, c)) % 360.0, mean_sat


class _Consumer:
    def __init__(self, video_id: str, width: int) -> None:
        self.video_id = video_id
        self.width = width
        self.rows: list[dict[str, Any]] = []
        self.prev: np.ndarray | None = None

    def update(self, frame: Frame) -> None:
        small, gray = frame.small(self.width)
        rgb_f = channels(small)
        hue, sat = hue_saturation(small, rgb_f)
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
                "colorfulness": colorfulness(small, rgb_f),
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
    version = "2"
    table = "frame_attributes"
    defaults = {"analysis_width": 160}

    def consumer(self, ctx: VideoContext) -> _Consumer:
        return _Consumer(ctx.source.video_id, int(self.settings["analysis_width"]))
