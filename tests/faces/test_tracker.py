"""Tracking on the real demo video: dropouts, cuts, and the track numbering."""

from __future__ import annotations

from pathlib import Path

import pytest

from emocurate.media import iter_frames

DEMO = Path(__file__).parents[1] / "fixtures" / "media" / "demo_interview.mp4"


@pytest.fixture(scope="module")
def demo_detections(detector):
    """(t, rgb thumbnail-able frame, detections) of demo_interview at 5 fps."""
    return [(f.t, f.rgb, detector.detect(f.rgb)) for f in iter_frames(DEMO, 5.0)]


def _track(demo_detections, drop=lambda t: False, **kw):
    pytest.importorskip("trackers")
    from emocurate.faces.tracker import FaceTracker

    tracker = FaceTracker(5.0, **kw)
    seen: dict[int, list[float]] = {}
    cuts = []
    for t, rgb, dets in demo_detections:
        dets = [] if drop(t) else dets
        result = tracker.update(t, rgb, dets)
        cuts += [t] if result.cut else []
        for number in result.track_of:
            if number is not None:
                seen.setdefault(number, []).append(t)
        for _, number in result.recovered:
            seen.setdefault(number, []).append(t - 0.2)
    return seen, cuts


def test_two_tracks_split_at_the_cut(demo_detections):
    seen, cuts = _track(demo_detections)
    assert cuts == [12.0]
    assert sorted(seen) == [0, 1]
    assert min(seen[0]) == pytest.approx(0.0) and max(seen[0]) == pytest.approx(11.8)
    assert min(seen[1]) == pytest.approx(12.0) and max(seen[1]) == pytest.approx(17.8)


def test_track_survives_a_short_dropout(demo_detections):
    """No detection for 0.6 s (3 sampled frames) in the middle of person A: still one track."""
    seen, _ = _track(demo_detections, drop=lambda t: 5.0 <= t < 5.6, max_gap=1.0)
    assert sorted(seen) == [0, 1]
    assert max(seen[0]) == pytest.approx(11.8)


def test_a_long_dropout_starts_a_new_track(demo_detections):
    seen, _ = _track(demo_detections, drop=lambda t: 5.0 <= t < 7.0, max_gap=1.0)
    assert sorted(seen) == [0, 1, 2]


def test_without_cut_detection_ids_would_leak_across_the_cut(demo_detections):
    """Why the cut reset exists: IoU tracking alone links the two people of the demo."""
    seen, cuts = _track(demo_detections, cut_threshold=2.0)
    assert cuts == []
    assert len(seen) == 1
