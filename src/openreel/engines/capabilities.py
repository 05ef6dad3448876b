"""What a model can make, declared by its engine and narrowed by its catalog entry.

Request validation reads a model's Capabilities, so a parameter the model cannot honour (a last
frame on a text-only pipeline, 4k on a 480p model) is a 400 naming the field before anything is
queued, never an operation that fails later in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from openreel.domain.request import AspectRatio, ReferenceType, Resolution

ALL_DURATIONS = (4, 5, 6, 7, 8)
T = TypeVar("T")


@dataclass(frozen=True)
class Capabilities:
    durations: tuple[int, ...] = ALL_DURATIONS
    resolutions: tuple[Resolution, ...] = tuple(Resolution)
    aspect_ratios: tuple[AspectRatio, ...] = tuple(AspectRatio)
    text_to_video: bool = True  # a prompt alone; False: the model needs an image to animate
    image_to_video: bool = True  # instances[0].image: animate a first frame
    last_frame: bool = True  # instances[0].lastFrame: end on a given frame
    reference_types: frozenset[ReferenceType] = frozenset(ReferenceType)  # referenceImages kinds
    extension: bool = True  # instances[0].video: continue a clip
    # Whether its extension continues any clip it is given and returns the continuation alone, so
    # that a long video can be made of its clips (sequence/long_video.py). Google's Veo extends
    # only videos Veo made, and returns them whole: a remote Veo cannot.
    continues_any_clip: bool = True
    audio: bool = True  # generateAudio
    max_samples: int = 4

    def narrowed(self, limits: CatalogLimits) -> Capabilities:
        """These capabilities, limited further by what an operator's catalog entry allows (an
        entry can take capabilities away, never add one the engine lacks). The one thing an entry
        adds is length: on an engine that extends videos, durations longer than its longest clip
        are made of several clips (sequence/long_video.py)."""
        can_join = self.extension and self.continues_any_clip
        longer = tuple(d for d in limits.durations or () if d > max(self.durations)) if can_join else ()
        return replace(
            self, durations=_within(self.durations, limits.durations) + longer,
            resolutions=_within(self.resolutions, limits.resolutions),
            aspect_ratios=_within(self.aspect_ratios, limits.aspect_ratios),
            max_samples=min(self.max_samples, limits.max_samples or self.max_samples),
            audio=self.audio and limits.audio is not False)

    def to_wire(self) -> dict[str, object]:
        """As `GET models` shows them (camelCase, like the rest of the wire)."""
        return {"durationsSeconds": list(self.durations), "resolutions": [r.value for r in self.resolutions],
                "aspectRatios": [a.value for a in self.aspect_ratios], "textToVideo": self.text_to_video,
                "imageToVideo": self.image_to_video,
                "lastFrame": self.last_frame, "referenceImageTypes": sorted(t.value for t in self.reference_types),
                "videoExtension": self.extension, "audio": self.audio, "maxSamples": self.max_samples}


@dataclass(frozen=True)
class CatalogLimits:
    """The limits a catalog entry sets; None leaves the engine's own."""

    durations: tuple[int, ...] | None = None
    resolutions: tuple[Resolution, ...] | None = None
    aspect_ratios: tuple[AspectRatio, ...] | None = None
    max_samples: int | None = None
    audio: bool | None = None


def _within(mine: tuple[T, ...], allowed: tuple[T, ...] | None) -> tuple[T, ...]:
    return mine if allowed is None else tuple(value for value in allowed if value in mine)


def seconds_allowed(durations: tuple[int, ...]) -> str:
    """The durations in words: "one of 4, 6, 8", or "a whole number of seconds from 4 to 60"."""
    ordered = sorted(durations)
    if len(ordered) > 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"a whole number of seconds from {ordered[0]} to {ordered[-1]}"
    return f"one of {', '.join(map(str, ordered))}"
