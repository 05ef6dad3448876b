"""A storyboard: the ordered scenes of one video, each drawn by its own engine call and joined
(sequence/storyboard.py) with a cut or a cross-dissolve where one scene gives way to the next."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openreel.domain.request import ReferenceImage

# A minute: the longest video openreel makes.
MAX_STORYBOARD_SECONDS = 60
MAX_SCENES = 20


class Transition(StrEnum):
    """How a scene follows the one before it (the first scene's is not used)."""

    CUT = "cut"
    DISSOLVE = "dissolve"  # half a second: a quarter second of each scene, blended


class CameraDirection(StrEnum):
    """A scene's camera move, given to the engine in words, as a prompt would say it."""

    STATIC = "static"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    DOLLY_IN = "dolly_in"
    DOLLY_OUT = "dolly_out"
    ORBIT = "orbit"
    AERIAL = "aerial"
    TRACKING = "tracking"

    @property
    def words(self) -> str:
        return _WORDS[self]


_WORDS = {
    CameraDirection.STATIC: "static shot, locked-off camera",
    CameraDirection.PAN_LEFT: "the camera pans left",
    CameraDirection.PAN_RIGHT: "the camera pans right",
    CameraDirection.TILT_UP: "the camera tilts up",
    CameraDirection.TILT_DOWN: "the camera tilts down",
    CameraDirection.DOLLY_IN: "the camera dollies in",
    CameraDirection.DOLLY_OUT: "the camera dollies out, pulling back",
    CameraDirection.ORBIT: "the camera orbits the subject",
    CameraDirection.AERIAL: "aerial drone shot gliding over the scene",
    CameraDirection.TRACKING: "tracking shot following the subject",
}


@dataclass(frozen=True)
class Scene:
    prompt: str  # as the caller wrote it, with the storyboard's shared style added
    duration_seconds: int
    transition: Transition = Transition.CUT
    camera: CameraDirection | None = None
    # This scene's own references (a saved character it names), beside the storyboard's.
    reference_images: tuple[ReferenceImage, ...] = ()

    @property
    def engine_prompt(self) -> str:
        """What the engine is asked to draw: the prompt, and the camera move in words."""
        return self.prompt if self.camera is None else f"{self.prompt}, {self.camera.words}"
