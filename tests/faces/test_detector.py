"""The default detector (BlazeFace full range via LiteRT) on real photos."""

from __future__ import annotations

import numpy as np


def test_every_face_photo_is_found(photos, detector):
    assert len(photos) == 5
    for name, rgb in photos.items():
        dets = detector.detect(rgb)
        assert len(dets) == 1, f"{name}: {len(dets)} faces"
        d = dets[0]
        h, w = rgb.shape[:2]
        assert 0 <= d.box[0] < d.box[2] <= w and 0 <= d.box[1] < d.box[3] <= h
        assert d.score >= 0.5
        # Eyes inside the box, subject's right eye on the image's left, above the mouth.
        right_eye, left_eye, nose, mouth = d.keypoints[:4]
        assert right_eye[0] < left_eye[0], name
        assert max(right_eye[1], left_eye[1]) < mouth[1], name
        assert d.box[0] - 5 <= nose[0] <= d.box[2] + 5, name


def _paste_small(rgb: np.ndarray, face_h: float, target: int, x0: int) -> np.ndarray:
    """The photo scaled so its face box is `target` px high, pasted into a grey 640x360 frame."""
    import cv2

    s = target / face_h
    small = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)[:310, :340]
    frame = np.full((360, 640, 3), 90, np.uint8)
    frame[50 : 50 + small.shape[0], x0 : x0 + small.shape[1]] = small
    return frame


def test_small_faces_are_found(photos, detector):
    """Faces 32 px high in a 640x360 frame, at two places: all found (full range + tiles)."""
    found = 0
    for rgb in photos.values():
        face_h = detector.detect(rgb)[0].height
        for x0 in (100, 250):
            dets = detector.detect(_paste_small(rgb, face_h, 32, x0))
            assert len(dets) <= 1
            found += len(dets) == 1 and 20 <= dets[0].height <= 45
    assert found == 2 * len(photos)


def test_no_face_in_noise_and_black(detector):
    rng = np.random.default_rng(0)
    assert detector.detect(np.zeros((360, 640, 3), np.uint8)) == []
    assert detector.detect(rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)) == []
    assert detector.detect(np.zeros((16, 16, 3), np.uint8)) == []


def test_weighted_nms_merges_overlaps():
    from emocurate.faces.detector import weighted_nms

    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    kps = np.zeros((3, 6, 2), np.float32)
    scores = np.array([0.9, 0.6, 0.7], np.float32)
    b, _, s = weighted_nms(boxes, kps, scores, 0.3)
    assert len(b) == 2
    assert s.tolist() == [np.float32(0.9), np.float32(0.7)]
    assert 0.3 < b[0][0] < 0.5  # score-weighted mean of 0 and 1
