"""subtitles: a WebVTT file per clip (clips/<clip_id>.vtt) from the speaker-attributed
words, for annotators."""

from __future__ import annotations

import pyarrow as pa

from emocurate import schemas
from emocurate.errors import SkipVideo
from emocurate.media import sha256_file
from emocurate.speech.transcript import Word
from emocurate.speech.vtt import cues, render
from emocurate.stage import VideoContext, VideoStage, register
from emocurate.workspace import atomic_write_bytes


@register
class Subtitles(VideoStage):
    """Every clip gets a .vtt beside its .mp4 (a clip without speech gets a cue-less file,
    so the annotation UI can tell "no speech" from "not transcribed")."""

    name = "subtitles"
    version = "1"
    table = "subtitles"
    inputs = ("clips", "words")
    defaults = {
        "max_chars": 80,
        "max_seconds": 5.0,
        "max_pause": 1.0,
    }

    def run(self, ctx: VideoContext) -> pa.Table:
        clips = ctx.input("clips").to_pylist()
        if not clips:
            raise SkipVideo("no clips")
        words = [
            Word(r["start"], r["end"], r["word"], r["prob"], r["speaker"])
            for r in ctx.input("words").to_pylist()
        ]
        rows = []
        for clip in clips:
            cue_list = cues(
                words,
                clip["start"],
                clip["end"],
                int(self.settings["max_chars"]),
                float(self.settings["max_seconds"]),
                float(self.settings["max_pause"]),
            )
            path = ctx.workspace.path("clips", f"{clip['clip_id']}.vtt")
            atomic_write_bytes(path, render(cue_list).encode("utf-8"))
            rows.append(
                {
                    "video_id": ctx.source.video_id,
                    "clip_id": clip["clip_id"],
                    "path": ctx.workspace.relative(path),
                    "sha256": sha256_file(path),
                    "n_cues": len(cue_list),
                }
            )
        return schemas.from_rows(rows, "subtitles")
