"""Tables of the visual pass and clips: per-frame signals, shots, clips, attributes."""

from __future__ import annotations

import pyarrow as pa

from emocurate.schemas._fields import col
from emocurate.schemas.faces import CLIP_FACES_SCHEMA
from emocurate.schemas.speech import PROSODY_SCHEMA

#: Clip-level face columns joined into `attributes` (declared once, in schemas/faces.py).
CLIP_FACE_COLUMNS = [
    f.with_nullable(True)
    for f in CLIP_FACES_SCHEMA
    if f.name not in ("clip_id", "video_id", "n_frames")
]

#: Clip-level prosody joined into `attributes`: over the utterances whose midpoint lies in
#: the clip (for utterance clips, exactly that utterance's values).
CLIP_PROSODY_COLUMNS = [
    col("n_utterances", pa.int32(), "Utterances whose midpoint lies in the clip (prosody)."),
    *(
        PROSODY_SCHEMA.field(name).with_nullable(True)
        for name in ("pitch_mean_hz", "pitch_range_st", "voiced_fraction", "speech_rate_wps")
    ),
]

FRAME_ATTRIBUTES_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("frame", pa.int32(), "Index of the sampled frame.", False),
        col("t", pa.float64(), "Timestamp of the frame in seconds.", False),
        col("brightness", pa.float32(), "Mean luma (BT.601), 0-1."),
        col(
            "colorfulness",
            pa.float32(),
            "Hasler and Suesstrunk (2003) colourfulness M, on 0-255 RGB.",
        ),
        col(
            "hue",
            pa.float32(),
            "Saturation-weighted circular mean hue, degrees 0-360; null if grey.",
        ),
        col("saturation", pa.float32(), "Mean HSV saturation, 0-1."),
        col(
            "motion",
            pa.float32(),
            "Mean absolute luma difference to the previous sampled frame, 0-1.",
        ),
    ]
)

SHOTS_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("shot_index", pa.int32(), "0-based shot number.", False),
        col("start", pa.float64(), "Shot start in seconds.", False),
        col("end", pa.float64(), "Shot end in seconds.", False),
        col(
            "cut_score",
            pa.float32(),
            "Histogram distance at the cut opening this shot (null for the first).",
        ),
    ]
)

CLIPS_SCHEMA = pa.schema(
    [
        col("clip_id", pa.string(), "Clip id: <video_id>_<start ms>_<end ms>.", False),
        col("video_id", pa.string(), "Video id.", False),
        col("start", pa.float64(), "Clip start in the source, seconds.", False),
        col("end", pa.float64(), "Clip end in the source, seconds.", False),
        col("duration", pa.float64(), "end - start, seconds.", False),
        col("strategy", pa.string(), "How clips were cut: shots, windows (or utterances).", False),
        col(
            "segment_index",
            pa.int32(),
            "Index of the shot / window / utterance the clip comes from.",
        ),
        col(
            "path",
            pa.string(),
            "Clip file (H.264 + AAC MP4, faststart), relative to the workspace.",
            file=True,
        ),
        col("sha256", pa.string(), "sha256 of the clip file."),
        col("width", pa.int32(), "Clip width."),
        col("height", pa.int32(), "Clip height."),
        col("fps", pa.float64(), "Clip frame rate (the source's)."),
        col("has_audio", pa.bool_(), "Whether the clip carries audio.", False),
    ]
)

ATTRIBUTES_SCHEMA = pa.schema(
    [
        col("video_id", pa.string(), "Video id.", False),
        col("scope", pa.string(), "'second' (one row per second of video) or 'clip'.", False),
        col("clip_id", pa.string(), "Clip id for scope='clip', null for scope='second'."),
        col("start", pa.float64(), "Span start, seconds.", False),
        col("end", pa.float64(), "Span end, seconds.", False),
        col("n_frames", pa.int32(), "Sampled frames in the span.", False),
        col("brightness", pa.float32(), "Mean of frame brightness (mean luma, 0-1)."),
        col(
            "colorfulness",
            pa.float32(),
            "Mean of frame colourfulness (Hasler and Suesstrunk 2003).",
        ),
        col("hue", pa.float32(), "Circular mean of frame hues, degrees."),
        col("saturation", pa.float32(), "Mean of frame saturation, 0-1."),
        col("motion", pa.float32(), "Mean absolute frame difference, 0-1."),
        col(
            "loudness_dbfs",
            pa.float32(),
            "Audio RMS level in dBFS over the span; null without audio.",
        ),
        *CLIP_FACE_COLUMNS,
        *CLIP_PROSODY_COLUMNS,
    ]
)
