"""Faces stage cost against a plain decode of the same video at the same fps.

Measured in this process on the same video: (1) plain decode, (2) the `faces` stage
over the decoded stream (decode + detection + landmarks/blendshapes + AUs + tracking +
crops + embeddings), then the parts alone on frames decoded up front: detection
frames/s (full-range BlazeFace, with and without tiles), landmark faces/s, embedding
faces/s. Model loading is reported separately (once per worker process).

Run: .venv/bin/python benchmarks/faces.py [VIDEO] [--fps 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from emocurate.media import iter_frames, probe
from emocurate.records import Source
from emocurate.stage import VideoContext, stage_class
from emocurate.workspace import Workspace

DEMO = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media" / "demo_interview.mp4"


def best(fn, repeat: int) -> float:
    """Median wall time of `fn` over `repeat` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("video", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    p = probe(args.video)

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        src = Source(
            video_id="bench", sha256="-", origin="local", input=str(args.video),
            media_path=str(args.video.resolve()), size_bytes=args.video.stat().st_size,
            duration=p.duration, has_video=p.has_video, has_audio=p.has_audio,
            ingested_at=datetime.now(UTC), fps=p.fps, width=p.width, height=p.height,
        )  # fmt: skip
        stage = stage_class("faces")({}, ws)
        t0 = time.perf_counter()
        backends = stage.backends()
        load_s = time.perf_counter() - t0
        ctx = VideoContext(ws, src, stage.settings, fps=args.fps)

        n_frames = sum(1 for _ in iter_frames(ctx.media_path, args.fps))
        decode_s = best(lambda: sum(1 for _ in iter_frames(ctx.media_path, args.fps)), args.repeat)
        rows = []

        def faces_pass() -> None:
            consumer = stage.consumer(ctx)
            for frame in iter_frames(ctx.media_path, args.fps):
                consumer.update(frame)
            rows.append(consumer.finish().num_rows)

        faces_s = best(faces_pass, args.repeat)

        frames = [f.rgb for f in iter_frames(ctx.media_path, args.fps)]
        det = backends["detector"]
        dets = [det.detect(rgb) for rgb in frames]
        det_s = best(lambda: [det.detect(rgb) for rgb in frames], args.repeat)
        det.tiling = False
        det_plain_s = best(lambda: [det.detect(rgb) for rgb in frames], args.repeat)
        det.tiling = True
        pairs = [(rgb, d) for rgb, ds in zip(frames, dets, strict=True) for d in ds]
        lm = backends["landmarker"]
        lm_s = best(lambda: [lm.mesh(rgb, d) for rgb, d in pairs], args.repeat)
        emb = backends["embedder"]
        emb_pairs = pairs[:: max(1, len(pairs) // 20)]
        emb_s = best(lambda: [emb.embed(rgb, d, None) for rgb, d in emb_pairs], 1)
        stage.close()

    size = f"{p.width}x{p.height}"
    print(f"video: {args.video.name}, {size}, {p.duration:.1f} s, {args.fps:g} fps sampling")
    print(f"sampled frames: {n_frames}; faces found: {rows[-1]} face-frames")
    print(f"model loading (once per worker): {load_s:.2f} s")
    print(f"plain decode:             {decode_s:7.2f} s  ({n_frames / decode_s:6.1f} frames/s)")
    print(f"faces stage (with decode): {faces_s:7.2f} s  ({n_frames / faces_s:6.1f} frames/s)")
    print(f"ratio faces / plain decode: {faces_s / decode_s:.2f}")
    print(f"ratio faces / video length: {faces_s / p.duration:.2f} (real-time factor)")
    print(f"detection, full range + tiles: {n_frames / det_s:6.1f} frames/s")
    print(f"detection, full range only:    {n_frames / det_plain_s:6.1f} frames/s")
    print(f"landmarks + blendshapes:       {len(pairs) / lm_s:6.1f} faces/s")
    print(f"dlib embeddings:               {len(emb_pairs) / emb_s:6.1f} faces/s")


if __name__ == "__main__":
    main()
