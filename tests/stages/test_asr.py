"""asr stage: words, timestamps, probabilities and language from the default model."""

from __future__ import annotations

from pathlib import Path

from emocurate.ingest import ingest
from emocurate.stage import VideoContext
from emocurate.stages.asr import Asr

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"


def _ctx(workspace, path: Path, stage) -> VideoContext:
    source = ingest(workspace, [str(path)]).added[0]
    return VideoContext(workspace, source, stage.settings)


def test_words_of_a_real_sentence(workspace):
    stage = Asr({}, workspace)
    table = stage.run(_ctx(workspace, MEDIA / "speech" / "arctic_a0007.wav", stage))
    rows = table.to_pylist()
    words = [r["word"].strip(".,").lower() for r in rows]
    assert words == [
        "and",
        "you",
        "always",
        "want",
        "to",
        "see",
        "it",
        "in",
        "the",
        "superlative",
        "degree",
    ]
    assert [r["word_index"] for r in rows] == list(range(len(rows)))
    assert all(r["language"] == "en" and r["language_prob"] > 0.5 for r in rows)
    assert all(0 <= r["start"] <= r["end"] <= 4.1 for r in rows)
    assert all(0 < r["prob"] <= 1 for r in rows)


def test_language_can_be_set(workspace):
    stage = Asr({"language": "en"}, workspace)
    rows = stage.run(_ctx(workspace, MEDIA / "speech" / "arctic_a0007.wav", stage)).to_pylist()
    assert rows and all(r["language"] == "en" and r["language_prob"] == 1.0 for r in rows)


def test_cache_key_names_the_model_and_settings(workspace):
    a, b = Asr({}, workspace).identity(), Asr({"beam_size": 1}, workspace).identity()
    assert a["model"] == b["model"] and a["settings"] != b["settings"]
    assert {"name", "origin", "sha256"} <= set(a["model"])
