"""Speech backends: Whisper model resolution and ASR, VAD, speaker embeddings,
diarization backends, turn grouping, prosody and WebVTT.

Heavy packages (faster-whisper, torch, parselmouth) are imported inside the
functions that need them, so `emocurate` imports without the `speech` extra.
"""
