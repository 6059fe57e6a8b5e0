"""Diarization: clustering rules, the offline CAM++ backend on real voices, and the
pyannote backend's configuration and error paths."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from emocurate.errors import MissingExtraError, ModelNotFoundError, UsageError
from emocurate.media import load_audio
from emocurate.speech import diarization
from emocurate.speech.diarization import Turn, cluster, relabel, turns_from_windows, windows

MEDIA = Path(__file__).parents[1] / "fixtures" / "media"
SETTINGS = {
    "window": 1.5,
    "hop": 0.75,
    "min_window": 0.5,
    "threshold": 0.55,
    "max_speakers": 20,
}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_windows_cover_regions():
    wins = windows([(0.0, 1.0), (2.0, 5.0)], length=1.5, hop=0.75)
    assert wins[0] == (0, 0.0, 1.0)
    second = [w for w in wins if w[0] == 1]
    assert second[0][1] == 2.0 and second[-1][2] == 5.0
    assert all(e - s <= 1.5 + 1e-9 for _, s, e in wins)


def test_cluster_finds_the_number_of_speakers():
    rng = np.random.default_rng(0)
    centres = _unit(rng.normal(size=(3, 192)))
    points = np.concatenate([centres[k] + 0.03 * rng.normal(size=(6, 192)) for k in range(3)])
    labels = cluster(_unit(points), threshold=0.55)
    assert len(set(labels)) == 3
    assert all(len(set(labels[k * 6 : (k + 1) * 6])) == 1 for k in range(3))
    one = cluster(_unit(centres[0] + 0.03 * rng.normal(size=(8, 192))), threshold=0.55)
    assert set(one) == {0}
    assert len(set(cluster(_unit(points), threshold=0.55, num_speakers=2))) == 2
    assert cluster(np.zeros((0, 192)), 0.55).size == 0


def test_turns_change_midway_through_the_window_overlap():
    regions = [(0.0, 3.0)]
    wins = [(0, 0.0, 1.5), (0, 0.75, 2.25), (0, 1.5, 3.0)]
    turns = turns_from_windows(regions, wins, [7, 7, 3])
    assert turns == [Turn(0.0, 1.875, "SPEAKER_00"), Turn(1.875, 3.0, "SPEAKER_01")]


def test_relabel_by_first_appearance():
    turns = relabel([Turn(5, 6, "x"), Turn(0, 1, "y"), Turn(2, 3, "x")])
    assert [t.speaker for t in turns] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_01"]
    assert [t.start for t in turns] == [0, 2, 5]


def test_campplus_keeps_speakers_consistent_across_turns():
    """A-B-A from two real voices: the returning speaker gets the same label."""
    from emocurate.speech.vad import speech_regions

    jfk = load_audio(MEDIA / "speech" / "jfk.wav")
    arctic = load_audio(MEDIA / "speech" / "arctic_a0007.wav")
    gap = np.zeros(8000, np.float32)
    audio = np.concatenate([jfk[: 16000 * 5], gap, arctic, gap, jfk[16000 * 5 :]])
    b_start, b_end = 5.5, 5.5 + arctic.size / 16000
    backend = diarization.backend("campplus", SETTINGS, {})
    turns = backend.diarize(audio, speech_regions(audio), None)
    assert {t.speaker for t in turns} == {"SPEAKER_00", "SPEAKER_01"}
    for t in turns:
        middle = (t.start + t.end) / 2
        expected = "SPEAKER_01" if b_start <= middle <= b_end else "SPEAKER_00"
        assert t.speaker == expected, turns
    assert backend.fingerprint()["sha256"]


def test_unknown_backend_is_a_usage_error():
    with pytest.raises(UsageError, match="known: campplus, pyannote"):
        diarization.backend("nope", SETTINGS, {})


def test_pyannote_without_configured_pipeline_says_what_to_set():
    with pytest.raises(ModelNotFoundError, match=r"\[models\] pyannote"):
        diarization.backend("pyannote", SETTINGS, {})


def test_pyannote_not_installed_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyannote", None)
    monkeypatch.setitem(sys.modules, "pyannote.audio", None)
    with pytest.raises(MissingExtraError, match="pip install pyannote.audio"):
        diarization.backend("pyannote", SETTINGS, {"pyannote": "pyannote/speaker-diarization-3.1"})


class _Segment:
    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end


class _Annotation:
    def __init__(self, tracks):
        self.tracks = tracks

    def itertracks(self, yield_label: bool = False):
        for start, end, label in self.tracks:
            yield _Segment(start, end), None, label


def _fake_pyannote(monkeypatch, from_pretrained):
    """A stand-in pyannote.audio module: checks our adapter's calls and conversions."""
    audio = types.ModuleType("pyannote.audio")
    audio.Pipeline = type("Pipeline", (), {"from_pretrained": staticmethod(from_pretrained)})
    pkg = types.ModuleType("pyannote")
    pkg.audio = audio
    monkeypatch.setitem(sys.modules, "pyannote", pkg)
    monkeypatch.setitem(sys.modules, "pyannote.audio", audio)


def test_pyannote_adapter_loads_hub_name_with_token_and_relabels(monkeypatch):
    calls = {}

    class Output:  # pyannote 4 returns an object holding the annotation
        speaker_diarization = _Annotation(
            [(3.0, 4.0, "spk_7"), (0.5, 2.0, "spk_2"), (5, 6, "spk_7")]
        )

    def from_pretrained(checkpoint, token=None):
        calls["load"] = (checkpoint, token)

        def pipeline(file, **kwargs):
            calls["file"], calls["kwargs"] = file, kwargs
            return Output()

        return pipeline

    _fake_pyannote(monkeypatch, from_pretrained)
    backend = diarization.backend(
        "pyannote", SETTINGS, {"pyannote": "org/pipeline", "pyannote_token": "secret"}
    )
    turns = backend.diarize(np.zeros(16000, np.float32), [], 2)
    assert calls["load"] == ("org/pipeline", "secret")
    assert calls["file"]["sample_rate"] == 16000 and tuple(calls["file"]["waveform"].shape) == (
        1,
        16000,
    )
    assert calls["kwargs"] == {"num_speakers": 2}
    assert turns == [
        Turn(0.5, 2.0, "SPEAKER_00"),
        Turn(3.0, 4.0, "SPEAKER_01"),
        Turn(5.0, 6.0, "SPEAKER_01"),
    ]
    assert "secret" not in str(backend.fingerprint())


def test_pyannote_hub_failure_is_one_line_model_error(monkeypatch):
    def from_pretrained(checkpoint, token=None):
        raise OSError("couldn't connect to the hub\nlong traceback text")

    _fake_pyannote(monkeypatch, from_pretrained)
    backend = diarization.backend("pyannote", SETTINGS, {"pyannote": "org/pipeline"})
    with pytest.raises(ModelNotFoundError) as err:
        backend.diarize(np.zeros(16000, np.float32), [], None)
    assert "\n" not in str(err.value) and "[models] pyannote" in str(err.value)


def test_pyannote_missing_local_directory(monkeypatch, tmp_path):
    _fake_pyannote(monkeypatch, lambda checkpoint, token=None: None)
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        diarization.backend("pyannote", SETTINGS, {"pyannote": str(tmp_path / "missing")})


def test_pyannote_local_directory_is_loaded_and_hashed(monkeypatch, tmp_path):
    (tmp_path / "config.yaml").write_text("pipeline: {}\n")
    loaded = []

    def from_pretrained(checkpoint, token=None):
        loaded.append(checkpoint)
        return lambda file, **kwargs: _Annotation([(0.0, 1.0, "A")])

    _fake_pyannote(monkeypatch, from_pretrained)
    backend = diarization.backend("pyannote", SETTINGS, {"pyannote": str(tmp_path)})
    assert loaded == []  # loaded in the worker on first use, not when planning
    assert len(backend.fingerprint()["sha256"]) == 64
    assert backend.diarize(np.zeros(1600, np.float32), [], None) == [Turn(0.0, 1.0, "SPEAKER_00")]
    assert loaded == [str(tmp_path)]  # pyannote 4 (token= signature) takes the directory
