"""Light and colour for each time of day, and the colour grade applied to every frame."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from openreel.engines.procedural.scene import SceneDescription, TimeOfDay

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Light:
    sky_top: RGB
    horizon: RGB
    sun: RGB
    # How bright lit surfaces are (1 at noon) and how high the sun/moon sits (0 horizon, 1 top).
    ambient: float
    sun_height: float
    is_night: bool = False


LIGHTS: dict[TimeOfDay, Light] = {
    TimeOfDay.DAWN: Light((0.32, 0.40, 0.66), (1.00, 0.74, 0.58), (1.0, 0.85, 0.65), 0.72, 0.12),
    TimeOfDay.GOLDEN_HOUR: Light((0.33, 0.52, 0.82), (1.00, 0.80, 0.48), (1.0, 0.82, 0.45), 0.88, 0.18),
    TimeOfDay.NOON: Light((0.16, 0.42, 0.88), (0.70, 0.84, 0.98), (1.0, 0.98, 0.92), 1.00, 0.80),
    TimeOfDay.SUNSET: Light((0.22, 0.17, 0.42), (1.00, 0.45, 0.20), (1.0, 0.55, 0.25), 0.62, 0.06),
    TimeOfDay.NIGHT: Light((0.008, 0.015, 0.05), (0.05, 0.07, 0.14), (0.85, 0.88, 0.95), 0.22, 0.70,
                           is_night=True),
}


def overcast(light: Light) -> Light:
    """Rain and snow skies: grey cloud cover, a hidden sun, flatter light."""
    grey = (0.55, 0.57, 0.6) if not light.is_night else (0.06, 0.065, 0.08)
    return replace(light, sky_top=mix(light.sky_top, grey, 0.8), horizon=mix(light.horizon, grey, 0.7),
                   sun=mix(light.sun, grey, 0.9), ambient=light.ambient * 0.7, sun_height=1.5)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def dimmed(rgb: RGB, amount: float) -> RGB:
    """The colour under less light (amount < 1), or more."""
    return (rgb[0] * amount, rgb[1] * amount, rgb[2] * amount)


def to_bytes(rgb: RGB) -> tuple[int, int, int]:
    return (int(np.clip(rgb[0], 0, 1) * 255), int(np.clip(rgb[1], 0, 1) * 255),
            int(np.clip(rgb[2], 0, 1) * 255))


def grade_lut(scene: SceneDescription) -> list[int]:
    """A 768-entry per-channel LUT for PIL's Image.point: filmic S-curve, tint, pastel lift."""
    x = np.linspace(0.0, 1.0, 256)
    # A gentle filmic curve: lifted toe, soft shoulder, so highlights roll off instead of clipping.
    curve = 0.02 + 0.96 * (3 * x**2 - 2 * x**3) * 0.55 + 0.96 * x * 0.45
    channels = []
    for c in range(3):
        y = curve.copy()
        if scene.tint is not None:
            y = y * (1 - scene.tint_strength) + y * scene.tint[c] * scene.tint_strength * 1.25
        if scene.pastel:
            y = 0.25 + 0.75 * y
        channels.append(np.clip(np.round(y * 255), 0, 255).astype(int))
    return [int(v) for ch in channels for v in ch]
