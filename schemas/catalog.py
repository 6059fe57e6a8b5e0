"""Tables the catalog (catalog.duckdb) keeps: what was ingested, run, rejected and released."""

from __future__ import annotations

import pyarrow as pa

from emocurate.schemas._fields import TIMESTAMP, col

SOURCES_SCHEMA = pa.schema(
    [
        col(
            "video_id", pa.string(), "Content hash id (first 16 hex of sha256 of the file).", False
        ),
        col("sha256", pa.string(), "sha256 of the ingested file.", False),
        col("origin", pa.string(), "'url' or 'file'.", False),
        col(
            "input", pa.string(), "The argument the source was ingested from (URL or path).", False
        ),
        col(
            "media_path",
            pa.string(),
            "Path of the stored original, relative to the workspace.",
            False,
        ),
        col("size_bytes", pa.int64(), "File size in bytes.", False),
        col("url", pa.string(), "Download URL (URL sources)."),
        col("webpage_url", pa.string(), "Canonical web page of the video (yt-dlp)."),
        col("title", pa.string(), "Title (yt-dlp) or file name."),
        col("uploader", pa.string(), "Uploader (yt-dlp)."),
        col("channel", pa.string(), "Channel (yt-dlp)."),
        col("license", pa.string(), "Licence as declared by the site (yt-dlp); null if unknown."),
        col("upload_date", pa.string(), "Upload date YYYYMMDD (yt-dlp)."),
        col("extractor", pa.string(), "yt-dlp extractor that handled the URL."),
        col("local_path", pa.string(), "Absolute path of a local source at ingest time."),
        col("mtime", TIMESTAMP, "Modification time of a local source."),
        col("container", pa.string(), "Container format (ffprobe format_name)."),
        col("duration", pa.float64(), "Duration in seconds (ffprobe).", False),
        col("fps", pa.float64(), "Average video frame rate; null without video."),
        col("width", pa.int32(), "Video width in pixels."),
        col("height", pa.int32(), "Video height in pixels."),
        col("video_codec", pa.string(), "Video codec name."),
        col("audio_codec", pa.string(), "Audio codec name."),
        col("audio_sample_rate", pa.int32(), "Audio sample rate in Hz."),
        col("audio_channels", pa.int32(), "Number of audio channels."),
        col("has_video", pa.bool_(), "True when the file has a decodable video stream.", False),
        col("has_audio", pa.bool_(), "True when the file has an audio stream.", False),
        col("ingested_at", TIMESTAMP, "When the source was ingested.", False),
    ]
)

REJECTS_SCHEMA = pa.schema(
    [
        col("run_id", pa.string(), "Run (or ingest) that produced the reject.", False),
        col("stage", pa.string(), "Stage that rejected the input ('ingest' for inputs).", False),
        col("video_id", pa.string(), "Video id, null when the input never became a source."),
        col("input", pa.string(), "The input argument (ingest rejects)."),
        col(
            "kind",
            pa.string(),
            "Error kind (bad_input, bad_media, download_failed, internal...).",
            False,
        ),
        col("message", pa.string(), "One-line reason.", False),
        col("created_at", TIMESTAMP, "When it was rejected.", False),
    ]
)

RUNS_SCHEMA = pa.schema(
    [
        col("run_id", pa.string(), "Run id.", False),
        col("command", pa.string(), "'run' or 'ingest'.", False),
        col("pipeline", pa.string(), "Pipeline preset name."),
        col("settings_json", pa.string(), "Effective settings of the run (JSON)."),
        col("code_version", pa.string(), "emocurate version.", False),
        col("started_at", TIMESTAMP, "Start time.", False),
        col("finished_at", TIMESTAMP, "End time; null while running or if killed."),
        col("n_done", pa.int64(), "Stage outputs computed."),
        col("n_cached", pa.int64(), "Stage outputs found already done."),
        col("n_skipped", pa.int64(), "Stage outputs skipped for a recorded reason."),
        col("n_rejected", pa.int64(), "Stage failures turned into rejects."),
    ]
)

OUTPUTS_SCHEMA = pa.schema(
    [
        col("stage", pa.string(), "Stage name.", False),
        col("video_id", pa.string(), "Video id ('*' for workspace-wide stages).", False),
        col(
            "cache_key",
            pa.string(),
            "Hash of stage, version, settings, model and input keys.",
            False,
        ),
        col("status", pa.string(), "'done' or 'skipped'.", False),
        col("reason", pa.string(), "Why a stage was skipped."),
        col("path", pa.string(), "Parquet output, relative to the workspace.", False),
        col("rows", pa.int64(), "Rows in the output.", False),
        col("seconds", pa.float64(), "Compute time."),
        col("run_id", pa.string(), "Run that produced it.", False),
        col("created_at", TIMESTAMP, "When it was recorded.", False),
    ]
)

RELEASES_SCHEMA = pa.schema(
    [
        col("version", pa.string(), "Release version X.Y.Z.", False),
        col("path", pa.string(), "Release folder, relative to the workspace.", False),
        col("manifest_sha256", pa.string(), "sha256 of manifest.json.", False),
        col("created_at", TIMESTAMP, "When it was created.", False),
    ]
)
