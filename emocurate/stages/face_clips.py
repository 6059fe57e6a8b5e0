"""The `clip_faces` stage: clip-level face attributes (face count, largest face share of
the frame, mean AU estimates) from `clips` and `face_frames`; joined into `attributes`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.schemas.faces import AU_CODES
from emocurate.stage import VideoContext, VideoStage, register

AU_COLUMNS = tuple(f"au{n:02d}" for n in AU_CODES)


def sampled_frames(start: float, end: float, fps: float) -> int:
    """Sampled frames in [start, end): the frame stream keeps one frame per 1/fps grid step."""
    return max(0, math.ceil(end * fps - 1e-6) - math.ceil(start * fps - 1e-6))


@register
class ClipFacesStage(VideoStage):
    name = "clip_faces"
    version = "1"
    table = "clip_faces"
    inputs = ("clips", "faces")
    needs = frozenset({"video"})
    defaults: dict[str, Any] = {}

    def run(self, ctx: VideoContext) -> pa.Table:
        clips = ctx.input("clips").to_pylist()
        faces = ctx.input("faces").to_pylist()
        area = float((ctx.source.width or 0) * (ctx.source.height or 0))
        rows = []
        for clip in clips:
            inside = [f for f in faces if clip["start"] <= f["t"] < clip["end"]]
            per_frame: dict[int, list[dict[str, Any]]] = {}
            for f in inside:
                per_frame.setdefault(f["frame"], []).append(f)
            n = max(sampled_frames(clip["start"], clip["end"], ctx.fps), len(per_frame))
            largest = (
                [max(f["w"] * f["h"] for f in fs) / area for fs in per_frame.values()]
                if area
                else []
            )
            row: dict[str, Any] = {
                "clip_id": clip["clip_id"],
                "video_id": clip["video_id"],
                "n_frames": n,
                "face_count": len({f["track_id"] for f in inside if f["track_id"]}),
                "max_faces": max((len(fs) for fs in per_frame.values()), default=0),
                "face_frame_share": len(per_frame) / n if n else None,
                # frames without a face count as 0
                "largest_face_share": float(np.sum(largest) / n) if n and area else None,
                "au_source": next((f["au_source"] for f in inside if f["au_source"]), None),
            }
            for au in AU_COLUMNS:
                vals = [f[au] for f in inside if f[au] is not None]
                row[au] = float(np.mean(vals)) if vals else None
            rows.append(row)
        return schemas.from_rows(rows, "clip_faces") if rows else schemas.empty("clip_faces")
