"""Ingest: local files, folders, text files of URLs and URLs become content-addressed sources.

Every input ends as exactly one of: a new source, a duplicate of an existing
source (same content), or a reject with a one-line reason. One bad input never
stops the others.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from emocurate.catalog import Catalog, now
from emocurate.errors import DownloadError, EmocurateError, InputError, error_kind, one_line
from emocurate.media import check_complete, probe, sha256_file
from emocurate.records import Source
from emocurate.workspace import Workspace

MEDIA_EXTENSIONS = {
    ".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".flv", ".wmv", ".3gp",
    ".ts", ".mts", ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus",
}  # fmt: skip
URL_LIST_EXTENSIONS = {".txt", ".urls", ".list"}


@dataclass
class IngestItem:
    """One thing to ingest: a URL or a local file, with the argument it came from."""

    input: str
    url: str | None = None
    path: Path | None = None


@dataclass
class IngestReport:
    run_id: str
    added: list[Source] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (input, video_id)
    rejects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 3 if self.rejects else 0


def is_url(arg: str) -> bool:
    return urlparse(arg).scheme in {"http", "https"}


def expand(args: Iterable[str]) -> Iterator[IngestItem | tuple[str, Exception]]:
    """Turn CLI arguments into items: folders are walked, URL lists are read line by line."""
    for arg in args:
        if is_url(arg):
            yield IngestItem(arg, url=arg)
            continue
        path = Path(arg).expanduser()
        if not path.exists():
            yield arg, InputError(f"no such file or folder: {arg}; check the path")
        elif path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS
            )
            if not found:
                yield (
                    arg,
                    InputError(
                        f"folder {arg} holds no media files ({', '.join(sorted(MEDIA_EXTENSIONS))})"
                    ),
                )
            yield from (IngestItem(str(p), path=p) for p in found)
        elif path.suffix.lower() in URL_LIST_EXTENSIONS:
            yield from _read_list(path)
        else:
            yield IngestItem(arg, path=path)


def _read_list(path: Path) -> Iterator[IngestItem | tuple[str, Exception]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        yield str(path), InputError(f"cannot read URL list {path}: {exc}")
        return
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line):
            yield IngestItem(line, url=line)
        else:
            local = Path(line).expanduser()
            if not local.is_absolute():
                local = path.parent / local
            yield (
                IngestItem(line, path=local)
                if local.is_file()
                else (
                    line,
                    InputError(f"{path.name}: {line!r} is neither a URL nor an existing file"),
                )
            )


def download(url: str, dest_dir: Path) -> tuple[Path, dict[str, Any]]:
    """Download one URL with yt-dlp's Python API; return the file and its metadata."""
    import yt_dlp

    options = {
        "outtmpl": str(dest_dir / "%(id)s.%(ext)s"),
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "noplaylist": True,
        "restrictfilenames": True,
        "retries": 1,
        "socket_timeout": 30,
        "logger": _QuietLogger(),
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=True)
            info = ydl.sanitize_info(info)
    except yt_dlp.utils.DownloadError as exc:
        reason = one_line(exc, limit=10_000).removeprefix("DownloadError: ").removeprefix("ERROR: ")
        if len(reason) > 160:
            reason = reason[:159] + "…"
        raise DownloadError(f"download failed: {reason}; check the URL") from None
    if info.get("_type") == "playlist":
        raise DownloadError("URL is a playlist; ingest its video URLs one by one")
    files = [
        Path(d["filepath"]) for d in info.get("requested_downloads") or [] if d.get("filepath")
    ]
    files = [f for f in files if f.exists()] or sorted(p for p in dest_dir.iterdir() if p.is_file())
    if not files:
        raise DownloadError("yt-dlp reported success but wrote no file")
    return files[0], info


class _QuietLogger:
    """yt-dlp logs go nowhere: errors come back as exceptions with their message."""

    def debug(self, msg: str) -> None: ...
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...
    def error(self, msg: str) -> None: ...


def ingest(
    workspace: Workspace,
    args: Iterable[str],
    on_item: Callable[[str, str], None] | None = None,
) -> IngestReport:
    """Ingest every argument; each ends added, duplicate or rejected (see IngestReport)."""
    catalog = Catalog(workspace)
    report = IngestReport(run_id=f"ingest-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}")
    catalog.start_run(report.run_id, "ingest", None, {"args": list(args)})
    known = {s.video_id for s in catalog.sources()}
    for item in expand(args):
        if isinstance(item, tuple):
            arg, exc = item
            _reject(catalog, report, arg, exc)
            if on_item:
                on_item(arg, f"rejected: {one_line(exc)}")
            continue
        try:
            outcome = _ingest_one(workspace, catalog, item, known)
        except Exception as exc:  # noqa: BLE001 - one bad input never stops the others
            _reject(catalog, report, item.input, exc)
            if on_item:
                on_item(item.input, f"rejected: {one_line(exc)}")
            continue
        if isinstance(outcome, Source):
            report.added.append(outcome)
            known.add(outcome.video_id)
            msg = f"added {outcome.video_id}"
        else:
            report.duplicates.append((item.input, outcome))
            msg = f"duplicate of {outcome}"
        if on_item:
            on_item(item.input, msg)
    catalog.finish_run(
        report.run_id,
        {
            "done": len(report.added),
            "cached": len(report.duplicates),
            "rejected": len(report.rejects),
        },
    )
    return report


def _reject(catalog: Catalog, report: IngestReport, arg: str, exc: BaseException) -> None:
    row = {
        "run_id": report.run_id,
        "stage": "ingest",
        "video_id": None,
        "input": arg,
        "kind": error_kind(exc),
        "message": one_line(exc),
    }
    catalog.record_reject(row)
    report.rejects.append(row)


def _ingest_one(
    workspace: Workspace, catalog: Catalog, item: IngestItem, known: set[str]
) -> Source | str:
    """Add one item; returns the new Source, or the video_id it duplicates."""
    with tempfile.TemporaryDirectory(dir=workspace.path("media"), prefix=".incoming-") as tmp:
        meta: dict[str, Any] = {}
        if item.url:
            file, info = download(item.url, Path(tmp))
            meta = {
                "origin": "url",
                "url": item.url,
                "webpage_url": info.get("webpage_url") or item.url,
                "title": info.get("title"),
                "uploader": info.get("uploader"),
                "channel": info.get("channel"),
                "license": info.get("license"),
                "upload_date": info.get("upload_date"),
                "extractor": info.get("extractor_key") or info.get("extractor"),
            }
        else:
            assert item.path is not None
            file = item.path
            _check_local(file)
            stat = file.stat()
            meta = {
                "origin": "file",
                "local_path": str(file.resolve()),
                "mtime": datetime.fromtimestamp(stat.st_mtime, UTC),
                "title": file.stem,
            }
        digest = sha256_file(file)
        video_id = digest[:16]
        if video_id in known:
            return video_id
        facts = probe(file)
        check_complete(file, facts)
        suffix = file.suffix.lower() if file.suffix.lower() in MEDIA_EXTENSIONS else ".bin"
        dest = workspace.path("media", f"{video_id}{suffix}")
        staged = Path(tmp) / f"stage{suffix}"
        _place(file, staged, move=bool(item.url))
        os.replace(staged, dest)  # atomic: a media file is either complete or absent
        source = Source(
            video_id=video_id,
            sha256=digest,
            input=item.input,
            media_path=workspace.relative(dest),
            size_bytes=dest.stat().st_size,
            ingested_at=now(),
            **facts.as_row(),
            **meta,
        )
        catalog.add_source(source)
        return source


def _check_local(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"not a regular file: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"empty file (0 bytes): {path}; re-copy or re-download it")
    if not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: check its permissions")


def _place(src: Path, dst: Path, move: bool) -> None:
    """Move a download; copy a local file (never link it: editing the original in place
    would silently change an ingested, content-addressed source)."""
    if move:
        shutil.move(src, dst)
    else:
        shutil.copy2(src, dst)


__all__ = ["IngestReport", "ingest", "expand", "download", "EmocurateError"]
