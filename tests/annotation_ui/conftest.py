"""One real Label Studio for the session: installed once (pinned venv), started on a free port.

The workspace is made by the real pipeline (ingest + default preset) from the demo
interview, so the clips pushed are real H.264 clips with their real frame rate.
"""

from __future__ import annotations

import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from emocurate.workspace import Workspace

ANNOTATORS = ("ann1@example.org", "ann2@example.org", "ann3@example.org")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "annotation_ui"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def set_url(ws: Workspace, url: str) -> Workspace:
    path = ws.root / "emocurate.toml"
    config = tomllib.loads(path.read_text())
    config.setdefault("label_studio", {})["url"] = url
    path.write_text(tomli_w.dumps(config))
    return Workspace.open(ws.root)


@pytest.fixture(scope="session")
def clip_workspace(tmp_path_factory: pytest.TempPathFactory, demo: Path) -> Workspace:
    """A workspace with the demo's clips (the lead's pipeline: ingest + default preset)."""
    from emocurate import ingest, runner

    ws = Workspace.init(tmp_path_factory.mktemp("annotate") / "study")
    ingest.ingest(ws, [str(demo)])
    summary = runner.run(ws, "default")
    assert summary.exit_code == 0, summary.rejects
    return ws


@pytest.fixture(scope="session")
def served(clip_workspace: Workspace) -> Iterator[Workspace]:
    """The workspace with its Label Studio running and three annotators registered."""
    from emocurate.annotation_ui import annotators, server

    ws = set_url(clip_workspace, f"http://127.0.0.1:{free_port()}")
    server.serve(ws, timeout=900)
    for email in ANNOTATORS:
        annotators.add(ws, email)
    yield ws
    server.stop(ws)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
