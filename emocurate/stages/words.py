"""words: the ASR words, each attributed to a speaker from the diarization turns."""

from __future__ import annotations

import pyarrow as pa

from emocurate import schemas
from emocurate.speech.transcript import SpeakerSpan, Word, assign_speakers
from emocurate.stage import VideoContext, VideoStage, register


@register
class Words(VideoStage):
    """Speaker-attributed words; without a diarization stage the speaker is null."""

    name = "words"
    version = "1"
    table = "words"
    inputs = ("asr",)
    optional_inputs = ("diarization",)
    defaults = {
        # a word outside every turn takes the nearest turn up to this far away (s)
        "max_distance": 1.0,
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        asr = ctx.input("asr").to_pylist()
        turns = (
            [
                SpeakerSpan(t["start"], t["end"], t["speaker"])
                for t in ctx.input("diarization").to_pylist()
            ]
            if ctx.has_input("diarization")
            else []
        )
        words = [Word(r["start"], r["end"], r["word"], r["prob"]) for r in asr]
        speakers = assign_speakers(words, turns, float(self.settings["max_distance"]))
        rows = [
            {
                "video_id": ctx.source.video_id,
                "word_index": r["word_index"],
                "start": r["start"],
                "end": r["end"],
                "word": r["word"],
                "prob": r["prob"],
                "speaker": speaker,
            }
            for r, speaker in zip(asr, speakers, strict=True)
        ]
        return schemas.from_rows(rows, "words")
