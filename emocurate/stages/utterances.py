"""utterances: speaker turns as text (words grouped by speaker and pauses), and the
`utterances` clip strategy that cuts clips at them (MELD / EmotionTalk style)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from emocurate import schemas
from emocurate.speech.transcript import Word, group_utterances, utterance_spans
from emocurate.stage import VideoContext, VideoStage, register
from emocurate.stages.clips import Segment, register_strategy


def utterance_id(video_id: str, index: int) -> str:
    return f"{video_id}_u{index:04d}"


@register
class Utterances(VideoStage):
    """One row per utterance: a run of words of one speaker without a long pause."""

    name = "utterances"
    version = "1"
    table = "utterances"
    inputs = ("words", "asr")
    defaults = {
        "max_pause": 1.0,  # a longer silence between words starts a new utterance (s)
        "max_duration": 15.0,  # longer turns are cut at a word boundary (s)
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        words = [
            Word(r["start"], r["end"], r["word"], r["prob"], r["speaker"])
            for r in ctx.input("words").to_pylist()
        ]
        languages = ctx.input("asr").column("language").to_pylist()
        language = next((lang for lang in languages if lang), None)
        groups = group_utterances(
            words, float(self.settings["max_pause"]), float(self.settings["max_duration"])
        )
        vid = ctx.source.video_id
        rows = [
            {
                "video_id": vid,
                "utterance_id": utterance_id(vid, i),
                "utterance_index": i,
                "speaker": u.speaker,
                "start": u.start,
                "end": u.end,
                "text": u.text,
                "language": language,
                "n_words": len(u.words),
            }
            for i, u in enumerate(groups)
        ]
        return schemas.from_rows(rows, "utterances")


@register_strategy("utterances", needs="utterances")
def utterance_segments(ctx: VideoContext, settings: dict[str, Any]) -> list[Segment]:
    """Clip segments at utterances: short same-speaker turns merged, padded, length-bounded.

    Uses the clips stage's min_duration, max_duration, padding and merge_gap; the
    segment index is the (first) utterance's index.
    """
    rows = ctx.input("utterances").to_pylist()
    spans = utterance_spans(
        [(r["start"], r["end"], r["speaker"]) for r in rows],
        float(ctx.source.duration),
        min_duration=float(settings["min_duration"]),
        max_duration=float(settings["max_duration"]),
        padding=float(settings["padding"]),
        merge_gap=float(settings["merge_gap"]),
    )
    index = [r["utterance_index"] for r in sorted(rows, key=lambda r: r["start"])]
    return [Segment(s.start, s.end, index[s.segment_index]) for s in spans]
