"""From words and speaker turns to speaker-attributed words, utterances and utterance spans.

Pure functions over plain records so the rules (which speaker owns a word, where
an utterance ends, how utterances become clips) are tested without models.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str
    prob: float | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class SpeakerSpan:
    start: float
    end: float
    speaker: str


@dataclass
class Utterance:
    speaker: str | None
    words: list[Word] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)


def assign_speakers(
    words: Sequence[Word], turns: Sequence[SpeakerSpan], max_distance: float = 1.0
) -> list[str | None]:
    """The speaker of each word: the turn it overlaps most, else the nearest turn within
    `max_distance` seconds (word timings and VAD edges disagree by a few hundred ms), else None."""
    speakers: list[str | None] = []
    for w in words:
        best, best_overlap, best_gap = None, 0.0, math.inf
        for t in turns:
            overlap = min(w.end, t.end) - max(w.start, t.start)
            if overlap > best_overlap:
                best, best_overlap = t.speaker, overlap
            elif best_overlap <= 0.0:
                gap = max(t.start - w.end, w.start - t.end, 0.0)
                if gap < best_gap and gap <= max_distance:
                    best, best_gap = t.speaker, gap
        speakers.append(best)
    return speakers


def group_utterances(
    words: Sequence[Word], max_pause: float = 1.0, max_duration: float = 15.0
) -> list[Utterance]:
    """Group time-ordered words into utterances (speaker turns).

    A new utterance starts when the speaker changes, when the pause before a word
    exceeds `max_pause`, or when adding the word would make the utterance longer
    than `max_duration` (then it is cut at a word boundary, never inside a word).
    """
    utterances: list[Utterance] = []
    for w in sorted(words, key=lambda w: (w.start, w.end)):
        current = utterances[-1] if utterances else None
        if (
            current is None
            or current.speaker != w.speaker
            or w.start - current.end > max_pause
            or w.end - current.start > max_duration
        ):
            utterances.append(Utterance(w.speaker, [w]))
        else:
            current.words.append(w)
    return utterances


@dataclass(frozen=True)
class Span:
    """A clip span cut from utterances; `segment_index` is its first utterance's index."""

    start: float
    end: float
    segment_index: int
    speaker: str | None


def utterance_spans(
    utterances: Sequence[tuple[float, float, str | None]],
    duration: float,
    *,
    min_duration: float = 1.0,
    max_duration: float = 15.0,
    padding: float = 0.2,
    merge_gap: float = 1.0,
) -> list[Span]:
    """Clip spans at utterances, MELD/EmotionTalk style.

    1. A turn shorter than `min_duration` is merged with the next turn of the same
       speaker when the pause between them is at most `merge_gap` and the result
       stays within `max_duration`.
    2. Spans still shorter than `min_duration` are dropped (too short to label).
    3. Each span is padded by `padding` on both sides, but never past the midpoint
       to a neighbouring span (clips of two speakers do not overlap) nor outside
       the video.

    A single turn longer than `max_duration` is left whole here: the utterances
    stage already cuts turns at word boundaries (its own `max_duration`), and the
    clips stage splits what is still too long.
    """
    merged: list[list] = []
    for index, (start, end, speaker) in enumerate(sorted(utterances, key=lambda u: u[0])):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last[3] == speaker
            and (last[1] - last[0] < min_duration or end - start < min_duration)
            and start - last[1] <= merge_gap
            and end - last[0] <= max_duration
        ):
            last[1] = max(last[1], end)
        else:
            merged.append([start, end, index, speaker])
    kept = [m for m in merged if m[1] - m[0] >= min_duration]
    spans: list[Span] = []
    for i, (start, end, index, speaker) in enumerate(kept):
        lower = (kept[i - 1][1] + start) / 2.0 if i > 0 else 0.0
        upper = (end + kept[i + 1][0]) / 2.0 if i + 1 < len(kept) else duration
        s = max(0.0, lower, start - padding)
        e = min(duration, upper, end + padding) if duration > 0 else end + padding
        spans.append(Span(s, e, index, speaker))
    return spans
