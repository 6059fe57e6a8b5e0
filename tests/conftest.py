"""Shared fixtures: real media from tests/fixtures/media, fresh workspaces, the CLI as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from emocurate.workspace import Workspace

MEDIA = Path(__file__).parent / "fixtures" / "media"
DEMO = MEDIA / "demo_interview.mp4"


@pytest.fixture(scope="session")
def media() -> Path:
    return MEDIA


@pytest.fixture(scope="session")
def demo() -> Path:
    """The 18 s two-person interview (cut at 12.0 s; see fixtures/media/README.md)."""
    return DEMO


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    from emocurate.catalog import Catalog

    ws = Workspace.init(tmp_path / "ws")
    Catalog(ws)
    return ws


def ffmpeg(*args: str) -> None:
    """Make small derived media for a test (never committed)."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def derived(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Edge-case media made from the real fixtures with ffmpeg."""
    out = tmp_path_factory.mktemp("derived")
    made: dict[str, Path] = {}
    made["audio_only"] = out / "audio_only.m4a"
    ffmpeg("-i", str(DEMO), "-vn", "-c:a", "aac", str(made["audio_only"]))
    made["video_only"] = out / "video_only.mp4"
    ffmpeg("-i", str(DEMO), "-an", "-c:v", "copy", str(made["video_only"]))
    made["zero_seconds"] = out / "zero.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=64x64:r=25",
        "-frames:v",
        "0",
        str(made["zero_seconds"]),
    )
    faststart = out / "faststart.mp4"
    ffmpeg("-i", str(DEMO), "-c", "copy", "-movflags", "+faststart", str(faststart))
    made["faststart"] = faststart
    made["truncated_tail"] = out / "truncated_tail.mp4"
    made["truncated_tail"].write_bytes(faststart.read_bytes()[:300_000])
    made["truncated_head"] = out / "truncated_head.mp4"
    made["truncated_head"].write_bytes(DEMO.read_bytes()[:300_000])
    made["empty"] = out / "empty.mp4"
    made["empty"].write_bytes(b"")
    made["text"] = out / "notes.mp4"
    made["text"].write_text("this is a text file, not a video\n")
    weird_dir = out / "sub dir"
    weird_dir.mkdir()
    made["weird_name"] = weird_dir / ".." / "sub dir" / "wëird nåme ..mp4"
    shutil.copy(MEDIA / "video" / "single_face.mp4", weird_dir / "wëird nåme ..mp4")
    return made


@pytest.fixture()
def cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run `python -m emocurate ...` as a real process (real exit codes, no TTY)."""

    def run(
        *args: str | Path, cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        return subprocess.run(
            [sys.executable, "-m", "emocurate", *map(str, args)],
            cwd=cwd or tmp_path, capture_output=True, text=True, timeout=timeout, env=env,
        )  # fmt: skip

    return run
