"""Ambient sound that fits the scene: wind, water, rain, city hum, birdsong, a drone for space,
room tone for a studio. Noise is shaped in the frequency domain; the mix is normalised."""

from __future__ import annotations

import numpy as np

from openreel.engines.procedural.scene import SceneDescription, Setting, TimeOfDay, Weather
from openreel.media.loudness import integrated_loudness

RATE = 48_000
REFERENCE_LUFS = -23.0  # EBU R 128; each scene sits a few LU above or below it
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


def _thunder(rng: np.random.Generator, t: np.ndarray, start: float) -> np.ndarray:
    """A rumble: dark noise with a sharp attack and a long, uneven decay."""
    after = np.clip(t - start, 0, None)
    envelope = (t >= start) * np.exp(-after / 1.4) * (1 - np.exp(-after / 0.02))
    rumble: np.ndarray = 3.0 * _shaped_noise(rng, t.size, 25, 300, -2) * envelope
    return rumble


def ambient(scene: SceneDescription, seconds: float, rng: np.random.Generator,
            rain_onset: float = 0.0, thunder_at: tuple[float, ...] = ()) -> np.ndarray:
    """Stereo float32 audio, shape (2, seconds * 48000), normalised to the scene's loudness.
    rain_onset: seconds over which the rain fades in (as it does on screen); thunder_at: when
    each thunderclap arrives."""
    n = int(round(seconds * RATE))
    t = np.arange(n) / RATE
    channels = []
    for _ in range(2):
        mix = np.zeros(n)
        nature = scene.setting in (Setting.MOUNTAINS, Setting.FOREST, Setting.DESERT, Setting.SKY, Setting.SEA,
                                   Setting.SNOWFIELD)
        if nature or scene.weather is Weather.SNOW:
            mix += 0.5 * _shaped_noise(rng, n, 60, 700, -1) * _swell(rng, t, 0.12, 0.7)
        if scene.has_water or scene.setting is Setting.SEA:
            mix += 0.7 * _shaped_noise(rng, n, 150, 2200, -0.5) * _swell(rng, t, 0.16, 0.85)
        if scene.weather is Weather.RAIN:
            fade = np.clip(t / rain_onset, 0, 1) if rain_onset > 0 else 1.0
            mix += 1.6 * _shaped_noise(rng, n, 900, 12000, 0.0) * _swell(rng, t, 0.05, 0.15) * fade
        if scene.setting is Setting.CITY:
            hum = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((60, 120, 180), start=1))
            mix += 0.25 * hum + 0.8 * _shaped_noise(rng, n, 40, 900, -1.5) * _swell(rng, t, 0.2, 0.6)
        if scene.road is not None and scene.setting is not Setting.CITY:  # traffic passing on the road
            mix += 0.5 * _shaped_noise(rng, n, 50, 1200, -1.2) * _swell(rng, t, 0.25, 0.5)
        if scene.setting is Setting.UNDERWATER:  # the muffled rumble of deep water
            mix += 0.8 * _shaped_noise(rng, n, 25, 350, -1.5) * _swell(rng, t, 0.1, 0.6)
        if scene.setting is Setting.SPACE:
            mix += sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (55.0, 82.4, 110.3)) * 0.35
        if scene.setting in (Setting.PRODUCT, Setting.ABSTRACT):
            mix += 0.15 * _shaped_noise(rng, n, 80, 3000, -1)
        if scene.time_of_day is TimeOfDay.DAWN and nature:
            mix += 0.35 * _chirps(rng, t, int(seconds * 3))
        if not mix.any():
            mix += 0.2 * _shaped_noise(rng, n, 60, 2000, -1)
        for start in thunder_at:
            mix += _thunder(rng, t, start)
        channels.append(mix)
    left, right = channels
    stereo = np.stack([0.75 * left + 0.25 * right, 0.25 * left + 0.75 * right])
    return _normalise(stereo, REFERENCE_LUFS + scene.intensity_lu).astype(np.float32)


def _normalise(audio: np.ndarray, target_lufs: float) -> np.ndarray:
    """Gain to the target integrated loudness, then a soft knee above -6 dBFS so rare peaks
    (a thunderclap) round off under the -1 dBFS ceiling instead of clipping."""
    audio = audio * 10 ** ((target_lufs - integrated_loudness(audio)) / 20)
    knee = 0.5
    over = np.abs(audio) > knee
    if over.any():
        excess = np.abs(audio[over]) - knee
        audio[over] = np.sign(audio[over]) * (knee + (PEAK_CEILING - knee) * np.tanh(excess / (PEAK_CEILING - knee)))
    fade = int(0.03 * RATE)
    ramp = np.linspace(0, 1, fade)
    audio[:, :fade] *= ramp
    audio[:, -fade:] *= ramp[::-1]
    return audio
