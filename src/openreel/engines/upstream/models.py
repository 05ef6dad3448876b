"""What Google's Veo models accept (veo-wire.md §5 and the Vertex model pages), so that a request
the remote would refuse is a 400 here, before it is queued or counted against the remote's limits.
A remote model that is not a Veo id (another openreel's own model) is taken to accept anything:
the remote's own 400 then reaches the caller unchanged."""

from __future__ import annotations

from dataclasses import replace

from openreel.domain.request import ReferenceType, Resolution
from openreel.engines.capabilities import Capabilities

VEO3_DURATIONS = (4, 6, 8)
HD = (Resolution.HD, Resolution.FULL_HD)


def veo_capabilities(remote_model: str, surface: str) -> Capabilities:
    return replace(_veo_capabilities(remote_model, surface), continues_any_clip=False)


def _veo_capabilities(remote_model: str, surface: str) -> Capabilities:
    model = remote_model.lower().removeprefix("models/")
    # The Gemini API makes one video per request for Veo 3 (two for Veo 2); Vertex up to four.
    samples = 4 if surface == "vertex" else 1
    if model.startswith("veo-2"):
        return Capabilities(durations=(5, 6, 7, 8), resolutions=(Resolution.HD,), audio=False, last_frame=True,
                            reference_types=frozenset(), extension=surface == "vertex",
                            max_samples=4 if surface == "vertex" else 2)
    if model.startswith("veo-3.0"):
        return Capabilities(durations=VEO3_DURATIONS, resolutions=HD, last_frame=False, reference_types=frozenset(),
                            extension=False, max_samples=samples)
    if model.startswith("veo-3.1") and "lite" in model:
        return Capabilities(durations=VEO3_DURATIONS, resolutions=HD, last_frame=False, reference_types=frozenset(),
                            extension=False, max_samples=samples)
    if model.startswith("veo-"):  # Veo 3.1 and 3.1 fast, and whatever Veo comes next
        return Capabilities(durations=VEO3_DURATIONS, resolutions=tuple(Resolution),
                            reference_types=frozenset({ReferenceType.ASSET}), max_samples=samples)
    return Capabilities()
