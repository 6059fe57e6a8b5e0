"""Typed records of the catalog's rows (Lhotse-style: code passes records, not dicts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Source:
    """One ingested video (or audio) file; mirrors the `sources` table."""

    video_id: str
    sha256: str
    origin: str
    input: str
    media_path: str
    size_bytes: int
    duration: float
    has_video: bool
    has_audio: bool
    ingested_at: datetime
    url: str | None = None
    webpage_url: str | None = None
    title: str | None = None
    uploader: str | None = None
    channel: str | None = None
    license: str | None = None
    upload_date: str | None = None
    extractor: str | None = None
    local_path: str | None = None
    mtime: datetime | None = None
    container: str | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Source:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})

    def to_row(self) -> dict[str, Any]:
        return asdict(self)

    def has(self, stream: str) -> bool:
        """Whether the source has a stream kind ('video' or 'audio')."""
        return bool(getattr(self, f"has_{stream}"))
