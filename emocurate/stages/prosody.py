"""prosody: pitch mean and range, loudness, intensity and speech rate of each utterance
(Praat via parselmouth)."""

from __future__ import annotations

import pyarrow as pa

from emocurate import schemas
from emocurate.stage import VideoContext, VideoStage, register


@register
class ProsodyStage(VideoStage):
    """Per-utterance prosody; joins `utterances` (and clip attributes) on
    (video_id, utterance_id)."""

    name = "prosody"
    version = "1"
    table = "prosody"
    inputs = ("utterances",)
    needs = frozenset({"audio"})
    requires = ("parselmouth",)
    extra = "speech"
    defaults = {
        "pitch_floor": 75.0,
        "pitch_ceiling": 600.0,
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        from emocurate.speech.prosody import contours, measure

        utterances = ctx.input("utterances").to_pylist()
        if not utterances:
            return schemas.empty("prosody")
        audio = ctx.audio
        c = contours(
            audio, float(self.settings["pitch_floor"]), float(self.settings["pitch_ceiling"])
        )
        values = measure(audio, c, [(u["start"], u["end"], u["n_words"]) for u in utterances])
        rows = [
            {
                "video_id": u["video_id"],
                "utterance_id": u["utterance_id"],
                "start": u["start"],
                "end": u["end"],
                **vars(v),
            }
            for u, v in zip(utterances, values, strict=True)
        ]
        return schemas.from_rows(rows, "prosody")
