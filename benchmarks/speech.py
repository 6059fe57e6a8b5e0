"""Speech stages: real-time factor (stage seconds / audio seconds) of each stage, and the
ASR stage against a direct faster-whisper call with the same model and settings.

    .venv/bin/python benchmarks/speech.py [--repeats 1] [--pairs 2] [--temperature 0]

Inputs: tests/fixtures/media/demo_interview.mp4 (18 s, two speakers) and jfk.wav
repeated to 5 minutes. Every stage runs on a hand-built VideoContext (as the
runner does, minus the catalog), after a warm-up run on the demo so model loading
is excluded from both the stage and the baseline. The baseline is
`WhisperModel.transcribe` on the same array with `transcribe_kwargs` of the stage
(model path, compute type, beam size, VAD and word timestamps identical),
consuming the same generator down to the words; stage and baseline runs are
interleaved and the best of each is kept, so background load hits both alike.
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


def run_stages(ws, source, repeats: int, overrides: dict) -> dict[str, float]:
    """Best-of-`repeats` seconds per stage, chaining outputs like the runner."""
    from emocurate.stage import VideoContext, stage_class

    paths: dict[str, Path] = {}
    times: dict[str, float] = {}
    for name in STAGES:
        cls = stage_class(name)
        stage = cls(overrides.get(name, {}), ws)
        inputs = {i: paths[i] for i in (*cls.inputs, *cls.optional_inputs) if i in paths}
        best = float("inf")
        for _ in range(max(1, repeats)):
            ctx = VideoContext(ws, source, stage.settings, inputs)
            start = time.perf_counter()
            table = stage.run(ctx)
            best = min(best, time.perf_counter() - start)
        out = ws.path("work", "bench", f"{source.video_id}.{name}.parquet")
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)
        paths[name] = out
        times[name] = best
    return times


def asr_vs_direct(ws, source, pairs: int, settings: dict) -> tuple[float, float]:
    """Best-of-`pairs` seconds of the asr stage and of the same transcription straight
    through faster-whisper, interleaved so machine load affects both alike."""
    from emocurate.media import cached_audio
    from emocurate.speech import whisper
    from emocurate.stage import VideoContext
    from emocurate.stages.asr import Asr

    stage = Asr(settings, ws)
    model = whisper.load_model(stage.weights.path, str(stage.settings["compute_type"]))
    kwargs = whisper.transcribe_kwargs(stage.settings)
    stage_best = direct_best = float("inf")
    for _ in range(max(1, pairs)):
        start = time.perf_counter()
        table = stage.run(VideoContext(ws, source, stage.settings))
        stage_best = min(stage_best, time.perf_counter() - start)
        start = time.perf_counter()
        audio = cached_audio(ws, source)
        segments, _info = model.transcribe(audio, **kwargs)
        words = [w for s in segments for w in (s.words or [])]
        direct_best = min(direct_best, time.perf_counter() - start)
        assert words and table.num_rows
        if stage.settings["temperature"] == 0.0:  # deterministic: identical transcripts
            assert table.column("word").to_pylist() == [
                w.word.strip() for w in words if w.word.strip()
            ]
    return stage_best, direct_best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per stage (best kept)")
    parser.add_argument("--pairs", type=int, default=2, help="interleaved asr/direct runs")
    parser.add_argument(
        "--temperature",
        type=float,
        default=None,
        help="asr temperature for stage and baseline (0 = no sampling fallback, repeatable)",
    )
    parser.add_argument("--inputs", choices=["all", "demo", "long"], default="all")
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
        # Warm-up: load every model once (as a worker does), untimed.
        overrides = (
            {"asr": {"temperature": args.temperature}} if args.temperature is not None else {}
        )
        run_stages(ws, by_input[str(MEDIA / "demo_interview.mp4")], 1, overrides)
        if args.inputs != "all":
            inputs = dict([list(inputs.items())[0 if args.inputs == "demo" else 1]])
        print(f"asr settings: {overrides.get('asr') or 'stage defaults'}")
        for label, path in inputs.items():
            source = by_input[str(path)]
            times = run_stages(ws, source, args.repeats, overrides)
            asr_stage, direct = asr_vs_direct(ws, source, args.pairs, overrides.get("asr", {}))
            print(f"\n{label}: audio {source.duration:.1f} s")
            print(f"  {'stage':<12} {'seconds':>8} {'RTF':>7}")
            for name, secs in times.items():
                print(f"  {name:<12} {secs:8.2f} {secs / source.duration:7.3f}")
            total = sum(times.values())
            print(f"  {'all':<12} {total:8.2f} {total / source.duration:7.3f}")
            print(f"  asr stage {asr_stage:.2f} s vs direct faster-whisper {direct:.2f} s "
                  f"(best of {args.pairs} interleaved): ratio {asr_stage / direct:.3f} "
                  "(target <= 1.1)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
