"""Landmarks, blendshapes and the blendshape -> AU mapping on real expressions."""

from __future__ import annotations

import numpy as np
import pytest

from emocurate.faces.au import AU_COLUMNS, BLENDSHAPE_AU_MAP, BlendshapeAUs, aus_from_blendshapes
from emocurate.faces.landmarker import BLENDSHAPE_NAMES


def _mesh(photos, detector, landmarker, name):
    rgb = photos[name]
    det = detector.detect(rgb)[0]
    mesh = landmarker.mesh(rgb, det)
    assert mesh is not None, name
    return det, mesh


def test_mesh_in_frame_pixels(photos, detector, landmarker):
    det, mesh = _mesh(photos, detector, landmarker, "single_face.jpg")
    assert mesh.landmarks.shape == (478, 3)
    assert list(mesh.blendshapes) == list(BLENDSHAPE_NAMES)
    # Mesh eye corners agree with the detector's eye keypoints (same pixels, both mappings right).
    right_eye = mesh.landmarks[[33, 133], :2].mean(0)
    left_eye = mesh.landmarks[[263, 362], :2].mean(0)
    assert np.linalg.norm(right_eye - det.keypoints[0]) < 0.25 * det.width
    assert np.linalg.norm(left_eye - det.keypoints[1]) < 0.25 * det.width


def test_expressions_move_the_right_aus(photos, detector, landmarker):
    """The happy photo smiles (AU12, AU6); the surprised one raises brows and drops the jaw."""
    au = BlendshapeAUs()
    happy = au.estimate(
        _mesh(photos, detector, landmarker, "0-f15-hao-ph.jpg")[1].blendshapes, None
    )
    surprise = au.estimate(
        _mesh(photos, detector, landmarker, "0-f1-su-ph.jpg")[1].blendshapes, None
    )
    assert happy["au12"] > 0.5 and happy["au12"] > surprise["au12"] + 0.3
    assert happy["au06"] > surprise["au06"]
    assert surprise["au26"] > happy["au26"] + 0.2
    assert surprise["au01"] > happy["au01"]
    assert set(happy) == set(AU_COLUMNS)


def test_profile_has_large_yaw(photos, detector, landmarker):
    _, frontal = _mesh(photos, detector, landmarker, "astronaut.png")
    _, profile = _mesh(photos, detector, landmarker, "45-m7-di-ph.jpg")
    assert abs(frontal.yaw) < 15
    assert abs(profile.yaw) > 25


def test_mapping_covers_required_aus_and_known_blendshapes():
    required = {1, 2, 4, 6, 9, 12, 15, 17, 20, 25, 26, 43}
    assert {f"au{n:02d}" for n in required} <= set(BLENDSHAPE_AU_MAP)
    for plus, minus in BLENDSHAPE_AU_MAP.values():
        assert set(plus) | set(minus) <= set(BLENDSHAPE_NAMES)


def test_mapping_arithmetic():
    shapes = dict.fromkeys(BLENDSHAPE_NAMES, 0.0)
    shapes.update(mouthSmileLeft=0.8, mouthSmileRight=0.4, jawOpen=0.5, mouthClose=0.7)
    aus = aus_from_blendshapes(shapes)
    assert aus["au12"] == pytest.approx(0.6)
    assert aus["au26"] == pytest.approx(0.5)
    assert aus["au25"] == 0.0  # jaw open with lips closed: lips do not part
    assert BlendshapeAUs().estimate(None, None) == dict.fromkeys(AU_COLUMNS)
