"""Media I/O: hashing, ffprobe facts, the shared decoded frame stream, audio, clip cutting.

ffprobe/ffmpeg are called with argument lists (never a shell); decoding runs
in-process with PyAV so one pass can feed every visual stage.
"""

from __future__ import annotations

import hashlib
import json
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from emocurate.errors import MediaError, UsageError

if TYPE_CHECKING:
    from emocurate.records import Source
    from emocurate.stage import Frame
    from emocurate.workspace import Workspace

AUDIO_RATE = 16_000
T = TypeVar("T")


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UsageError(f"{name} not found on PATH: install ffmpeg (e.g. apt-get install ffmpeg)")
    return path


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Probe:
    """The ffprobe facts the sources table records."""

    container: str | None
    duration: float
    fps: float | None
    width: int | None
    height: int | None
    video_codec: str | None
    audio_codec: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    has_video: bool
    has_audio: bool

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


# Codecs ffprobe reports for cover art / attached pictures, which are not video.
_STILL_CODECS = {"mjpeg", "png", "bmp", "gif", "webp"}


def probe(path: Path) -> Probe:
    """ffprobe a file; raise MediaError with a one-line reason if it is not usable media."""
    cmd = [
        require_binary("ffprobe"), "-v", "error", "-print_format", "json",
        "-show_format", "-show_streams", str(path),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        reason = reason.removeprefix(f"{path}: ")
        raise MediaError(f"not a readable media file ({reason}); check the file or re-download it")
    info = json.loads(proc.stdout or "{}")
    streams = info.get("streams", [])
    fmt = info.get("format", {})
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not s.get("disposition", {}).get("attached_pic")
            and s.get("codec_name") not in _STILL_CODECS
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise MediaError("no audio or video stream; is this a media file?")
    duration = _first_float(
        fmt.get("duration"), (video or {}).get("duration"), (audio or {}).get("duration")
    )
    if not duration or duration <= 0:
        raise MediaError("duration is 0 s: the file holds no playable media")
    fps = None
    if video is not None:
        rate = video.get("avg_frame_rate") or video.get("r_frame_rate") or "0/1"
        try:
            fps = float(Fraction(rate)) or None
        except (ValueError, ZeroDivisionError):
            fps = None
    return Probe(
        container=fmt.get("format_name"),
        duration=float(duration),
        fps=fps,
        width=int(video["width"]) if video and video.get("width") else None,
        height=int(video["height"]) if video and video.get("height") else None,
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        audio_sample_rate=int(audio["sample_rate"]) if audio and audio.get("sample_rate") else None,
        audio_channels=int(audio["channels"]) if audio and audio.get("channels") else None,
        has_video=video is not None,
        has_audio=audio is not None,
    )


def check_complete(path: Path, facts: Probe, tail: float = 2.0) -> None:
    """Decode the last seconds: a truncated file (index present, data cut off) decodes none.

    ffprobe trusts the container's index, so a cut-off download with its index at
    the front probes as complete; reading its tail is what shows the data is gone.
    """
    stream = "0:v:0" if facts.has_video else "0:a:0"
    cmd = [
        require_binary("ffmpeg"), "-nostdin", "-v", "error", "-sseof", f"-{tail:g}",
        "-i", str(path),
        "-map", stream, "-f", "null", "-progress", "pipe:1", "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    progress = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    decoded = (
        int(progress.get("frame", "0") or 0)
        if facts.has_video
        else int(progress.get("out_time_us", "0") or 0)
    )
    if proc.returncode != 0 or decoded <= 0:
        raise MediaError(
            "file is truncated: its last seconds hold no decodable data; re-download or re-copy it"
        )


def _first_float(*values: Any) -> float | None:
    for value in values:
        try:
            if value is not None and float(value) > 0:
                return float(value)
        except (TypeError, ValueError):
            continue
    return None


def iter_frames(path: Path, fps: float) -> Iterator[Frame]:
    """Decode `path` once and yield RGB frames sampled at `fps`.

    The first frame at or after each grid time k/fps is kept, with its own
    timestamp, so stages see true times. Only kept frames are converted to RGB.
    """
    import av

    from emocurate.stage import Frame

    if fps <= 0:
        raise UsageError(f"sampling rate must be > 0 fps, got {fps}")
    step = 1.0 / fps
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot open for decoding: {exc}") from None
    with container:
        if not container.streams.video:
            raise MediaError("no video stream to decode")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base
        start = stream.start_time or 0
        next_t = 0.0
        index = 0
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float((frame.pts - start) * base)
                if t + 1e-6 < next_t:
                    continue
                yield Frame(index, round(t, 6), frame.to_ndarray(format="rgb24"))
                index += 1
                while next_t <= t + 1e-6:
                    next_t += step
        except av.error.FFmpegError as exc:
            if index == 0:
                raise MediaError(f"video stream cannot be decoded: {exc}") from None
            # A damaged tail: keep what decoded, like players do.


def prefetch(frames: Iterator[T], depth: int = 8) -> Iterator[T]:
    """Run a frame iterator in a background thread, `depth` items ahead.

    Decoding (FFmpeg, in C) and the consumers (numpy) both release the GIL, so
    the visual pass overlaps them instead of adding their times. Memory stays
    bounded by `depth` frames; an error in the decoder is re-raised here.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            buffer.put(_Failure(exc))

    thread = threading.Thread(target=produce, name="emocurate-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def load_audio(path: Path, rate: int = AUDIO_RATE) -> np.ndarray:
    """Decode the first audio stream to mono float32 at `rate` Hz."""
    import av

    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot open for audio decoding: {exc}") from None
    with container:
        if not container.streams.audio:
            raise MediaError("no audio stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise MediaError(f"audio stream cannot be decoded: {exc}") from None
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def cached_audio(workspace: Workspace, source: Source, rate: int = AUDIO_RATE) -> np.ndarray:
    """The source's audio, decoded once per workspace into work/audio/<video_id>.<rate>.npy."""
    from emocurate.workspace import atomic_write

    if not source.has_audio:
        raise MediaError("the source has no audio stream")
    path = workspace.path("work", "audio", f"{source.video_id}.{rate}.npy")
    if path.exists():
        return np.load(path)
    audio = load_audio(workspace.path(source.media_path), rate)
    atomic_write(path, lambda tmp: np.save(tmp.open("wb"), audio))
    return audio


def rms_dbfs(samples: np.ndarray, floor: float = -100.0) -> float | None:
    """RMS level in dBFS (0 dBFS = full-scale square wave); None for no samples."""
    if samples.size == 0:
        return None
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(floor, 20.0 * np.log10(rms)) if rms > 0 else floor


def cut_clip(src: Path, dst: Path, start: float, end: float, with_audio: bool) -> None:
    """Cut [start, end) of `src` to a browser-playable MP4 (H.264 yuv420p + AAC, faststart).

    Re-encodes (frame-accurate cuts; any input codec becomes playable in a browser).
    Written to a temporary name first, renamed when complete.
    """
    from emocurate.workspace import atomic_write

    def write(tmp: Path) -> None:
        cmd = [
            require_binary("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-ss", f"{start:.3f}", "-i", str(src), "-t", f"{end - start:.3f}",
            "-map", "0:v:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
            "-pix_fmt", "yuv420p", "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2",
        ]  # fmt: skip
        if with_audio:
            cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
        cmd += ["-movflags", "+faststart", "-f", "mp4", str(tmp)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise MediaError(f"ffmpeg could not cut {start:.2f}-{end:.2f} s: {reason}")

    atomic_write(dst, write)
