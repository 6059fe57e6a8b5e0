"""vad stage: speech regions on real speech, nothing on silence."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from emocurate.errors import UsageError
from emocurate.ingest import ingest
from emocurate.stage import VideoContext
from emocurate.stages.vad import Vad

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def _ctx(workspace, path: Path, stage) -> VideoContext:
    source = ingest(workspace, [str(path)]).added[0]
    return VideoContext(workspace, source, stage.settings)


def test_regions_on_real_speech(workspace):
    stage = Vad({}, workspace)
    table = stage.run(_ctx(workspace, MEDIA / "speech" / "jfk.wav", stage))
    rows = table.to_pylist()
    assert table.schema.names == ["video_id", "region_index", "start", "end"]
    # jfk.wav: four phrases separated by clear pauses, within its 11 s.
    assert len(rows) == 4
    assert [r["region_index"] for r in rows] == [0, 1, 2, 3]
    assert all(0 <= r["start"] < r["end"] <= 11.1 for r in rows)
    assert all(a["end"] <= b["start"] for a, b in zip(rows, rows[1:], strict=False))


def test_silence_has_no_region(workspace, tmp_path):
    silent = tmp_path / "silent.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo",
         "-t", "3", str(silent)],
        check=True,
    )  # fmt: skip
    stage = Vad({}, workspace)
    assert stage.run(_ctx(workspace, silent, stage)).num_rows == 0


def test_unknown_setting_is_rejected(workspace):
    with pytest.raises(UsageError, match="unknown setting"):
        Vad({"treshold": 0.3}, workspace)
