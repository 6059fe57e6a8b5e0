"""Shot boundaries from colour-histogram changes between sampled frames (the visual pass)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.stage import Frame, FrameStage, VideoContext, register

_BINS = 8


def color_histogram(rgb: np.ndarray) -> np.ndarray:
    """Normalised joint RGB histogram with 8 bins per channel (512 cells)."""
    q = (rgb >> 5).astype(np.int32)  # 256 / 8 = 32 = 2**5
    codes = (q[..., 0] * _BINS + q[..., 1]) * _BINS + q[..., 2]
    hist = np.bincount(codes.ravel(), minlength=_BINS**3).astype(np.float64)
    return hist / max(hist.sum(), 1.0)


def structure(gray: np.ndarray, size: int = 24) -> np.ndarray:
    """A zero-mean, unit-variance luma thumbnail: invariant to exposure and white balance."""
    h, w = gray.shape
    thumb = gray[:: max(1, h // size), :: max(1, w // size)].astype(np.float64)
    thumb = thumb - thumb.mean()
    return thumb / max(float(thumb.std()), 1e-6)


class _Consumer:
    """A cut is where consecutive sampled frames differ in colour (histogram distance,
    half L1 in 0-1, above `threshold` and `contrast` times the recent median, so steady
    motion does not read as cuts) *and* in layout (correlation of normalised luma
    thumbnails below `max_correlation`, so an exposure or white-balance jump does not)."""

    def __init__(self, ctx: VideoContext, settings: dict[str, Any]) -> None:
        self.video_id = ctx.source.video_id
        self.duration = float(ctx.source.duration)
        self.threshold = float(settings["threshold"])
        self.contrast = float(settings["contrast"])
        self.min_len = float(settings["min_shot_length"])
        self.width = int(settings["analysis_width"])
        self.max_corr = float(settings["max_correlation"])
        self.prev: np.ndarray | None = None
        self.prev_struct: np.ndarray | None = None
        self.recent: list[float] = []
        self.cuts: list[tuple[float, float]] = []
        self.last_t = 0.0

    def update(self, frame: Frame) -> None:
        small, gray = frame.small(self.width)
        hist = color_histogram(small)
        shape = structure(gray)
        if self.prev is not None and self.prev_struct is not None:
            dist = 0.5 * float(np.abs(hist - self.prev).sum())
            baseline = float(np.median(self.recent)) if self.recent else 0.0
            last_cut = self.cuts[-1][0] if self.cuts else 0.0
            if (
                dist >= self.threshold
                and dist >= self.contrast * baseline
                and frame.t - last_cut >= self.min_len
                and self._correlation(shape) < self.max_corr
            ):
                self.cuts.append((frame.t, dist))
            self.recent = (self.recent + [dist])[-10:]
        self.prev = hist
        self.prev_struct = shape
        self.last_t = frame.t

    def _correlation(self, shape: np.ndarray) -> float:
        prev = self.prev_struct
        assert prev is not None
        if prev.shape != shape.shape:
            return 0.0
        return float((prev * shape).mean())

    def finish(self) -> pa.Table:
        end = max(self.duration, self.last_t)
        bounds = [(0.0, None)] + [(t, float(s)) for t, s in self.cuts]
        rows = []
        for i, (start, score) in enumerate(bounds):
            stop = bounds[i + 1][0] if i + 1 < len(bounds) else end
            rows.append(
                {
                    "video_id": self.video_id,
                    "shot_index": i,
                    "start": start,
                    "end": stop,
                    "cut_score": score,
                }
            )
        return schemas.from_rows(rows, "shots")


@register
class Shots(FrameStage):
    """Shot boundaries; a shot's start is the timestamp of its first sampled frame."""

    name = "shots"
    version = "2"
    table = "shots"
    defaults = {
        "threshold": 0.35,
        "contrast": 3.0,
        "max_correlation": 0.7,
        "min_shot_length": 0.5,
        "analysis_width": 160,
    }

    def consumer(self, ctx: VideoContext) -> _Consumer:
        return _Consumer(ctx, self.settings)
