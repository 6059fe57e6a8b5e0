"""words stage: each ASR word gets the speaker of the turn it overlaps."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emocurate import schemas
from emocurate.ingest import ingest
from emocurate.stage import VideoContext
from emocurate.stages.words import Words

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def _ctx(workspace, stage, inputs: dict[str, list[dict]]) -> VideoContext:
    source = ingest(workspace, [str(MEDIA / "demo_interview.mp4")]).added[0]
    paths = {}
    for name, rows in inputs.items():
        table_name = {"asr": "asr_words", "diarization": "speaker_turns"}[name]
        rows = [{"video_id": source.video_id, **r} for r in rows]
        paths[name] = workspace.path("work", "test", f"{name}.parquet")
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schemas.from_rows(rows, table_name), paths[name])
    return VideoContext(workspace, source, stage.settings, paths)


ASR = [
    {"word_index": 0, "segment_index": 0, "start": 0.3, "end": 0.6, "word": "Hello", "prob": 0.9},
    {"word_index": 1, "segment_index": 0, "start": 12.9, "end": 13.2, "word": "Hi", "prob": 0.8},
    {"word_index": 2, "segment_index": 1, "start": 16.3, "end": 16.5, "word": "bye", "prob": 0.7},
]
TURNS = [
    {"turn_index": 0, "speaker": "SPEAKER_00", "start": 0.2, "end": 2.3, "backend": "campplus"},
    {"turn_index": 1, "speaker": "SPEAKER_01", "start": 12.8, "end": 16.1, "backend": "campplus"},
]


def test_speakers_from_turns(workspace):
    stage = Words({}, workspace)
    rows = stage.run(_ctx(workspace, stage, {"asr": ASR, "diarization": TURNS})).to_pylist()
    assert [(r["word"], r["speaker"]) for r in rows] == [
        ("Hello", "SPEAKER_00"),
        ("Hi", "SPEAKER_01"),
        ("bye", "SPEAKER_01"),  # 0.2 s after the last turn: nearest turn
    ]
    assert [r["prob"] for r in rows] == pytest.approx([0.9, 0.8, 0.7])


def test_without_diarization_speakers_are_null(workspace):
    stage = Words({}, workspace)
    rows = stage.run(_ctx(workspace, stage, {"asr": ASR})).to_pylist()
    assert [r["word"] for r in rows] == ["Hello", "Hi", "bye"]
    assert all(r["speaker"] is None for r in rows)
