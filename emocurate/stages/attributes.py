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


def clip_prosody(
    utterances: list[dict[str, Any]] | None, start: float, end: float
) -> dict[str, Any]:
    """Prosody of the utterances whose midpoint lies in [start, end), weighted by duration.

    Pitch range spans the lowest 5th and highest 95th F0 percentile of those
    utterances; speech rate is their words over their total duration.
    """
    if utterances is None:
        return {}
    inside = [u for u in utterances if start <= (u["start"] + u["end"]) / 2 < end]
    out: dict[str, Any] = {"n_utterances": len(inside)}
    durations = [max(u["end"] - u["start"], 0.0) for u in inside]
    total = sum(durations)
    if not inside or total <= 0:
        return out

    def weighted(name: str) -> float | None:
        pairs = [
            (u[name], d) for u, d in zip(inside, durations, strict=True) if u[name] is not None
        ]
        weight = sum(d for _, d in pairs)
        return sum(v * d for v, d in pairs) / weight if weight > 0 else None

    lows = [u["pitch_min_hz"] for u in inside if u["pitch_min_hz"]]
    highs = [u["pitch_max_hz"] for u in inside if u["pitch_max_hz"]]
    words = sum((u["speech_rate_wps"] or 0.0) * d for u, d in zip(inside, durations, strict=True))
    out.update(
        pitch_mean_hz=weighted("pitch_mean_hz"),
        pitch_range_st=12 * math.log2(max(highs) / min(lows)) if lows and highs else None,
        voiced_fraction=weighted("voiced_fraction"),
        speech_rate_wps=words / total,
    )
    return out


@register
class Attributes(VideoStage):
    name = "attributes"
    version = "3"
    table = "attributes"
    inputs = ("frame_attributes",)
    optional_inputs = ("clips", "clip_faces", "prosody")

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
        utterances = ctx.input("prosody").to_pylist() if ctx.has_input("prosody") else None
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
                        **clip_prosody(utterances, clip["start"], clip["end"]),
                    }
                )
        return schemas.from_rows(rows, "attributes")
