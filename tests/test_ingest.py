from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from emocurate.catalog import Catalog
from emocurate.ingest import ingest
from emocurate.workspace import Workspace


@pytest.fixture(scope="module")
def http_server(media: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the fixture media (for yt-dlp)."""
    handler = functools.partial(QuietHandler, directory=str(media))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_local_file_records_probe_facts_and_content_id(workspace: Workspace, demo: Path) -> None:
    report = ingest(workspace, [str(demo)])
    assert report.exit_code == 0 and len(report.added) == 1
    src = report.added[0]
    assert src.origin == "file" and src.local_path == str(demo.resolve()) and src.mtime is not None
    assert src.video_id == src.sha256[:16]
    assert (src.duration, src.fps, src.width, src.height) == (18.0, 25.0, 640, 360)
    assert (src.video_codec, src.audio_codec, src.has_video, src.has_audio) == (
        "h264",
        "aac",
        True,
        True,
    )
    assert workspace.path(src.media_path).read_bytes() == demo.read_bytes()
    assert Catalog(workspace).source(src.video_id) == src


def test_same_content_is_ingested_once(workspace: Workspace, demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "renamed copy.mp4"
    copy.write_bytes(demo.read_bytes())
    report = ingest(workspace, [str(demo), str(copy), str(demo)])
    assert len(report.added) == 1 and len(report.duplicates) == 2
    assert len(Catalog(workspace).sources()) == 1


def test_folder_and_url_list(
    workspace: Workspace, demo: Path, media: Path, tmp_path: Path, http_server: str
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# comment\n{http_server}/video/no_face.mp4\n\n{media / 'speech' / 'jfk.wav'}\n"
    )
    report = ingest(workspace, [str(media / "video"), str(listing)])
    assert report.rejects == []
    # 4 videos in the folder; no_face.mp4 again by URL is a duplicate; jfk.wav new
    assert len(report.added) == 5 and len(report.duplicates) == 1


def test_url_through_ytdlp_records_metadata_and_404_is_a_reject(
    workspace: Workspace, demo: Path, http_server: str
) -> None:
    url = f"{http_server}/demo_interview.mp4"
    report = ingest(workspace, [url, f"{http_server}/missing.mp4"])
    assert len(report.added) == 1
    src = report.added[0]
    assert src.origin == "url" and src.url == url and src.webpage_url == url
    assert src.extractor and src.extractor.lower() == "generic"
    assert src.title == "demo_interview"
    assert src.sha256 == hashlib.sha256(demo.read_bytes()).hexdigest()
    [reject] = report.rejects
    assert reject["kind"] == "download_failed" and "404" in reject["message"]
    assert reject["input"].endswith("/missing.mp4")


def test_dead_url_is_a_reject(workspace: Workspace, demo: Path) -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    report = ingest(workspace, ["http://127.0.0.1:9/gone.mp4"])
    [reject] = report.rejects
    assert reject["kind"] == "download_failed" and "check the URL" in reject["message"]


@pytest.mark.parametrize(
    ("name", "kind", "fragment"),
    [
        ("empty", "bad_input", "empty file"),
        ("text", "bad_media", "not a readable media file"),
        ("truncated_head", "bad_media", "not a readable media file (Invalid data"),
        ("truncated_tail", "bad_media", "truncated"),
        ("zero_seconds", "bad_media", "no audio or video stream"),
    ],
)
def test_bad_files_become_rejects_without_hurting_good_ones(
    workspace: Workspace, demo: Path, derived: dict[str, Path], name: str, kind: str, fragment: str
) -> None:
    report = ingest(workspace, [str(derived[name]), str(demo)])
    assert len(report.added) == 1, "the good input in the same run is ingested"
    [reject] = report.rejects
    assert reject["kind"] == kind and fragment in reject["message"], reject
    assert "\n" not in reject["message"]
    assert report.exit_code == 3
    assert [r["input"] for r in Catalog(workspace).rejects()] == [str(derived[name])]


def test_missing_path_is_a_reject(workspace: Workspace, demo: Path) -> None:
    report = ingest(workspace, ["/no/such/video.mp4"])
    [reject] = report.rejects
    assert reject["kind"] == "bad_input" and "no such file" in reject["message"]


def test_odd_names_are_stored_by_content_not_by_name(
    workspace: Workspace, demo: Path, derived: dict[str, Path]
) -> None:
    path = derived["weird_name"]
    assert ".." in path.parts and " " in path.name
    report = ingest(workspace, [str(path)])
    [src] = report.added
    assert src.media_path == f"media/{src.video_id}.mp4"
    assert src.title == "wëird nåme ."


def test_audio_only_and_video_only_are_valid_sources(
    workspace: Workspace, demo: Path, derived: dict[str, Path]
) -> None:
    report = ingest(workspace, [str(derived["audio_only"]), str(derived["video_only"])])
    assert report.rejects == []
    audio, video = report.added
    assert (audio.has_audio, audio.has_video) == (True, False)
    assert (video.has_audio, video.has_video) == (False, True)
