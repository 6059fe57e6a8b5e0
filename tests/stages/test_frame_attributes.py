from __future__ import annotations

import math

import numpy as np
import pytest

from emocurate.stage import Frame
from emocurate.stages.frame_attributes import colorfulness, hue_saturation


def solid(r: int, g: int, b: int, size: int = 8) -> np.ndarray:
    return np.tile(np.array([r, g, b], np.uint8), (size, size, 1))


def test_colorfulness_follows_hasler_suesstrunk() -> None:
    assert colorfulness(solid(128, 128, 128)) == 0.0  # grey: no opponent colour at all
    # Pure red: rg = 255, yb = 127.5, no variance -> M = 0.3 * sqrt(255^2 + 127.5^2)
    assert colorfulness(solid(255, 0, 0)) == pytest.approx(0.3 * math.hypot(255, 127.5))
    half = np.concatenate([solid(255, 0, 0), solid(0, 0, 255)], axis=1)
    rg = np.array([255.0] * 64 + [0.0] * 64)
    yb = np.array([127.5] * 64 + [-255.0] * 64)
    expected = math.sqrt(rg.var() + yb.var()) + 0.3 * math.hypot(rg.mean(), yb.mean())
    assert colorfulness(half) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("rgb", "hue"), [((255, 0, 0), 0.0), ((0, 255, 0), 120.0), ((0, 0, 255), 240.0)]
)
def test_hue_of_primaries(rgb: tuple[int, int, int], hue: float) -> None:
    mean_hue, sat = hue_saturation(solid(*rgb))
    assert mean_hue == pytest.approx(hue, abs=0.051) and sat == pytest.approx(1.0)


def test_hue_is_a_circular_mean_and_undefined_for_grey() -> None:
    # 350 and 10 degrees average to 0, not 180.
    a = solid(255, 0, 43)  # hue ~ 350
    b = solid(255, 43, 0)  # hue ~ 10
    mean_hue, _ = hue_saturation(np.concatenate([a, b], axis=1))
    assert min(mean_hue, 360 - mean_hue) == pytest.approx(0.0, abs=0.5)
    assert hue_saturation(solid(90, 90, 90)) == (None, 0.0)


def test_brightness_is_bt601_luma() -> None:
    frame = Frame(0, 0.0, solid(255, 255, 255))
    assert float(frame.gray.mean()) == pytest.approx(1.0, abs=1e-6)
    assert float(Frame(0, 0.0, solid(0, 255, 0)).gray.mean()) == pytest.approx(0.587, abs=1e-6)
