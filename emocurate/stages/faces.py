"""The `faces` frame stage: detection, landmarks + blendshapes, AU estimates, tracking,
aligned crops and identity embeddings, all online in the shared frame pass (the video
is decoded once). Output: the `face_frames` table, one row per face per sampled frame.

Each part is a pluggable backend chosen by a setting (registries in emocurate.faces).
Per-track summaries (`face_tracks`) and subjects (`subjects`) are later stages that
read this table, so nothing is decoded twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from emocurate import schemas
from emocurate.errors import UsageError
from emocurate.stage import Frame, FrameStage, VideoContext, register
from emocurate.workspace import atomic_write_bytes


def _registry(setting: str) -> dict[str, Any]:
    from emocurate.faces.backends import REGISTRIES

    return REGISTRIES[setting]


def track_id(video_id: str, number: int) -> str:
    """Globally unique, stable track id: the video id plus the per-video track number."""
    return f"{video_id}_t{number:02d}"


@register
class FacesStage(FrameStage):
    name = "faces"
    version = "1"
    table = "face_frames"
    requires = ("mediapipe", "ai_edge_litert", "trackers", "cv2")
    extra = "faces"
    defaults = {
        "detector": "mediapipe",
        "landmarker": "mediapipe",
        "au_backend": "blendshapes",
        "au_names": [],
        "embedder": "dlib",
        "min_score": 0.5,
        # Detections never confirmed as a track (ByteTrack needs two consecutive frames) are
        # mostly false positives (a flag, a pattern): dropped unless this is on.
        "keep_untracked": False,
        # Faces smaller than this (box height, px) are kept and tracked but get no mesh,
        # AUs, crop or embedding: too few pixels for them to mean anything.
        "min_size": 24,
        "max_gap": 1.0,  # seconds a track survives without a detection
        "cut_threshold": 0.35,  # colour-histogram jump (0-1) that counts as a shot cut
        "crop_size": 224,
        "crop_padding": 0.15,  # margin around the ArcFace template, fraction of the crop per side
        "crop_fps": 1.0,  # aligned crops per second per track (0 = none)
        "crop_quality": 92,
        "embed_interval": 2.0,  # seconds between embeddings of one track (dlib: ~0.2 s each)
        "embed_max": 5,  # embeddings per track at most
        "embed_max_yaw": 40.0,  # only near-frontal faces are embedded
    }

    def __init__(self, settings: Mapping[str, Any] | None = None, workspace: Any = None) -> None:
        super().__init__(settings, workspace)
        for setting in ("detector", "landmarker", "au_backend", "embedder"):
            known = _registry(setting)
            if self.settings[setting] not in known:
                raise UsageError(
                    f"stage 'faces': {setting} = {self.settings[setting]!r} is not known; "
                    f"choose one of {', '.join(sorted(known))}"
                )
        self._backends: dict[str, Any] | None = None

    def _models_config(self) -> dict[str, Any]:
        return self.workspace.section("models") if self.workspace is not None else {}

    def backends(self) -> dict[str, Any]:
        """Build (once) the configured backends; missing weights raise ModelNotFoundError."""
        if self._backends is None:
            cfg = self._models_config()
            s = self.settings
            built: dict[str, Any] = {}
            built["detector"] = _registry("detector")[s["detector"]](cfg, min_score=s["min_score"])
            make = _registry("landmarker")[s["landmarker"]]
            built["landmarker"] = make(cfg) if make else None
            au = _registry("au_backend")[s["au_backend"]]
            built["au"] = au(cfg, au_names=s["au_names"]) if s["au_names"] else au(cfg)
            make = _registry("embedder")[s["embedder"]]
            # An insightface detector already embeds: reuse it rather than load the pack twice.
            if s["embedder"] == s["detector"] and hasattr(built["detector"], "embed"):
                built["embedder"] = built["detector"]
            else:
                built["embedder"] = make(cfg) if make else None
            self._backends = built
        return self._backends

    def fingerprint(self) -> Mapping[str, Any]:
        """Which weights, by content, without loading any model."""
        cfg = self._models_config()
        out: dict[str, Any] = {}
        for setting in ("detector", "landmarker", "au_backend", "embedder"):
            backend = _registry(setting)[self.settings[setting]]
            if backend is not None:
                out[setting] = backend.weights_fingerprint(cfg)
        return out

    def __getstate__(self) -> dict[str, Any]:
        # Loaded models stay in the process that built them; workers build their own.
        return {**self.__dict__, "_backends": None}

    def consumer(self, ctx: VideoContext) -> FacesConsumer:
        return FacesConsumer(self, ctx)

    def close(self) -> None:
        for backend in (self._backends or {}).values():
            if backend is not None and hasattr(backend, "close"):
                backend.close()
        self._backends = None


class _TrackState:
    __slots__ = ("last_crop", "last_embed", "n_embed")

    def __init__(self) -> None:
        self.last_crop = -np.inf
        self.last_embed = -np.inf
        self.n_embed = 0


class FacesConsumer:
    """Per-video state of the faces stage over the frame stream."""

    def __init__(self, stage: FacesStage, ctx: VideoContext) -> None:
        from emocurate.faces.tracker import FaceTracker

        self.stage = stage
        self.ctx = ctx
        self.s = stage.settings
        self.b = stage.backends()
        self.video_id = ctx.source.video_id
        self.tracker = FaceTracker(
            ctx.fps, max_gap=self.s["max_gap"], cut_threshold=self.s["cut_threshold"],
            min_score=self.s["min_score"],
        )  # fmt: skip
        self.rows: list[dict[str, Any]] = []
        self._prev_rows: list[dict[str, Any]] = []
        self._tracks: dict[int, _TrackState] = {}

    # -- the frame pass -------------------------------------------------------------------
    def update(self, frame: Frame) -> None:
        rgb = frame.rgb
        if rgb.shape[0] < 8 or rgb.shape[1] < 8:
            frame.shared["faces"] = []
            self._prev_rows = []
            return
        dets = self.b["detector"].detect(rgb)
        tracked = self.tracker.update(frame.t, rgb, dets)
        rows = [self._describe(frame, det) for det in dets]
        for prev_index, number in tracked.recovered:
            self._assign(self._prev_rows[prev_index], number, None)
        for row, det, number in zip(rows, dets, tracked.track_of, strict=True):
            if number is not None:
                self._assign(row, number, (frame, det))
        self.rows.extend(rows)
        self._prev_rows = rows
        # Later consumers of the same pass can use the faces of this frame.
        frame.shared["faces"] = rows

    def _describe(self, frame: Frame, det: Any) -> dict[str, Any]:
        from emocurate.faces.align import keypoint_yaw, sharpness

        x1, y1, x2, y2 = (float(v) for v in det.box)
        row: dict[str, Any] = {
            "video_id": self.video_id,
            "track_id": None,
            "frame": frame.index,
            "t": frame.t,
            "x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1,
            "score": det.score,
            "detector": self.s["detector"],
            "keypoints": det.keypoints.ravel().tolist(),
            "sharpness": sharpness(frame.gray, det.box),
            # Keypoints of faces under min_size are too coarse for a yaw estimate.
            "yaw": keypoint_yaw(det.keypoints) if det.height >= self.s["min_size"] else None,
        }  # fmt: skip
        mesh = None
        if det.height >= self.s["min_size"] and self.b["landmarker"] is not None:
            mesh = self.b["landmarker"].mesh(frame.rgb, det)
        if mesh is not None:
            row["landmarks"] = mesh.landmarks.ravel().tolist()
            row["blendshapes"] = mesh.blendshapes
            row["yaw"], row["pitch"], row["roll"] = mesh.yaw, mesh.pitch, mesh.roll
        au = self.b["au"]
        if det.height >= self.s["min_size"] and (mesh is not None or au.needs_crop):
            aligned = self._aligned(frame.rgb, det) if au.needs_crop else None
            row.update(au.estimate(mesh.blendshapes if mesh else None, aligned))
            row["au_source"] = au.source
        row["_det"] = det
        row["_mesh"] = mesh
        return row

    def _aligned(self, rgb: np.ndarray, det: Any) -> np.ndarray | None:
        from emocurate.faces.align import align_face

        return align_face(
            rgb, det.keypoints, int(self.s["crop_size"]), float(self.s["crop_padding"])
        )

    def _assign(self, row: dict[str, Any], number: int, live: tuple[Frame, Any] | None) -> None:
        """Give a row its track; on live frames also save a crop / embedding when due."""
        row["track_id"] = track_id(self.video_id, number)
        state = self._tracks.setdefault(number, _TrackState())
        if live is None:
            return
        frame, det = live
        if det.height < self.s["min_size"]:
            return
        t = frame.t
        if self.s["crop_fps"] > 0 and t - state.last_crop >= 1.0 / self.s["crop_fps"] - 1e-6:
            crop = self._aligned(frame.rgb, det)
            if crop is not None:
                row["crop_path"], row["crop_sha256"] = self._save_crop(row["track_id"], t, crop)
                state.last_crop = t
        embedder = self.b["embedder"]
        yaw = row.get("yaw")
        if (
            embedder is not None
            and state.n_embed < self.s["embed_max"]
            and t - state.last_embed >= self.s["embed_interval"] - 1e-6
            and (yaw is None or abs(yaw) <= self.s["embed_max_yaw"])
        ):
            emb = embedder.embed(frame.rgb, det, row.get("_mesh"))
            if emb is not None:
                row["embedding"] = np.asarray(emb, np.float32).tolist()
                row["embedding_model"] = embedder.model
                state.last_embed = t
                state.n_embed += 1

    def _save_crop(self, tid: str, t: float, crop: np.ndarray) -> tuple[str, str]:
        import hashlib

        import cv2

        ok, buf = cv2.imencode(
            ".jpg", crop[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(self.s["crop_quality"])]
        )
        if not ok:
            raise RuntimeError("JPEG encoding of a face crop failed")
        data = buf.tobytes()
        path = self.ctx.workspace.path("faces", tid, f"{round(t * 1000):08d}.jpg")
        atomic_write_bytes(path, data)
        return self.ctx.workspace.relative(path), hashlib.sha256(data).hexdigest()

    def finish(self) -> pa.Table:
        keep = self.s["keep_untracked"]
        rows = [
            {k: v for k, v in r.items() if not k.startswith("_")}
            for r in self.rows
            if keep or r["track_id"] is not None
        ]
        if not rows:
            return schemas.empty("face_frames")
        return schemas.from_rows(rows, "face_frames")
