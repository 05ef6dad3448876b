"""Integrated loudness per ITU-R BS.1770-4 (LUFS): K-weighting, 400 ms blocks with 75 % overlap,
an absolute gate at -70 LUFS and a relative gate 10 LU under the ungated level.

The K-weighting filter's magnitude response is applied in the frequency domain; the measure
depends only on energy, so the IIR filter's phase makes no difference to it."""

from __future__ import annotations

import numpy as np

# The two K-weighting biquads at 48 kHz: a high-frequency shelf, then the RLB high-pass.
_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))
RATE = 48_000


def _response(freqs: np.ndarray, b: tuple[float, ...], a: tuple[float, ...]) -> np.ndarray:
    z = np.exp(-2j * np.pi * freqs / RATE)
    numerator = b[0] + b[1] * z + b[2] * z**2
    denominator = a[0] + a[1] * z + a[2] * z**2
    gain: np.ndarray = np.abs(numerator / denominator)
    return gain


def k_weighted(audio: np.ndarray) -> np.ndarray:
    """audio: (channels, samples) at 48 kHz."""
    n = audio.shape[-1]
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    gain = _response(freqs, *_SHELF) * _response(freqs, *_HIGHPASS)
    weighted: np.ndarray = np.fft.irfft(np.fft.rfft(audio, axis=-1) * gain, n, axis=-1)
    return weighted


def integrated_loudness(audio: np.ndarray) -> float:
    """LUFS of (channels, samples) float audio at 48 kHz; -inf for silence."""
    weighted = k_weighted(np.atleast_2d(audio))
    block, step = int(0.4 * RATE), int(0.1 * RATE)
    if weighted.shape[-1] < block:
        block = step = weighted.shape[-1]
    starts = range(0, weighted.shape[-1] - block + 1, step)
    energies = np.array([float(np.sum(np.mean(weighted[:, s:s + block] ** 2, axis=-1))) for s in starts])
    loudness = -0.691 + 10 * np.log10(np.maximum(energies, 1e-20))
    above_absolute = energies[loudness > -70]
    if above_absolute.size == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * np.log10(above_absolute.mean()) - 10
    gated = above_absolute[-0.691 + 10 * np.log10(above_absolute) > relative_gate]
    return float(-0.691 + 10 * np.log10(gated.mean()))
