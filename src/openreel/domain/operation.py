"""The operation lifecycle as data: states, the allowed moves between them, and Operation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from openreel.domain.concepts import ConceptAccount
from openreel.domain.request import GenerationRequest
from openreel.domain.usage import Usage

# A progress phase is for people ("denoising step 12 of 30"); the store keeps this much of it.
MAX_PROGRESS_PHASE_CHARS = 80
# Why a queued operation waits ("waiting for veo-google's limit of 2 requests per minute").
MAX_WAIT_REASON_CHARS = 200


class OperationState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({OperationState.SUCCEEDED, OperationState.FAILED, OperationState.CANCELLED})
ACTIVE_STATES = frozenset({OperationState.QUEUED, OperationState.RUNNING})

ALLOWED_TRANSITIONS: dict[OperationState, frozenset[OperationState]] = {
    OperationState.QUEUED: frozenset(
        {OperationState.RUNNING, OperationState.CANCELLED, OperationState.FAILED}
    ),
    # RUNNING -> QUEUED is the sweeper handing an expired lease back to the queue.
    OperationState.RUNNING: frozenset(
        {OperationState.QUEUED, OperationState.SUCCEEDED, OperationState.FAILED,
         OperationState.CANCELLED}
    ),
    OperationState.SUCCEEDED: frozenset(),
    OperationState.FAILED: frozenset(),
    OperationState.CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    pass


def transition(current: OperationState, target: OperationState) -> OperationState:
    """Return target if the lifecycle allows current -> target, else raise IllegalTransition."""
    if target not in ALLOWED_TRANSITIONS[current]:
        raise IllegalTransition(f"operation cannot go from {current} to {target}")
    return target


class Surface(StrEnum):
    """Which API shape (front) created the operation; its name and result are rendered in it.
    Every front's operations are also served, and listed, by the native operations API."""

    GEMINI = "gemini"
    VERTEX = "vertex"
    OPENAI = "openai"  # OpenAI's /v1/videos (api/openai_videos.py)
    INTERACTIONS = "interactions"  # the Gemini API's Interactions (api/interactions.py)

    @property
    def has_audio_by_default(self) -> bool:
        """Whether a request that leaves out generateAudio gets sound (where the model makes it).
        Google's Gemini API returns Veo 3.x videos with native audio, and its SDKs cannot even
        send generateAudio there, and Sora 2's videos have sound; on Vertex, generateAudio decides
        and is off unless sent."""
        return self is not Surface.VERTEX


@dataclass(frozen=True)
class OperationError:
    grpc_code: int
    message: str


@dataclass(frozen=True)
class VideoFile:
    id: str
    operation_id: str
    sample_index: int
    storage_key: str
    mime_type: str
    size_bytes: int
    # Set once retention deleted it: the file is reported as expired, not as missing.
    expired_at: datetime | None = None


@dataclass(frozen=True)
class Operation:
    id: str
    name: str
    surface: Surface
    model: str
    project: str
    state: OperationState
    request: GenerationRequest
    created_at: datetime
    updated_at: datetime
    progress_percent: int = 0
    progress_phase: str = ""  # what a running operation is doing, e.g. "denoising step 3 of 30"
    attempt: int = 0
    enhanced_prompt: str | None = None
    error: OperationError | None = None
    videos: tuple[VideoFile, ...] = ()
    rai_filtered_reasons: tuple[str, ...] = field(default_factory=tuple)
    api_key_id: str | None = None
    # Derived at read time (how many queued operations are ahead), never stored.
    queue_position: int | None = None
    started_at: datetime | None = None  # the last claim
    finished_at: datetime | None = None
    # Retention: when its videos, thumbnails and inputs are (or were) deleted.
    files_expire_at: datetime | None = None
    files_expired_at: datetime | None = None
    usage: Usage | None = None
    # What its engine saved on an earlier attempt (the remote operation's name); None at first.
    engine_state: str | None = None
    # A deferred operation waits in the queue until `not_before`, for `wait_reason`.
    not_before: datetime | None = None
    wait_reason: str | None = None
    # The W3C traceparent of the request that created it: its worker continues that trace.
    trace_context: str | None = None
    # What its engine said it drew of the prompt (None when the engine cannot say).
    concepts: ConceptAccount | None = None

    @property
    def files_expired(self) -> bool:
        return self.files_expired_at is not None

    @property
    def is_done(self) -> bool:
        return self.state.is_terminal
