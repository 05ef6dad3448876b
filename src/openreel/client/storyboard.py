"""A storyboard as the client sends it: scenes in order and the settings they share.

    from openreel.client.storyboard import Scene
    op = model.generate_storyboard([Scene("a lake at dawn", 4), Scene("a city at night", 4, "dissolve")],
                                   resolution="720p", seed=7, generate_audio=True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openreel.client.model import Image


@dataclass(frozen=True)
class Scene:
    prompt: str
    duration_seconds: int | None = None  # None: the model's default (8 s where it offers 8)
    transition: str | None = None  # how it follows the scene before: "cut" (default) or "dissolve"
    camera: str | None = None  # e.g. "dolly_in", "pan_left", "orbit", "static"

    def to_wire(self) -> dict[str, Any]:
        wire = {"prompt": self.prompt, "durationSeconds": self.duration_seconds, "transition": self.transition,
                "camera": self.camera}
        return {key: value for key, value in wire.items() if value is not None}


def storyboard_body(scenes: Sequence[Scene | dict[str, Any]], *, style: str | None = None,
                    aspect_ratio: str | None = None, resolution: str | None = None, seed: int | None = None,
                    generate_audio: bool | None = None, negative_prompt: str | None = None,
                    number_of_videos: int | None = None, reference_images: list[Image] | None = None,
                    reference_type: str = "style", webhook_url: str | None = None) -> dict[str, Any]:
    """The body of POST models/{model}:generateStoryboard. A scene may also be given as its wire
    dict ({"prompt", "durationSeconds", "transition", "camera"}); the server checks every field."""
    parameters = {"aspectRatio": aspect_ratio, "resolution": resolution, "seed": seed,
                  "generateAudio": generate_audio, "negativePrompt": negative_prompt, "sampleCount": number_of_videos}
    body: dict[str, Any] = {
        "scenes": [scene.to_wire() if isinstance(scene, Scene) else scene for scene in scenes],
        "parameters": {key: value for key, value in parameters.items() if value is not None}}
    if style:
        body["style"] = style
    if reference_images:
        body["referenceImages"] = [{"image": image.to_wire(), "referenceType": reference_type}
                                   for image in reference_images]
    if webhook_url:
        body["webhookConfig"] = {"uris": [webhook_url]}
    return body
