"""The `face_tracks` stage: one row per face track (start, end, frames, box statistics,
quality, crops, mean AUs, mean identity embedding), summarised from `face_frames`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.schemas.faces import AU_CODES
from emocurate.stage import VideoContext, VideoStage, register

AU_COLUMNS = tuple(f"au{n:02d}" for n in AU_CODES)


def _median(values: list[Any]) -> float | None:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.median(vals)) if vals else None


def _mean(values: list[Any]) -> float | None:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(vals)) if vals else None


def mean_embedding(embeddings: list[list[float]], model: str) -> np.ndarray:
    """Average of a track's embeddings (re-normalised for cosine models)."""
    from emocurate.faces.embedder import metric_for

    mean = np.mean(np.asarray(embeddings, np.float32), axis=0)
    if metric_for(model).distance == "cosine":
        mean /= np.linalg.norm(mean) or 1.0
    return mean


@register
class FaceTracksStage(VideoStage):
    name = "face_tracks"
    version = "1"
    table = "face_tracks"
    inputs = ("faces",)
    needs = frozenset({"video"})
    defaults = {
        "min_size": 40,  # median box height (px) under which a track is flagged "small"
        "min_sharpness": 50.0,  # median sharpness under which a track is flagged "blurry"
        "max_yaw": 45.0,  # median |yaw| (degrees) over which a track is flagged "profile"
        "min_frames": 3,  # tracks with fewer sampled frames are flagged "short"
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        frames = ctx.input("faces").to_pylist()
        by_track: dict[str, list[dict[str, Any]]] = {}
        for row in frames:
            if row["track_id"] is not None:
                by_track.setdefault(row["track_id"], []).append(row)
        rows = [
            self.summarise(tid, sorted(rs, key=lambda r: r["t"])) for tid, rs in by_track.items()
        ]
        rows.sort(key=lambda r: (r["start"], r["track_id"]))
        return schemas.from_rows(rows, "face_tracks") if rows else schemas.empty("face_tracks")

    def summarise(self, tid: str, rs: list[dict[str, Any]]) -> dict[str, Any]:
        s = self.settings
        cx = [r["x"] + r["w"] / 2 for r in rs]
        cy = [r["y"] + r["h"] / 2 for r in rs]
        h_med = _median([r["h"] for r in rs])
        sharp = _median([r["sharpness"] for r in rs])
        yaw_abs = _median([abs(r["yaw"]) if r["yaw"] is not None else None for r in rs])
        flags = []
        if h_med is not None and h_med < s["min_size"]:
            flags.append("small")
        if sharp is not None and sharp < s["min_sharpness"]:
            flags.append("blurry")
        if yaw_abs is not None and yaw_abs > s["max_yaw"]:
            flags.append("profile")
        if len(rs) < s["min_frames"]:
            flags.append("short")
        crops = [r for r in rs if r["crop_path"]]
        out: dict[str, Any] = {
            "video_id": rs[0]["video_id"],
            "track_id": tid,
            "start": rs[0]["t"],
            "end": rs[-1]["t"],
            "n_frames": len(rs),
            "box_w_median": _median([r["w"] for r in rs]),
            "box_h_median": h_med,
            "box_cx_std": float(np.std(cx)),
            "box_cy_std": float(np.std(cy)),
            "score_mean": _mean([r["score"] for r in rs]),
            "sharpness_median": sharp,
            "yaw_abs_median": yaw_abs,
            "mesh_share": sum(r["landmarks"] is not None for r in rs) / len(rs),
            "quality_flags": flags,
            "crop_paths": [r["crop_path"] for r in crops],
            "crop_sha256s": [r["crop_sha256"] for r in crops],
            "au_source": next((r["au_source"] for r in rs if r["au_source"]), None),
        }
        for au in AU_COLUMNS:
            out[au] = _mean([r[au] for r in rs])
        embedded = [r for r in rs if r["embedding"] is not None]
        if embedded:
            model = embedded[0]["embedding_model"]
            same = [r["embedding"] for r in embedded if r["embedding_model"] == model]
            out["embedding"] = mean_embedding(same, model).tolist()
            out["embedding_model"] = model
            out["n_embeddings"] = len(same)
        else:
            out["n_embeddings"] = 0
        return out
