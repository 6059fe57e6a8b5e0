"""vad: speech regions of a video's audio (Silero VAD v6 from faster-whisper)."""

from __future__ import annotations

import pyarrow as pa

from emocurate import schemas
from emocurate.stage import VideoContext, VideoStage, register


@register
class Vad(VideoStage):
    """Where someone speaks; diarization embeds only these regions."""

    name = "vad"
    version = "1"
    table = "speech_regions"
    needs = frozenset({"audio"})
    requires = ("faster_whisper",)
    extra = "speech"
    defaults = {
        "threshold": 0.5,
        "min_speech_ms": 250,
        "min_silence_ms": 300,
        "pad_ms": 100,
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        from emocurate.speech.vad import speech_regions

        regions = speech_regions(
            ctx.audio,
            threshold=float(self.settings["threshold"]),
            min_speech_ms=int(self.settings["min_speech_ms"]),
            min_silence_ms=int(self.settings["min_silence_ms"]),
            pad_ms=int(self.settings["pad_ms"]),
        )
        rows = [
            {"video_id": ctx.source.video_id, "region_index": i, "start": s, "end": e}
            for i, (s, e) in enumerate(regions)
        ]
        return schemas.from_rows(rows, "speech_regions")
