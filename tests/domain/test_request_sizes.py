"""Every resolution and aspect ratio maps to the exact frame size Google delivers, at 24 fps."""

from __future__ import annotations

import pytest

from openreel.domain.request import AspectRatio, GenerationRequest, Resolution


@pytest.mark.parametrize(("resolution", "aspect", "size"), [
    (Resolution.HD, AspectRatio.LANDSCAPE, (1280, 720)),
    (Resolution.HD, AspectRatio.PORTRAIT, (720, 1280)),
    (Resolution.FULL_HD, AspectRatio.LANDSCAPE, (1920, 1080)),
    (Resolution.FULL_HD, AspectRatio.PORTRAIT, (1080, 1920)),
    (Resolution.UHD, AspectRatio.LANDSCAPE, (3840, 2160)),
    (Resolution.UHD, AspectRatio.PORTRAIT, (2160, 3840)),
])
def test_size_per_resolution_and_aspect(resolution: Resolution, aspect: AspectRatio, size: tuple[int, int]) -> None:
    request = GenerationRequest(model="m", prompt="p", seed=0, resolution=resolution, aspect_ratio=aspect,
                                duration_seconds=6)
    assert (request.size, request.frame_count) == (size, 144)
