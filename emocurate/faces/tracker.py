"""Link detections across sampled frames into tracks, with the `trackers` package's ByteTrack.

Two things are added around ByteTrack (the association itself is theirs):
- shot cuts: IoU tracking would carry a track across a hard cut when two people sit
  at the same place in consecutive shots, so the tracker is reset when the colour
  histogram of the frame jumps (a cut), and no track spans a cut;
- stable ids: ByteTrack's ids restart after a reset and a track's first detection
  comes back unconfirmed (-1); tracks here are numbered 0, 1, 2, ... per video in
  order of appearance, and the spawning detection is given back to its track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emocurate.faces.detector import Detection, iou_matrix


def colour_histogram(rgb: np.ndarray) -> np.ndarray:
    """Normalised 3x16-bin RGB histogram of a 64x36 thumbnail."""
    import cv2

    small = cv2.resize(rgb, (64, 36), interpolation=cv2.INTER_AREA)
    hist = np.concatenate(
        [np.bincount(small[..., c].ravel() >> 4, minlength=16) for c in range(3)]
    ).astype(np.float32)
    return hist / hist.sum()


@dataclass
class Tracked:
    """Result of one frame: per input detection, its track number (None = unconfirmed), plus
    spawning detections of the previous frame recovered into newly confirmed tracks."""

    track_of: list[int | None]
    recovered: list[tuple[int, int]]  #: (index of the previous frame's detection, track number)
    cut: bool


class FaceTracker:
    """ByteTrack with cut resets and per-video track numbering."""

    def __init__(
        self, fps: float, max_gap: float = 1.0, cut_threshold: float = 0.35, min_score: float = 0.5
    ) -> None:
        from trackers import ByteTrackTracker

        self._make = lambda: ByteTrackTracker(
            lost_track_buffer=max(1, round(max_gap * 30)),  # in 30 fps frames (their unit)
            frame_rate=fps,
            track_activation_threshold=min_score,
            high_conf_det_threshold=max(min_score, 0.6),
            minimum_consecutive_frames=2,
            minimum_iou_threshold=0.1,
        )
        self._tracker = self._make()
        self.cut_threshold = cut_threshold
        self._epoch = 0
        self._numbers: dict[tuple[int, int], int] = {}
        self._hist: np.ndarray | None = None
        self._prev_pending: list[tuple[int, np.ndarray]] = []  # (detection index, box)

    def update(self, t: float, rgb: np.ndarray, dets: list[Detection]) -> Tracked:
        import supervision as sv

        hist = colour_histogram(rgb)
        cut = (
            self._hist is not None
            and float(np.abs(hist - self._hist).sum() / 2) > self.cut_threshold
        )
        self._hist = hist
        if cut:
            self._epoch += 1
            self._tracker = self._make()
            self._prev_pending = []
        boxes = np.array([d.box for d in dets], np.float32).reshape(-1, 4)
        scores = np.array([d.score for d in dets], np.float32)
        result = self._tracker.update(
            sv.Detections(xyxy=boxes, confidence=scores, data={"index": np.arange(len(dets))}),
            timestamp=t,
        )
        track_of: list[int | None] = [None] * len(dets)
        recovered: list[tuple[int, int]] = []
        pending: list[tuple[int, np.ndarray]] = []
        indices = result.data.get("index", np.zeros(0, int)) if len(result) else np.zeros(0, int)
        for box, idx, tid in zip(result.xyxy, indices, result.tracker_id, strict=True):
            if tid < 0:
                pending.append((int(idx), box))
                continue
            key = (self._epoch, int(tid))
            if key not in self._numbers:
                self._numbers[key] = len(self._numbers)
                back = self._match_pending(box)
                if back is not None:
                    recovered.append((back, self._numbers[key]))
            track_of[int(idx)] = self._numbers[key]
        self._prev_pending = pending
        return Tracked(track_of, recovered, bool(cut))

    def _match_pending(self, box: np.ndarray) -> int | None:
        """The previous frame's unconfirmed detection this new track grew from (best IoU)."""
        if not self._prev_pending:
            return None
        ious = iou_matrix(box[None], np.array([b for _, b in self._prev_pending]))[0]
        best = int(np.argmax(ious))
        if ious[best] < 0.3:
            return None
        index = self._prev_pending.pop(best)[0]
        return index
