"""Speech stages: real-time factor (stage seconds / audio seconds) of each stage, and the
ASR stage against a direct faster-whisper call with the same model and settings.

    .venv/bin/python benchmarks/speech.py [--repeats 1]

Inputs: tests/fixtures/media/demo_interview.mp4 (18 s, two speakers) and jfk.wav
repeated to 5 minutes. Every stage runs on a hand-built VideoContext (as the
runner does, minus the catalog), after one warm-up so model loading is excluded
from both the stage and the baseline. The baseline is
`WhisperModel.transcribe` on the same array with `transcribe_kwargs` of the stage
(model path, compute type, beam size, VAD and word timestamps identical),
consuming the same generator down to the words.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "tests" / "fixtures" / "media"
STAGES = ("vad", "asr", "diarization", "words", "utterances", "prosody")


def make_long_jfk(dest: Path, seconds: float = 300.0) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1",
         "-i", str(MEDIA / "speech" / "jfk.wav"), "-t", str(seconds), "-ac", "1", "-ar", "16000",
         str(dest)],
        check=True,
    )  # fmt: skip
    return dest


def run_stages(ws, source, repeats: int) -> dict[str, float]:
    """Best-of-`repeats` seconds per stage, chaining outputs like the runner."""
    from emocurate.stage import VideoContext, stage_class

    paths: dict[str, Path] = {}
    times: dict[str, float] = {}
    for name in STAGES:
        cls = stage_class(name)
        stage = cls({}, ws)
        inputs = {i: paths[i] for i in (*cls.inputs, *cls.optional_inputs) if i in paths}
        best = float("inf")
        for attempt in range(repeats + 1):  # attempt 0 warms up (model load, audio cache)
            ctx = VideoContext(ws, source, stage.settings, inputs)
            start = time.perf_counter()
            table = stage.run(ctx)
            elapsed = time.perf_counter() - start
            if attempt:
                best = min(best, elapsed)
        out = ws.path("work", "bench", f"{source.video_id}.{name}.parquet")
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)
        paths[name] = out
        times[name] = best
    return times


def direct_whisper(ws, source, repeats: int) -> float:
    """The same transcription straight through faster-whisper (model already loaded)."""
    from emocurate.media import cached_audio
    from emocurate.speech import whisper
    from emocurate.stages.asr import Asr

    stage = Asr({}, ws)
    model = whisper.load_model(stage.weights.path, str(stage.settings["compute_type"]))
    kwargs = whisper.transcribe_kwargs(stage.settings)
    audio = cached_audio(ws, source)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        segments, _info = model.transcribe(audio, **kwargs)
        words = [w for s in segments for w in (s.words or [])]
        best = min(best, time.perf_counter() - start)
    assert words
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per stage (best kept)")
    args = parser.parse_args()

    from emocurate.catalog import Catalog
    from emocurate.ingest import ingest
    from emocurate.speech import whisper
    from emocurate.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        Catalog(ws)
        inputs = {
            "demo_interview.mp4 (18 s)": MEDIA / "demo_interview.mp4",
            "jfk.wav x 5 min": make_long_jfk(Path(tmp) / "jfk_5min.wav"),
        }
        report = ingest(ws, [str(p) for p in inputs.values()])
        by_input = {s.input: s for s in report.added}
        print(f"model: {whisper.resolve({}).name}; cpu_threads={whisper.CPU_THREADS}; "
              f"{sys.platform}, python {sys.version.split()[0]}")  # fmt: skip
        for label, path in inputs.items():
            source = by_input[str(path)]
            times = run_stages(ws, source, args.repeats)
            baseline = direct_whisper(ws, source, args.repeats)
            print(f"\n{label}: audio {source.duration:.1f} s")
            print(f"  {'stage':<12} {'seconds':>8} {'RTF':>7}")
            for name, secs in times.items():
                print(f"  {name:<12} {secs:8.2f} {secs / source.duration:7.3f}")
            total = sum(times.values())
            print(f"  {'all':<12} {total:8.2f} {total / source.duration:7.3f}")
            print(f"  direct faster-whisper {baseline:.2f} s; asr stage / direct = "
                  f"{times['asr'] / baseline:.3f} (target <= 1.1)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
