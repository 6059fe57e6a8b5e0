"""WebVTT subtitles for annotators: words of one clip as timed cues with speaker voices."""

from __future__ import annotations

from collections.abc import Sequence

from emocurate.speech.transcript import Word


def timestamp(seconds: float) -> str:
    """WebVTT timestamp HH:MM:SS.mmm."""
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def cues(
    words: Sequence[Word],
    clip_start: float,
    clip_end: float,
    max_chars: int = 80,
    max_seconds: float = 5.0,
    max_pause: float = 1.0,
) -> list[tuple[float, float, str | None, str]]:
    """(start, end, speaker, text) cues in clip time, for words overlapping the clip.

    A cue ends at a speaker change, a pause over `max_pause`, or when it would
    exceed `max_chars` characters or `max_seconds` seconds (readable subtitles).
    """
    length = clip_end - clip_start
    out: list[list] = []
    for w in sorted(words, key=lambda w: w.start):
        if w.end <= clip_start or w.start >= clip_end:
            continue
        start = min(max(0.0, w.start - clip_start), length)
        end = min(max(start, w.end - clip_start), length)
        last = out[-1] if out else None
        if (
            last is None
            or last[2] != w.speaker
            or start - last[1] > max_pause
            or len(last[3]) + 1 + len(w.word) > max_chars
            or end - last[0] > max_seconds
        ):
            out.append([start, end, w.speaker, w.word])
        else:
            last[1] = end
            last[3] = f"{last[3]} {w.word}"
    return [(s, max(e, s + 0.001), spk, text) for s, e, spk, text in out]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(cue_list: Sequence[tuple[float, float, str | None, str]]) -> str:
    """A WebVTT document; speakers become <v> voice spans."""
    lines = ["WEBVTT", ""]
    for i, (start, end, speaker, text) in enumerate(cue_list, 1):
        lines.append(str(i))
        lines.append(f"{timestamp(start)} --> {timestamp(end)}")
        body = _escape(text)
        lines.append(f"<v {_escape(speaker)}>{body}" if speaker else body)
        lines.append("")
    return "\n".join(lines)
