"""diarization stage: speaker turns from the VAD regions, on the two-speaker demo."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from emocurate import schemas
from emocurate.ingest import ingest
from emocurate.stage import VideoContext
from emocurate.stages.diarization import Diarization
from emocurate.stages.vad import Vad

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def _run(workspace, path: Path, settings=None):
    source = ingest(workspace, [str(path)]).added[0]
    vad = Vad({}, workspace)
    regions = vad.run(VideoContext(workspace, source, vad.settings))
    regions_path = workspace.path("work", "test", "vad.parquet")
    regions_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(regions, regions_path)
    stage = Diarization(settings or {}, workspace)
    return stage.run(VideoContext(workspace, source, stage.settings, {"vad": regions_path}))


def test_two_speakers_in_the_demo(workspace):
    table = _run(workspace, MEDIA / "demo_interview.mp4")
    assert table.schema.equals(schemas.schema("speaker_turns"), check_metadata=False)
    rows = table.to_pylist()
    by_speaker = {}
    for r in rows:
        by_speaker.setdefault(r["speaker"], []).append(r)
    assert sorted(by_speaker) == ["SPEAKER_00", "SPEAKER_01"]
    assert max(r["end"] for r in by_speaker["SPEAKER_00"]) <= 11.5
    # media README: speaker B from 12.5 s
    assert abs(min(r["start"] for r in by_speaker["SPEAKER_01"]) - 12.5) <= 0.5
    assert all(r["backend"] == "campplus" for r in rows)


def test_fixed_speaker_count(workspace):
    rows = _run(workspace, MEDIA / "speech" / "jfk.wav", {"num_speakers": 1}).to_pylist()
    assert rows and {r["speaker"] for r in rows} == {"SPEAKER_00"}
