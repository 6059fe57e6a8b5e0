"""User-facing errors. Each carries one line that says what is wrong and what to do.

`kind` names the error in reject rows and exit codes, so a reject table can be
grouped by cause without parsing messages.
"""

from __future__ import annotations

from emocurate.schemas.errors import EmocurateError

__all__ = [
    "EmocurateError",
    "UsageError",
    "InputError",
    "MediaError",
    "DownloadError",
    "MissingExtraError",
    "ModelNotFoundError",
    "SkipVideo",
    "error_kind",
    "one_line",
]


class UsageError(EmocurateError):
    """The command line or configuration asks for something that does not exist (exit 2)."""

    kind = "usage"


class InputError(EmocurateError):
    """An input path or URL cannot be used (missing, unreadable, not media)."""

    kind = "bad_input"


class MediaError(EmocurateError):
    """ffprobe/ffmpeg/PyAV could not read or write a media file."""

    kind = "bad_media"


class DownloadError(EmocurateError):
    """A URL could not be downloaded (dead link, HTTP error, unsupported site)."""

    kind = "download_failed"


class MissingExtraError(EmocurateError):
    """A stage needs an optional package that is not installed."""

    kind = "missing_extra"


class ModelNotFoundError(EmocurateError):
    """Model weights are not present; the message says where to put them."""

    kind = "model_missing"


class SkipVideo(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a stage when a video lacks what it needs (no audio, no video).

    A skip, not a reject: the reason is recorded and dependents see an empty table.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def error_kind(exc: BaseException) -> str:
    """Short machine-readable cause for reject rows."""
    return getattr(exc, "kind", None) or (
        "error" if isinstance(exc, EmocurateError) else "internal"
    )


def one_line(exc: BaseException, limit: int = 300) -> str:
    """First line of an exception message, prefixed by its type when it is not ours."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, EmocurateError):
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
