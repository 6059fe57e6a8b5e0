"""Decode once: the full visual pass (frame_attributes + shots) vs a plain decode at the same fps.

Both are measured in this process on the same video; the ratio is what matters
(target <= 1.3). Run: .venv/bin/python benchmarks/decode_once.py [VIDEO] [--fps 5] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from emocurate.catalog import Catalog
from emocurate.ingest import ingest
from emocurate.media import iter_frames
from emocurate.runner import Task, build_plan, compute_keys, execute, output_path
from emocurate.workspace import Workspace

DEMO = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media" / "demo_interview.mp4"


def plain_decode(path: Path, fps: float) -> int:
    return sum(1 for _ in iter_frames(path, fps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("video", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        (ws.root / "emocurate.toml").write_text(
            f'[workspace]\npipeline = "visual"\n[decode]\nfps = {args.fps}\n'
        )
        ws = Workspace.open(ws.root)
        ingest(ws, [str(args.video)])
        [source] = Catalog(ws).sources()
        plan = build_plan(ws)
        [visual] = [step for step in plan.steps() if step[0].kind == "frame"]
        keys = compute_keys(plan, [source])
        media = ws.path(source.media_path)

        def visual_pass() -> None:
            outputs = {
                s.name: output_path(ws, s.name, source.video_id, keys[(s.name, source.video_id)])
                for s in visual
            }
            results = execute(Task(ws, source, plan.fps, visual, outputs, {}))
            assert all(r.status == "done" for r in results), results
            for path in outputs.values():
                path.unlink()

        frames = plain_decode(media, args.fps)  # warm-up (file cache, imports)
        visual_pass()
        decode_t, pass_t = [], []
        for _ in range(args.repeat):  # interleaved so machine load affects both alike
            t0 = time.perf_counter()
            plain_decode(media, args.fps)
            decode_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            visual_pass()
            pass_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-i",
                str(media),
                "-vf",
                f"fps={args.fps}",
                "-f",
                "null",
                "-",
            ],
            check=True,
        )
        ffmpeg_t = time.perf_counter() - t0

    d, p = statistics.median(decode_t), statistics.median(pass_t)
    print(
        f"video: {args.video.name} ({source.duration:.1f} s, {source.width}x{source.height}), "
        f"{frames} frames at {args.fps:g} fps"
    )
    print(f"plain decode (PyAV, same sampling): median {d:.3f} s over {args.repeat} runs")
    print(
        f"visual pass ({' + '.join(s.name for s in visual)}, incl. Parquet writes): "
        f"median {p:.3f} s"
    )
    print(f"ffmpeg CLI decode at {args.fps:g} fps (reference): {ffmpeg_t:.3f} s")
    print(f"ratio visual pass / plain decode: {p / d:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
