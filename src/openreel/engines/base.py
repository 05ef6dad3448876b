"""The Engine protocol every generation backend implements, and what crosses it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from openreel.domain.request import GenerationRequest


class RenderContext(Protocol):
    """How an engine reports progress and learns it must stop; one per sample being rendered."""

    def report(self, done_frames: int, total_frames: int) -> None:
        """Tell the service how far this sample has got."""

    def raise_if_cancelled(self) -> None:
        """Raise (Cancelled or DeadlineExceeded) if the operation must stop; call between steps."""


@dataclass
class Clip:
    """One rendered sample. `frames` is lazy so encoding can run while later frames render."""

    width: int
    height: int
    fps: int
    frame_count: int
    frames: Iterator[np.ndarray]
    # float32, shape (2, samples) at 48 kHz, in [-1, 1]; None for a silent clip.
    audio: np.ndarray | None = None


class Engine(Protocol):
    """A generation backend, registered under the `openreel.engines` entry-point group."""

    name: str
    # Shown to users (e.g. in `GET models`), so a procedural renderer never passes for a model.
    description: str

    def __init__(self, options: dict[str, Any]) -> None: ...

    def enhance_prompt(self, request: GenerationRequest) -> str:
        """Return the richer, deterministic shot description used when enhancePrompt is set."""

    def generate(self, request: GenerationRequest, sample_index: int, ctx: RenderContext) -> Clip:
        """Render sample `sample_index` of `request`; must be deterministic in request.seed."""
