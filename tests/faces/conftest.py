"""Fixtures of the face backend tests: real face photos, loaded models shared per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FACES = Path(__file__).parents[1] / "fixtures" / "media" / "faces"


def load_rgb(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Every face photo of the fixtures (each holds exactly one face)."""
    return {p.name: load_rgb(p) for p in sorted(FACES.iterdir()) if p.suffix in {".jpg", ".png"}}


@pytest.fixture(scope="session")
def detector():
    pytest.importorskip("ai_edge_litert")
    from emocurate.faces.detector import BlazeFaceFullRange

    det = BlazeFaceFullRange()
    yield det
    det.close()


@pytest.fixture(scope="session")
def landmarker():
    pytest.importorskip("mediapipe")
    from emocurate.faces.landmarker import MediaPipeLandmarker

    lm = MediaPipeLandmarker()
    yield lm
    lm.close()
