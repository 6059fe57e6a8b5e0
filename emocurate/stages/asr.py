"""asr: words with timestamps and probabilities, and the video's language (faster-whisper)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pyarrow as pa

from emocurate import schemas
from emocurate.stage import VideoContext, VideoStage, register


@register
class Asr(VideoStage):
    """Whisper transcription with word timestamps; the model is resolved offline
    (see emocurate.speech.whisper) and its identity and hash go into the cache key."""

    name = "asr"
    version = "1"
    table = "asr_words"
    needs = frozenset({"audio"})
    requires = ("faster_whisper",)
    extra = "speech"
    defaults = {
        "language": "",  # "" = detect (multilingual model); or a code such as "en"
        "beam_size": 5,
        "vad_filter": True,
        "vad_parameters": {},  # faster-whisper VadOptions overrides
        "condition_on_previous_text": True,
        # Whisper's fallback: decode again at the next temperature when the text looks
        # degenerate (repetitions). Sampling makes such segments vary between runs;
        # set 0.0 for fully repeatable (greedy/beam only) output.
        "temperature": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        "compute_type": "int8",
    }

    @cached_property
    def weights(self) -> Any:
        from emocurate.speech import whisper

        models = self.workspace.section("models") if self.workspace else {}
        return whisper.resolve(models)

    def fingerprint(self) -> Mapping[str, Any]:
        return self.weights.fingerprint()

    def run(self, ctx: VideoContext) -> pa.Table:
        from emocurate.speech import whisper

        audio = ctx.audio
        vid = ctx.source.video_id
        if audio.size == 0:
            return schemas.empty("asr_words")
        model = whisper.load_model(self.weights.path, str(self.settings["compute_type"]))
        segments, info = model.transcribe(audio, **whisper.transcribe_kwargs(self.settings))
        rows = []
        for seg_index, segment in enumerate(segments):
            for w in segment.words or []:
                text = w.word.strip()
                if not text:
                    continue
                rows.append(
                    {
                        "video_id": vid,
                        "word_index": len(rows),
                        "segment_index": seg_index,
                        "start": round(float(w.start), 3),
                        "end": round(float(max(w.end, w.start)), 3),
                        "word": text,
                        "prob": float(w.probability),
                        "language": info.language,
                        "language_prob": float(info.language_probability),
                    }
                )
        return schemas.from_rows(rows, "asr_words")
