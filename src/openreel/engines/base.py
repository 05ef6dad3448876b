"""The Engine contract (second version) every generation backend implements, and what crosses it.

One call per operation: `generate` gets the whole request and returns one Sample per requested
video, so an engine batches samples when it can (a diffusion pipeline) or makes them one by one
(the procedural renderer). A Sample is either frames (+ audio) for the worker to encode, or an
MP4 the engine already encoded (a remote API's answer), which the worker checks and stores as is.

The worker drives the lifecycle: `__init__` only reads options (the API process builds engines
to read their capabilities, so it must stay cheap: no weights, no torch import), `load()` before
the first job, `close()` when the process stops; `load()` again after `close()` works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, overload

import numpy as np

from openreel.domain.request import GenerationRequest
from openreel.engines.capabilities import Capabilities


class RunContext(Protocol):
    """What an engine sees of its operation while it runs."""

    @property
    def scratch_dir(self) -> Path:
        """A private folder for files the engine writes (e.g. EncodedVideo), removed after the run."""

    def report(self, fraction: float, phase: str) -> None:
        """How far the whole job has got (0.0-1.0) and what it is doing, e.g. 'denoising step 3 of 30'."""

    def raise_if_cancelled(self) -> None:
        """Raise if the operation must stop (cancelled, past its deadline, worker shutting down).
        Call it between steps; it is safe to call from a diffusers `callback_on_step_end`, where
        the exception ends the pipeline call."""


@dataclass
class Clip:
    """One sample as frames for the worker to encode. `frames` is lazy so encoding can run while
    later frames render; each is uint8 RGB of shape (height, width, 3)."""

    width: int
    height: int
    fps: int
    frame_count: int
    frames: Iterator[np.ndarray]
    # float32, shape (2, samples) at 48 kHz, in [-1, 1]; None for a silent clip.
    audio: np.ndarray | None = None


@dataclass(frozen=True)
class EncodedVideo:
    """One sample the engine encoded itself: an MP4 under the run's scratch_dir. The worker
    checks its codec, size and duration against the request and stores the bytes unchanged."""

    path: Path


Sample = Clip | EncodedVideo


class SamplesOnDemand(Sequence[Sample]):
    """Samples made when the worker reaches each one, not all up front: an engine that makes
    samples one by one (the procedural renderer) keeps one sample's working set in memory."""

    def __init__(self, count: int, make: Callable[[int], Sample]) -> None:
        self._count, self._make = count, make

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Sample: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sample]: ...

    def __getitem__(self, index: int | slice) -> Sample | Sequence[Sample]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return self._make(index % self._count)


class Engine(Protocol):
    """A generation backend, registered under the `openreel.engines` entry-point group."""

    name: str
    # Shown to users (e.g. in `GET models`), so a procedural renderer never passes for a model.
    description: str
    # How many jobs one instance runs at once (a GPU pipeline: 1); None: as many as there are
    # workers. Workers do not claim operations for an instance that is at this limit.
    max_concurrent_jobs: int | None

    def __init__(self, options: dict[str, Any]) -> None:
        """Read the catalog entry's options; cheap (see the module docstring)."""

    def capabilities(self) -> Capabilities:
        """What this engine can make with these options; cheap. Raise FailedPrecondition when it
        cannot serve at all (its library or weights are missing), naming what to fix."""

    def load(self) -> None:
        """Make ready to generate (load weights); idempotent."""

    def close(self) -> None:
        """Free what load() took (GPU memory); idempotent."""

    def enhance_prompt(self, request: GenerationRequest) -> str:
        """Return the richer, deterministic shot description used when enhancePrompt is set."""

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        """Make request.sample_count samples (a list, or SamplesOnDemand); deterministic in request.seed."""
