"""diarization: speaker turns, with speakers consistent within a video, from a backend
(offline `campplus` by default, `pyannote` when configured)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pyarrow as pa

from emocurate import schemas
from emocurate.stage import VideoContext, VideoStage, register


@register
class Diarization(VideoStage):
    """Who speaks when. The backend is a setting looked up in a registry, not a code path."""

    name = "diarization"
    version = "1"
    table = "speaker_turns"
    inputs = ("vad",)
    needs = frozenset({"audio"})
    requires = ("numpy", "scipy")
    extra = "speech"
    defaults = {
        "backend": "campplus",
        "num_speakers": 0,  # 0 = find the number of speakers automatically
        "max_speakers": 20,
        # campplus: cosine distance at which clusters stop merging (average linkage)
        "threshold": 0.55,
        "window": 1.5,
        "hop": 0.75,
        "min_window": 0.5,
    }

    @cached_property
    def backend(self) -> Any:
        from emocurate.speech.diarization import backend

        models = self.workspace.section("models") if self.workspace else {}
        return backend(str(self.settings["backend"]), self.settings, models)

    def fingerprint(self) -> Mapping[str, Any]:
        return {"backend": self.settings["backend"], **self.backend.fingerprint()}

    def run(self, ctx: VideoContext) -> pa.Table:
        regions = [(r["start"], r["end"]) for r in ctx.input("vad").to_pylist()]
        num = int(self.settings["num_speakers"]) or None
        turns = self.backend.diarize(ctx.audio, regions, num) if regions else []
        rows = [
            {
                "video_id": ctx.source.video_id,
                "turn_index": i,
                "speaker": t.speaker,
                "start": round(t.start, 3),
                "end": round(t.end, 3),
                "backend": self.backend.name,
            }
            for i, t in enumerate(turns)
        ]
        return schemas.from_rows(rows, "speaker_turns")
