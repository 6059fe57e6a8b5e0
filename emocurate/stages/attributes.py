"""Attributes per second and per clip: visual signals aggregated from the frame pass,
plus audio loudness from the shared 16 kHz audio."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.media import AUDIO_RATE, rms_dbfs
from emocurate.schemas.visual import CLIP_FACE_COLUMNS
from emocurate.stage import VideoContext, VideoStage, register


def circular_mean_deg(values: list[float]) -> float | None:
    """Mean direction of angles in degrees (unit vectors), None if undefined."""
    if not values:
        return None
    rad = np.radians(values)
    c, s = float(np.cos(rad).mean()), float(np.sin(rad).mean())
    if math.hypot(c, s) < 1e-9:
        return None
    return math.degrees(math.atan2(s, c)) % 360.0


class FrameSignals:
    """Frame signals as sorted numpy columns, so any span is two binary searches away."""

    def __init__(self, table: pa.Table) -> None:
        table = table.sort_by("t")
        self.t = table.column("t").to_numpy(zero_copy_only=False)
        self.columns = {
            name: table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
            for name in ("brightness", "colorfulness", "hue", "saturation", "motion")
        }

    def span(self, start: float, end: float) -> tuple[int, int]:
        return int(np.searchsorted(self.t, start, "left")), int(
            np.searchsorted(self.t, end, "left")
        )


def _nanmean(values: np.ndarray) -> float | None:
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else None


def summarize(
    frames: FrameSignals, audio: np.ndarray | None, start: float, end: float
) -> dict[str, Any]:
    """Aggregate the frames with start <= t < end and the audio samples of [start, end)."""
    lo, hi = frames.span(start, end)
    cols = {name: values[lo:hi] for name, values in frames.columns.items()}
    hues = cols["hue"][~np.isnan(cols["hue"])]
    loudness = None
    if audio is not None:
        loudness = rms_dbfs(audio[int(start * AUDIO_RATE) : int(end * AUDIO_RATE)])
    return {
        "start": start,
        "end": end,
        "n_frames": hi - lo,
        "brightness": _nanmean(cols["brightness"]),
        "colorfulness": _nanmean(cols["colorfulness"]),
        "hue": circular_mean_deg(hues.tolist()),
        "saturation": _nanmean(cols["saturation"]),
        "motion": _nanmean(cols["motion"]),
        "loudness_dbfs": loudness,
    }


@register
class Attributes(VideoStage):
    name = "attributes"
    version = "2"
    table = "attributes"
    inputs = ("frame_attributes",)
    optional_inputs = ("clips", "clip_faces")

    def run(self, ctx: VideoContext) -> pa.Table:
        frames = FrameSignals(ctx.input("frame_attributes"))
        audio = ctx.audio if ctx.source.has_audio else None
        vid = ctx.source.video_id
        duration = float(ctx.source.duration)
        rows = []
        for k in range(math.ceil(duration)):
            rows.append(
                {
                    "video_id": vid,
                    "scope": "second",
                    **summarize(frames, audio, float(k), min(k + 1.0, duration)),
                }
            )
        faces = {}
        if ctx.has_input("clip_faces"):
            faces = {r["clip_id"]: r for r in ctx.input("clip_faces").to_pylist()}
        face_columns = [f.name for f in CLIP_FACE_COLUMNS]
        if ctx.has_input("clips"):
            for clip in ctx.input("clips").to_pylist():
                face = faces.get(clip["clip_id"], {})
                rows.append(
                    {
                        "video_id": vid,
                        "scope": "clip",
                        "clip_id": clip["clip_id"],
                        **summarize(frames, audio, clip["start"], clip["end"]),
                        **{name: face.get(name) for name in face_columns},
                    }
                )
        return schemas.from_rows(rows, "attributes")
