"""Prosody of speech spans with Praat (parselmouth): pitch, intensity, loudness, rate.

Pitch and intensity are computed once over the whole audio and sliced per span,
which is both faster and free of edge effects at short spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emocurate.errors import MissingExtraError
from emocurate.media import rms_dbfs

RATE = 16_000


@dataclass(frozen=True)
class Contours:
    pitch_t: np.ndarray
    pitch_hz: np.ndarray  #: 0 where unvoiced
    intensity_t: np.ndarray
    intensity_db: np.ndarray


def contours(
    audio: np.ndarray, pitch_floor: float = 75.0, pitch_ceiling: float = 600.0
) -> Contours:
    """Praat pitch (autocorrelation, 10 ms) and intensity contours of 16 kHz mono audio."""
    try:
        import parselmouth
    except ImportError:
        raise MissingExtraError(
            "prosody needs praat-parselmouth: pip install 'emocurate[speech]'"
        ) from None
    empty = np.zeros(0)
    # Praat needs a few pitch periods of signal to analyse at all.
    if audio.size < int(3.0 / pitch_floor * RATE) + 1:
        return Contours(empty, empty, empty, empty)
    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=RATE)
    pitch = sound.to_pitch(time_step=0.01, pitch_floor=pitch_floor, pitch_ceiling=pitch_ceiling)
    f0 = pitch.selected_array["frequency"]
    try:
        intensity = sound.to_intensity(minimum_pitch=pitch_floor, time_step=0.01)
        it, idb = intensity.xs(), intensity.values[0]
    except parselmouth.PraatError:  # too short for the intensity window
        it, idb = empty, empty
    return Contours(pitch.xs(), f0, it, idb)


@dataclass(frozen=True)
class Prosody:
    pitch_mean_hz: float | None
    pitch_min_hz: float | None
    pitch_max_hz: float | None
    pitch_range_st: float | None
    voiced_fraction: float | None
    loudness_dbfs: float | None
    intensity_db: float | None
    speech_rate_wps: float | None


def measure(
    audio: np.ndarray, c: Contours, spans: Sequence[tuple[float, float, int]]
) -> list[Prosody]:
    """Prosody of each (start, end, n_words) span."""
    out = []
    for start, end, n_words in spans:
        in_span = (c.pitch_t >= start) & (c.pitch_t < end)
        f0 = c.pitch_hz[in_span]
        voiced = f0[f0 > 0]
        if voiced.size >= 2:
            lo, hi = np.percentile(voiced, [5, 95])
            pitch = (float(voiced.mean()), float(lo), float(hi), float(12 * np.log2(hi / lo)))
        elif voiced.size == 1:
            pitch = (float(voiced[0]), float(voiced[0]), float(voiced[0]), 0.0)
        else:
            pitch = (None, None, None, None)
        inten = c.intensity_db[(c.intensity_t >= start) & (c.intensity_t < end)]
        inten = inten[np.isfinite(inten)]
        duration = end - start
        out.append(
            Prosody(
                *pitch,
                voiced_fraction=float(voiced.size / f0.size) if f0.size else None,
                loudness_dbfs=rms_dbfs(audio[int(start * RATE) : int(end * RATE)]),
                intensity_db=float(inten.mean()) if inten.size else None,
                speech_rate_wps=n_words / duration if duration > 0 else None,
            )
        )
    return out
