from __future__ import annotations

from pathlib import Path

import pytest

from emocurate.errors import UsageError
from emocurate.workspace import CONFIG_NAME, FOLDERS, Workspace


def test_init_creates_folders_and_config(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w")
    assert (ws.root / CONFIG_NAME).is_file()
    assert all((ws.root / f).is_dir() for f in FOLDERS)
    assert ws.pipeline_name == "default"
    assert ws.section("decode")["fps"] == 5.0


def test_open_finds_workspace_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.init(tmp_path / "w")
    monkeypatch.chdir(ws.root / "clips")
    assert Workspace.open().root == ws.root


def test_init_keeps_an_existing_config(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w")
    (ws.root / CONFIG_NAME).write_text("[decode]\nfps = 2.0\n")
    assert Workspace.init(ws.root).section("decode")["fps"] == 2.0


def test_bad_config_and_missing_workspace_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="emocurate init"):
        Workspace.open(tmp_path)
    ws = Workspace.init(tmp_path / "w")
    (ws.root / CONFIG_NAME).write_text("[decode\nfps=")
    with pytest.raises(UsageError, match="invalid TOML"):
        Workspace.open(ws.root)
