"""Speech regions with Silero VAD v6, the ONNX model shipped inside faster-whisper."""

from __future__ import annotations

import numpy as np

from emocurate.errors import MissingExtraError

RATE = 16_000


def speech_regions(
    audio: np.ndarray,
    *,
    threshold: float = 0.5,
    min_speech_ms: int = 250,
    min_silence_ms: int = 300,
    pad_ms: int = 100,
) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in 16 kHz mono audio; [] for silence or no samples."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        raise MissingExtraError(
            "VAD needs faster-whisper: pip install 'emocurate[speech]'"
        ) from None
    if audio.size < 512:  # shorter than one Silero window
        return []
    options = VadOptions(
        threshold=threshold,
        min_speech_duration_ms=min_speech_ms,
        min_silence_duration_ms=min_silence_ms,
        speech_pad_ms=pad_ms,
    )
    stamps = get_speech_timestamps(np.ascontiguousarray(audio, dtype=np.float32), options)
    duration = audio.size / RATE
    return [
        (max(0.0, s["start"] / RATE), min(duration, s["end"] / RATE))
        for s in stamps
        if s["end"] > s["start"]
    ]
