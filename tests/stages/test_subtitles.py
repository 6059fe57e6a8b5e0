"""subtitles stage: one WebVTT per clip, recorded with its hash."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from emocurate import schemas
from emocurate.ingest import ingest
from emocurate.media import sha256_file
from emocurate.stage import VideoContext
from emocurate.stages.subtitles import Subtitles

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def test_vtt_per_clip(workspace):
    source = ingest(workspace, [str(MEDIA / "demo_interview.mp4")]).added[0]
    vid = source.video_id
    clips = [
        {"clip_id": f"{vid}_a", "video_id": vid, "start": 0.0, "end": 5.0, "duration": 5.0,
         "strategy": "utterances", "has_audio": True},
        {"clip_id": f"{vid}_b", "video_id": vid, "start": 16.5, "end": 18.0, "duration": 1.5,
         "strategy": "utterances", "has_audio": True},
    ]  # fmt: skip
    words = [
        {"video_id": vid, "word_index": 0, "start": 0.5, "end": 0.9, "word": "Ask", "prob": 0.9,
         "speaker": "SPEAKER_00"},
        {"video_id": vid, "word_index": 1, "start": 1.0, "end": 1.4, "word": "not.", "prob": 0.9,
         "speaker": "SPEAKER_00"},
    ]  # fmt: skip
    paths = {}
    for name, table, rows in (("clips", "clips", clips), ("words", "words", words)):
        paths[name] = workspace.path("work", "test", f"{name}.parquet")
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schemas.from_rows(rows, table), paths[name])
    stage = Subtitles({}, workspace)
    out = stage.run(VideoContext(workspace, source, stage.settings, paths)).to_pylist()
    assert [(r["clip_id"], r["n_cues"]) for r in out] == [(f"{vid}_a", 1), (f"{vid}_b", 0)]
    first = workspace.path(out[0]["path"])
    assert out[0]["path"] == f"clips/{vid}_a.vtt"
    assert first.read_text() == (
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.400\n<v SPEAKER_00>Ask not.\n"
    )
    assert out[0]["sha256"] == sha256_file(first)
    assert workspace.path(out[1]["path"]).read_text() == "WEBVTT\n"
