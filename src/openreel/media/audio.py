"""Bring an engine's audio to what the encoder takes: stereo float32 at 48 kHz, exactly as long
as the video (a model's vocoder may run at 16 or 24 kHz, mono, and a little long or short)."""

from __future__ import annotations

import av
import numpy as np

from openreel.media.encode import AUDIO_RATE


def fit_stereo_48k(samples: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """`samples` as (channels, n) or (n,) floats at `rate` -> (2, 48000 * seconds) float32 in [-1, 1]."""
    audio = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    if audio.shape[0] > audio.shape[-1]:  # (n, channels): a time-major array
        audio = audio.T
    audio = np.repeat(audio[:1], 2, axis=0) if audio.shape[0] == 1 else audio[:2]
    audio = np.ascontiguousarray(np.clip(audio, -1.0, 1.0))
    if rate != AUDIO_RATE:
        audio = _resample(audio, rate)
    wanted = round(seconds * AUDIO_RATE)
    if audio.shape[1] < wanted:  # pad short audio with silence
        audio = np.pad(audio, ((0, 0), (0, wanted - audio.shape[1])))
    return np.ascontiguousarray(audio[:, :wanted], dtype=np.float32)


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    """FFmpeg's resampler (swresample), not an interpolation that would alias."""
    frame = av.AudioFrame.from_ndarray(audio, format="fltp", layout="stereo")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
    chunks = [f.to_ndarray() for f in resampler.resample(frame)] + [f.to_ndarray() for f in resampler.resample(None)]
    return np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), np.float32)
