"""Tables of the faces capability: per-face-per-frame rows, per-track summaries, subjects,
and clip-level face attributes.

AU columns (au01 ... au43) hold *estimates*: by default derived from MediaPipe
blendshapes with the mapping documented in docs/faces.md, not a trained AU
detector; `au_source` on every row says which.
"""

from __future__ import annotations

import pyarrow as pa

from emocurate.schemas._fields import col

#: FACS AUs with a column, in column order (kept in sync with emocurate.faces.au.AU_CODES).
AU_CODES = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 43)

#: MediaPipe FaceLandmarker blendshape names (struct fields of `blendshapes`), model order.
BLENDSHAPES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft",
    "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft",
    "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower",
    "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)  # fmt: skip

_FLOATS = pa.list_(pa.float32())
_BLENDSHAPES_TYPE = pa.struct([pa.field(n, pa.float32()) for n in BLENDSHAPES])


def _au_fields(what: str) -> list[pa.Field]:
    return [
        col(
            f"au{n:02d}",
            pa.float32(),
            f"{what} of the AU{n} estimate, 0-1 (see au_source; not FACS-coded).",
        )
        for n in AU_CODES
    ]


FACE_FRAMES_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col(
            "track_id",
            pa.string(),
            "Face track: <video_id>_t<NN>; null only with keep_untracked "
            "(never confirmed as a track).",
        ),
        col("frame", pa.int32(), "Index of the sampled frame.", False),
        col("t", pa.float64(), "Frame timestamp in seconds.", False),
        col("x", pa.float32(), "Face box left edge, source-frame pixels.", False),
        col("y", pa.float32(), "Face box top edge, source-frame pixels.", False),
        col("w", pa.float32(), "Face box width, pixels.", False),
        col("h", pa.float32(), "Face box height, pixels.", False),
        col("score", pa.float32(), "Detector confidence, 0-1.", False),
        col("detector", pa.string(), "Detector backend (mediapipe = BlazeFace full range).", False),
        col(
            "keypoints",
            _FLOATS,
            "Detector keypoints x0,y0,...,x5,y5 in pixels: right eye, left eye, nose tip, "
            "mouth centre, "
            "right ear, left ear (subject's sides); NaN where the backend has none.",
        ),
        col(
            "landmarks",
            _FLOATS,
            "MediaPipe 478-point face mesh, flat x,y,z per point; x,y in source-frame pixels, "
            "z relative "
            "depth in the same scale; null when no mesh was found.",
        ),
        col(
            "blendshapes",
            _BLENDSHAPES_TYPE,
            "MediaPipe's 52 blendshape scores, 0-1; null without a mesh.",
        ),
        col(
            "yaw",
            pa.float32(),
            "Head yaw in degrees (0 frontal, negative = turned to the subject's right).",
        ),
        col(
            "pitch",
            pa.float32(),
            "Head pitch in degrees, from the mesh's transform (null without one).",
        ),
        col(
            "roll",
            pa.float32(),
            "Head roll in degrees, from the mesh's transform (null without one).",
        ),
        col(
            "sharpness",
            pa.float32(),
            "Variance of the Laplacian of the face resampled to 64x64 (0-255 scale).",
        ),
        *_au_fields("Per-frame value"),
        col(
            "au_source",
            pa.string(),
            "How the AU columns were obtained, e.g. 'blendshapes:mediapipe-v1' "
            "(derived from blendshapes by "
            "the documented mapping) or 'model:<file>:<sha>' (a learned model); null without AUs.",
        ),
        col(
            "crop_path",
            pa.string(),
            "Aligned face crop (JPEG) relative to the workspace, when one was saved.",
            file=True,
        ),
        col("crop_sha256", pa.string(), "sha256 of the crop file."),
        col(
            "embedding",
            _FLOATS,
            "Identity embedding of this face (only on sampled frames of each track).",
        ),
        col(
            "embedding_model",
            pa.string(),
            "Model of `embedding`, e.g. dlib_resnet_v1 or insightface:buffalo_l.",
        ),
    ]
)

_TRACK_FIELDS = [
    col("video_id", pa.string(), "Video id.", False),
    col(
        "track_id",
        pa.string(),
        "Face track: <video_id>_t<NN>, numbered in order of appearance.",
        False,
    ),
    col("start", pa.float64(), "First sampled frame of the track, seconds.", False),
    col("end", pa.float64(), "Last sampled frame of the track, seconds.", False),
    col("n_frames", pa.int32(), "Sampled frames in which the face was detected.", False),
    col("box_w_median", pa.float32(), "Median face box width, pixels."),
    col("box_h_median", pa.float32(), "Median face box height, pixels (the size quality measure)."),
    col(
        "box_cx_std",
        pa.float32(),
        "Standard deviation of the box centre x, pixels (how much it moves).",
    ),
    col("box_cy_std", pa.float32(), "Standard deviation of the box centre y, pixels."),
    col("score_mean", pa.float32(), "Mean detector confidence."),
    col(
        "sharpness_median", pa.float32(), "Median face sharpness (variance of Laplacian at 64x64)."
    ),
    col("yaw_abs_median", pa.float32(), "Median absolute head yaw, degrees (0 = frontal)."),
    col("mesh_share", pa.float32(), "Share of the track's frames with a landmark mesh."),
    col(
        "quality_flags",
        pa.list_(pa.string()),
        "Problems found: small (median height < min_size px), blurry, "
        "profile (median |yaw| > max_yaw), short (< min_frames).",
    ),
    col(
        "crop_paths",
        pa.list_(pa.string()),
        "Aligned crops of the track, relative to the workspace.",
        file=True,
    ),
    col("crop_sha256s", pa.list_(pa.string()), "sha256 of each crop, same order as crop_paths."),
    *_au_fields("Track mean"),
    col("au_source", pa.string(), "How the AU columns were obtained (see face_frames.au_source)."),
    col(
        "embedding", _FLOATS, "Mean identity embedding of the track (normalised for cosine models)."
    ),
    col("embedding_model", pa.string(), "Model of `embedding`."),
    col("n_embeddings", pa.int32(), "Frames whose embeddings were averaged."),
]

FACE_TRACKS_SCHEMA = pa.schema(_TRACK_FIELDS)

FACES_SCHEMA = pa.schema(
    [
        *_TRACK_FIELDS[:2],
        col(
            "subject_id",
            pa.string(),
            "Person id across the workspace (tracks clustered by embedding); "
            "null without an embedding.",
        ),
        *_TRACK_FIELDS[2:],
        col(
            "subject_distance",
            pa.float32(),
            "Distance of the track's embedding to its subject's centroid.",
        ),
    ]
)

CLIP_FACES_SCHEMA = pa.schema(
    [
        col("clip_id", pa.string(), "Clip id.", False),
        col("video_id", pa.string(), "Video id.", False),
        col("n_frames", pa.int32(), "Sampled frames inside the clip.", False),
        col("face_count", pa.int32(), "Distinct face tracks seen in the clip.", False),
        col("max_faces", pa.int32(), "Most faces in one sampled frame of the clip.", False),
        col(
            "face_frame_share",
            pa.float32(),
            "Share of the clip's sampled frames with at least one face.",
        ),
        col(
            "largest_face_share",
            pa.float32(),
            "Mean over the clip's frames of the largest face box area / frame area "
            "(0 when no face).",
        ),
        *_au_fields("Clip mean over face rows"),
        col("au_source", pa.string(), "How the AU columns were obtained."),
    ]
)
