"""Clips: segments of a video (from shots, fixed windows, or another registered strategy),
each cut to a browser-playable MP4 under clips/ for annotators."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from emocurate import schemas
from emocurate.errors import SkipVideo, UsageError
from emocurate.media import cut_clip, sha256_file
from emocurate.stage import VideoContext, VideoStage, register


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    index: int  #: index of the shot / window / utterance it comes from


#: A strategy turns one video into candidate segments; `needs` names the input stage it reads.
SegmentFn = Callable[[VideoContext, dict[str, Any]], list[Segment]]
STRATEGIES: dict[str, tuple[SegmentFn, str | None]] = {}


def register_strategy(name: str, needs: str | None = None) -> Callable[[SegmentFn], SegmentFn]:
    """Make a clip strategy available as `[stages.clips] strategy = NAME`."""

    def deco(fn: SegmentFn) -> SegmentFn:
        STRATEGIES[name] = (fn, needs)
        return fn

    return deco


@register_strategy("shots", needs="shots")
def shot_segments(ctx: VideoContext, settings: dict[str, Any]) -> list[Segment]:
    shots = ctx.input("shots").to_pylist()
    return [Segment(s["start"], s["end"], s["shot_index"]) for s in shots]


@register_strategy("windows")
def window_segments(ctx: VideoContext, settings: dict[str, Any]) -> list[Segment]:
    window, hop = float(settings["window"]), float(settings["hop"])
    if window <= 0 or hop <= 0:
        raise UsageError("clips: window and hop must be > 0 seconds")
    duration = float(ctx.source.duration)
    count = max(1, math.ceil((duration - window) / hop) + 1) if duration > window else 1
    return [Segment(i * hop, min(i * hop + window, duration), i) for i in range(count)]


def fit_durations(segments: list[Segment], min_len: float, max_len: float) -> list[Segment]:
    """Split segments longer than max_len into equal parts; drop those shorter than min_len."""
    out: list[Segment] = []
    for seg in segments:
        length = seg.end - seg.start
        parts = max(1, math.ceil(length / max_len - 1e-9)) if max_len > 0 else 1
        step = length / parts
        for p in range(parts):
            start = seg.start + p * step
            end = seg.end if p == parts - 1 else start + step
            if end - start >= min_len - 1e-9:
                out.append(Segment(round(start, 3), round(end, 3), seg.index))
    return out


def clip_id(video_id: str, start: float, end: float) -> str:
    return f"{video_id}_{round(start * 1000):07d}_{round(end * 1000):07d}"


@register
class Clips(VideoStage):
    """Cut clips and record them; the strategy is a setting, not a code path."""

    name = "clips"
    version = "1"
    table = "clips"
    optional_inputs = ("shots", "utterances")
    needs = frozenset({"video"})
    defaults = {
        "strategy": "shots",
        "min_duration": 1.0,
        "max_duration": 10.0,
        "window": 5.0,
        "hop": 5.0,
        "padding": 0.25,
        "merge_gap": 0.5,
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        name = str(self.settings["strategy"])
        if name not in STRATEGIES:
            raise UsageError(
                f"clips: unknown strategy {name!r}; known: {', '.join(sorted(STRATEGIES))}"
            )
        fn, needs = STRATEGIES[name]
        if needs and not ctx.has_input(needs):
            raise UsageError(
                f"clips: strategy {name!r} needs the {needs!r} stage earlier in the pipeline"
            )
        segments = fit_durations(
            fn(ctx, self.settings),
            float(self.settings["min_duration"]),
            float(self.settings["max_duration"]),
        )
        if not segments:
            raise SkipVideo(f"no segment of at least {self.settings['min_duration']} s")
        src = ctx.media_path
        rows = []
        for seg in segments:
            cid = clip_id(ctx.source.video_id, seg.start, seg.end)
            path = ctx.workspace.path("clips", f"{cid}.mp4")
            cut_clip(src, path, seg.start, seg.end, with_audio=ctx.source.has_audio)
            rows.append(
                {
                    "clip_id": cid,
                    "video_id": ctx.source.video_id,
                    "start": seg.start,
                    "end": seg.end,
                    "duration": round(seg.end - seg.start, 3),
                    "strategy": name,
                    "segment_index": seg.index,
                    "path": ctx.workspace.relative(path),
                    "sha256": sha256_file(path),
                    "width": ctx.source.width,
                    "height": ctx.source.height,
                    "fps": ctx.source.fps,
                    "has_audio": ctx.source.has_audio,
                }
            )
        return schemas.from_rows(rows, "clips")
