"""utterances stage and the `utterances` clip strategy."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from emocurate import schemas
from emocurate.ingest import ingest
from emocurate.stage import VideoContext
from emocurate.stages.clips import STRATEGIES, Clips
from emocurate.stages.utterances import Utterances

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def _ctx(workspace, settings, inputs: dict[str, tuple[str, list[dict]]]) -> VideoContext:
    source = ingest(workspace, [str(MEDIA / "demo_interview.mp4")]).added[0]
    paths = {}
    for name, (table_name, rows) in inputs.items():
        rows = [{"video_id": source.video_id, **r} for r in rows]
        paths[name] = workspace.path("work", "test", f"{name}.parquet")
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schemas.from_rows(rows, table_name), paths[name])
    return VideoContext(workspace, source, settings, paths)


def _word(i, start, end, word, speaker):
    return {
        "word_index": i,
        "start": start,
        "end": end,
        "word": word,
        "prob": 0.9,
        "speaker": speaker,
    }


WORDS = [
    _word(0, 0.2, 0.5, "And", "SPEAKER_00"),
    _word(1, 0.5, 0.9, "so,", "SPEAKER_00"),
    _word(2, 3.0, 3.4, "ask", "SPEAKER_00"),  # 2.1 s pause: new utterance
    _word(3, 3.4, 3.8, "not.", "SPEAKER_00"),
    _word(4, 12.9, 13.3, "And", "SPEAKER_01"),
    _word(5, 13.3, 13.6, "you", "SPEAKER_01"),
]
ASR = [
    {"word_index": 0, "segment_index": 0, "start": 0.2, "end": 0.5, "word": "And", "language": "en"}
]


def test_utterances_group_words_into_turns(workspace):
    stage = Utterances({}, workspace)
    ctx = _ctx(workspace, stage.settings, {"words": ("words", WORDS), "asr": ("asr_words", ASR)})
    rows = stage.run(ctx).to_pylist()
    vid = ctx.source.video_id
    assert [(r["utterance_id"], r["speaker"], r["text"], r["n_words"]) for r in rows] == [
        (f"{vid}_u0000", "SPEAKER_00", "And so,", 2),
        (f"{vid}_u0001", "SPEAKER_00", "ask not.", 2),
        (f"{vid}_u0002", "SPEAKER_01", "And you", 2),
    ]
    assert [(r["start"], r["end"]) for r in rows] == [(0.2, 0.9), (3.0, 3.8), (12.9, 13.6)]
    assert {r["language"] for r in rows} == {"en"}


def test_utterance_clip_strategy(workspace):
    utterances = [
        {"utterance_id": "u0", "utterance_index": 0, "speaker": "A", "start": 0.2, "end": 0.9,
         "text": "And so,", "n_words": 2},
        {"utterance_id": "u1", "utterance_index": 1, "speaker": "A", "start": 1.2, "end": 3.8,
         "text": "ask not.", "n_words": 2},
        {"utterance_id": "u2", "utterance_index": 2, "speaker": "B", "start": 12.9, "end": 15.6,
         "text": "And you", "n_words": 2},
    ]  # fmt: skip
    settings = dict(
        Clips.defaults, strategy="utterances", min_duration=1.0, padding=0.25, merge_gap=0.5
    )
    ctx = _ctx(workspace, settings, {"utterances": ("utterances", utterances)})
    fn, needs = STRATEGIES["utterances"]
    assert needs == "utterances"
    segments = fn(ctx, settings)
    # u0 (0.7 s) merges into u1 (same speaker, 0.3 s apart); u2 stands alone; padding 0.25 s.
    assert [(round(s.start, 3), round(s.end, 3), s.index) for s in segments] == [
        (0.0, 4.05, 0),
        (12.65, 15.85, 2),
    ]
