"""The Engine contract (second version) every generation backend implements, and what crosses it.

One call per operation: `generate` gets the whole request and returns one Sample per requested
video, so an engine batches samples when it can (a diffusion pipeline) or makes them one by one
(the procedural renderer). A Sample is either frames (+ audio) for the worker to encode, or an
MP4 the engine already encoded (a remote API's answer), which the worker checks and stores as is,
or a sample a safety filter withheld, which is reported and not delivered.

An engine that forwards to a remote API also uses the rest of the RunContext: it saves what it
needs to resume (the remote operation's name) the moment it knows it, so an attempt after a
restart polls that operation instead of making another; it counts its calls against the remote's
limits through the context, which every worker of every process shares; and it raises Deferred
to put its operation back in the queue until the remote has room. It also defines `abandon`
(WorkAbandoner): when its operation ends while no worker runs it (cancelled or deleted in the
queue after a restart, given up by the sweeper), a worker hands it the saved state to stop the
remote job with.

The worker drives the lifecycle: `__init__` only reads options (the API process builds engines
to read their capabilities, so it must stay cheap: no weights, no torch import), `load()` before
the first job, `close()` when the process stops; `load()` again after `close()` works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, overload, runtime_checkable

import numpy as np

from openreel.domain.concepts import ConceptAccount
from openreel.domain.remote_limits import RemoteAdmission, RemoteLimits
from openreel.domain.request import GenerationRequest
from openreel.engines.capabilities import Capabilities
from openreel.media.audio_feed import AudioFeed


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
        the exception ends the pipeline call. errors.Cancelled means the caller cancelled the
        operation, its subclass Deleted that the caller deleted it, and its subclass ClaimLost
        that another worker took it over."""

    @property
    def saved_state(self) -> str | None:
        """What save_state kept on an earlier attempt of this operation, or None."""

    def save_state(self, state: str) -> None:
        """Keep `state` with the operation now, for a later attempt (after a restart or a
        deferral) to resume from. Raises ClaimLost when this worker no longer holds the operation."""

    def admit_remote_call(self, limits: RemoteLimits) -> RemoteAdmission:
        """Count one call to a remote API against `limits` if it fits now, across every worker that
        shares the store; otherwise say how long until it would. An operation holds its
        concurrency slot until it finishes (or release_remote_calls)."""

    def release_remote_calls(self) -> None:
        """This operation's remote call made no remote operation (it was refused): free its
        concurrency slot; it still counts in the per-minute and per-day windows."""


@dataclass
class Clip:
    """One sample as frames for the worker to encode. `frames` is lazy so encoding can run while
    later frames render; each is uint8 RGB of shape (height, width, 3)."""

    width: int
    height: int
    fps: int
    frame_count: int
    frames: Iterator[np.ndarray]
    # float32, shape (2, samples) at 48 kHz, in [-1, 1]; None for a silent clip. A clip made of
    # several engine calls gives an AudioFeed that fills while its frames are drawn.
    audio: np.ndarray | AudioFeed | None = None


@dataclass(frozen=True)
class EncodedVideo:
    """One sample the engine encoded itself: an MP4 under the run's scratch_dir. The worker
    checks its codec, size and duration against the request and stores the bytes unchanged."""

    path: Path


@dataclass(frozen=True)
class FilteredOut:
    """A sample a safety filter withheld (the remote API's, or ours): not delivered, not charged,
    and its reason reported as Veo reports it (raiMediaFilteredReasons)."""

    reason: str


Sample = Clip | EncodedVideo | FilteredOut


class SampleWithheld(Exception):
    """Raised while a Clip's frames are drawn, by a clip made of several engine calls (a long
    video's segments) when one of its parts came back FilteredOut: the whole sample is withheld
    for `reason`, as if the engine had returned FilteredOut for it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Deferred(Exception):
    """Raised by an engine that cannot go on yet (a remote API's limits are reached): the operation
    goes back to the queue, its attempt not counted, and is claimed again after `seconds`, or
    sooner when a call counted under the limit key `waiting_on` frees its slot; its metadata shows
    `reason` meanwhile. Past the model's max_wait_seconds it fails instead."""

    def __init__(self, seconds: float, reason: str, waiting_on: str | None = None) -> None:
        super().__init__(reason)
        self.seconds, self.reason, self.waiting_on = seconds, reason, waiting_on


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
    # An engine may also set `trained_model = False`: a renderer that draws by rule rather than
    # sampling a trained model (procedural). Its videos' content credentials then say
    # algorithmicMedia, not trainedAlgorithmicMedia. It is optional (engines written before it
    # need not change): one that does not say is taken for a trained model.

    def __init__(self, options: dict[str, Any]) -> None:
        """Read the catalog entry's options; cheap (see the module docstring)."""

    def capabilities(self) -> Capabilities:
        """What this engine can make with these options; cheap. Raise FailedPrecondition when it
        cannot serve at all (its library or weights are missing), naming what to fix."""

    def load(self) -> None:
        """Make ready to generate (load weights); idempotent."""

    def close(self) -> None:
        """Free what load() took (GPU memory); idempotent."""

    def enhance_prompt(self, request: GenerationRequest) -> str | None:
        """Return the richer, deterministic shot description used when enhancePrompt is set, or
        None when the engine cannot say (a remote API rewrites prompts its own way)."""

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        """Make request.sample_count samples (a list, or SamplesOnDemand); deterministic in request.seed."""


@runtime_checkable
class ConceptReporter(Protocol):
    """What an engine that can say what it drew defines besides Engine (the procedural renderer,
    which draws a small world by rule; a trained model cannot say)."""

    def concepts(self, request: GenerationRequest) -> ConceptAccount:
        """The concepts of request.prompt its videos show, and those they do not; cheap."""


@runtime_checkable
class WorkAbandoner(Protocol):
    """What an engine that leaves work running elsewhere (a remote job) defines besides Engine."""

    def abandon(self, saved_state: str, delete: bool) -> None:
        """Stop the work `saved_state` (what its run kept with save_state) refers to: its operation
        ended while no worker ran it. With `delete` the operation was deleted: delete the remote
        record too. Raise to be asked again later (the remote did not answer); return when it is
        stopped or never can be."""
