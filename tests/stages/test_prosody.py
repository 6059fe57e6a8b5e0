"""prosody stage: pitch, loudness and rate of real utterances; unvoiced spans give nulls."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from emocurate import schemas
from emocurate.ingest import ingest
from emocurate.stage import VideoContext
from emocurate.stages.prosody import ProsodyStage

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def test_prosody_of_real_and_silent_spans(workspace):
    source = ingest(workspace, [str(MEDIA / "speech" / "arctic_a0007.wav")]).added[0]
    utterances = [
        # the sentence (11 words) ...
        {"utterance_id": "u0", "utterance_index": 0, "speaker": "A", "start": 0.3, "end": 3.6,
         "text": "...", "n_words": 11},
        # ... and the silent tail of the file
        {"utterance_id": "u1", "utterance_index": 1, "speaker": "A", "start": 3.7, "end": 4.0,
         "text": "...", "n_words": 1},
    ]  # fmt: skip
    rows = [{"video_id": source.video_id, **u} for u in utterances]
    path = workspace.path("work", "test", "utterances.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(schemas.from_rows(rows, "utterances"), path)
    stage = ProsodyStage({}, workspace)
    out = stage.run(VideoContext(workspace, source, stage.settings, {"utterances": path}))
    speech, tail = out.to_pylist()
    # CMU ARCTIC "awb": an adult male voice.
    assert 85 < speech["pitch_min_hz"] < speech["pitch_mean_hz"] < speech["pitch_max_hz"] < 250
    assert 2 < speech["pitch_range_st"] < 18
    assert 0.3 < speech["voiced_fraction"] < 1
    assert -35 < speech["loudness_dbfs"] < -5
    assert abs(speech["speech_rate_wps"] - 11 / 3.3) < 1e-3
    assert tail["pitch_mean_hz"] is None and tail["pitch_range_st"] is None
    assert tail["loudness_dbfs"] < speech["loudness_dbfs"] - 20
