"""Ambient sound that fits the scene: wind, water, rain, city hum, birdsong, a drone for space,
room tone for a studio. Noise is shaped in the frequency domain; the mix is normalised."""

from __future__ import annotations

import numpy as np

from openreel.engines.procedural.scene import SceneDescription, Setting, TimeOfDay, Weather

RATE = 48_000
TARGET_RMS_DBFS = -23.0
PEAK_CEILING = 0.89  # -1 dBFS


def _shaped_noise(rng: np.random.Generator, n: int, low: float, high: float, tilt: float = 0.0) -> np.ndarray:
    """Band-limited noise between low and high Hz; tilt < 0 darkens it (e.g. -1 is pink-ish)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    band = 1 / (1 + (low / np.maximum(freqs, 1.0)) ** 4) / (1 + (freqs / high) ** 4)
    shaped = np.fft.irfft(spectrum * band * np.maximum(freqs, 20.0) ** (tilt / 2), n)
    return shaped / (np.std(shaped) + 1e-9)


def _swell(rng: np.random.Generator, t: np.ndarray, rate_hz: float, depth: float) -> np.ndarray:
    phase = rng.uniform(0, 2 * np.pi)
    slow = np.sin(2 * np.pi * rate_hz * t + phase) + 0.5 * np.sin(2 * np.pi * rate_hz * 2.3 * t + phase * 1.7)
    return 1 - depth + depth * (0.5 + 0.5 * slow / 1.5)


def _chirps(rng: np.random.Generator, t: np.ndarray, count: int) -> np.ndarray:
    out = np.zeros_like(t)
    for _ in range(count):
        start = rng.uniform(0, t[-1] - 0.3)
        length = rng.uniform(0.05, 0.14)
        f0, f1 = rng.uniform(2500, 4200), rng.uniform(3000, 6000)
        mask = (t >= start) & (t < start + length)
        local = t[mask] - start
        envelope = np.sin(np.pi * local / length) ** 2
        out[mask] += envelope * np.sin(2 * np.pi * (f0 * local + (f1 - f0) * local**2 / (2 * length)))
    return out


def ambient(scene: SceneDescription, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Stereo float32 audio, shape (2, seconds * 48000), loudness-normalised."""
    n = int(round(seconds * RATE))
    t = np.arange(n) / RATE
    channels = []
    for _ in range(2):
        mix = np.zeros(n)
        nature = scene.setting in (Setting.MOUNTAINS, Setting.FOREST, Setting.DESERT, Setting.SKY, Setting.SEA)
        if nature or scene.weather is Weather.SNOW:
            mix += 0.5 * _shaped_noise(rng, n, 60, 700, -1) * _swell(rng, t, 0.12, 0.7)
        if scene.has_water or scene.setting is Setting.SEA:
            mix += 0.7 * _shaped_noise(rng, n, 150, 2200, -0.5) * _swell(rng, t, 0.16, 0.85)
        if scene.weather is Weather.RAIN:
            mix += 1.6 * _shaped_noise(rng, n, 900, 12000, 0.0) * _swell(rng, t, 0.05, 0.15)
        if scene.setting is Setting.CITY:
            hum = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((60, 120, 180), start=1))
            mix += 0.25 * hum + 0.8 * _shaped_noise(rng, n, 40, 900, -1.5) * _swell(rng, t, 0.2, 0.6)
        if scene.setting is Setting.SPACE:
            mix += sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (55.0, 82.4, 110.3)) * 0.35
        if scene.setting in (Setting.PRODUCT, Setting.ABSTRACT):
            mix += 0.15 * _shaped_noise(rng, n, 80, 3000, -1)
        if scene.time_of_day is TimeOfDay.DAWN and nature:
            mix += 0.35 * _chirps(rng, t, int(seconds * 3))
        if not mix.any():
            mix += 0.2 * _shaped_noise(rng, n, 60, 2000, -1)
        channels.append(mix)
    left, right = channels
    stereo = np.stack([0.75 * left + 0.25 * right, 0.25 * left + 0.75 * right])
    return _normalise(stereo).astype(np.float32)


def _normalise(audio: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(audio**2))) + 1e-12
    audio = audio * (10 ** (TARGET_RMS_DBFS / 20) / rms)
    peak = float(np.max(np.abs(audio)))
    if peak > PEAK_CEILING:
        audio *= PEAK_CEILING / peak
    fade = int(0.03 * RATE)
    ramp = np.linspace(0, 1, fade)
    audio[:, :fade] *= ramp
    audio[:, -fade:] *= ramp[::-1]
    return audio
