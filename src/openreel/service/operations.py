"""OperationService: everything a caller can do with operations, scoped to the caller's project."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openreel.auth import Principal
from openreel.domain.naming import (is_video_file_id, new_operation_id, operation_id_from, operation_name,
                                    thumbnail_key, video_blob_keys)
from openreel.domain.operation import Operation, OperationState, Surface, VideoFile
from openreel.domain.request import GenerationRequest
from openreel.engines.capabilities import Capabilities
from openreel.engines.catalog import Catalog, ModelSpec
from openreel.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted
from openreel.media.thumbnail import first_frame_jpeg, spritesheet_jpeg
from openreel.observability.logs import bind
from openreel.observability.metrics import Metrics
from openreel.observability.tracing import current_traceparent, span
from openreel.queue.base import WorkQueue
from openreel.queue.handoff import dispatch
from openreel.quota.admission import admit
from openreel.quota.tiers import TierLimits
from openreel.safety.filter import SafetyFilter
from openreel.service.saved_references import saved_images
from openreel.service.wire_request import InputLimits, Lookups, RequestReader, TargetModel, read_generation_request
from openreel.storage.base import Storage
from openreel.storage.destinations import Destinations
from openreel.storage.inputs import InputBlobs
from openreel.store.base import OperationStore
from openreel.store.clock import utcnow
from openreel.store.saved_references import SavedReferenceStore
from openreel.store.sql import IDEMPOTENCY_WINDOW, IdempotentCreate

log = logging.getLogger(__name__)


def request_sha256(surface: Surface, model_resource: str, body: dict[str, Any],
                   front_options: dict[str, str]) -> str:
    """What makes two create calls the same request: the front, the model and the body, key order
    aside (a Google front's hash is the model and body alone, as it was before the other fronts).
    Lone surrogates are hashed as they came: the body is hashed before it is validated."""
    identity: list[Any] = [model_resource, body]
    if surface not in (Surface.GEMINI, Surface.VERTEX):
        identity = [surface.value, model_resource, body, front_options]
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    """A create call sent with an Idempotency-Key: the key, and the SHA-256 of what was asked."""

    key: str
    body_sha256: str


class OperationService:
    def __init__(self, store: OperationStore, storage: Storage, queue: WorkQueue, catalog: Catalog,
                 capabilities: Callable[[ModelSpec], Capabilities], limits: InputLimits,
                 rate_limits: Callable[[Principal], TierLimits], max_queued: int,
                 min_free_bytes: int, check_webhook_uri: Callable[[str, str], None],
                 destinations: Destinations, metrics: Metrics, safety: SafetyFilter,
                 saved_references: SavedReferenceStore) -> None:
        self.metrics = metrics  # submissions are counted here, at admission
        self.safety = safety  # the prompt and input stages, before anything is stored
        self.store, self.storage, self.queue, self.catalog, self.limits = store, storage, queue, catalog, limits
        # What a model can make (its engine's declaration within its entry); cheap: loads nothing.
        self.capabilities = capabilities
        # The caller's rate limits: its tier's, or an operator's custom ones (quota/limits.py).
        self.rate_limits, self.max_queued, self.min_free_bytes = rate_limits, max_queued, min_free_bytes
        self.inputs = InputBlobs(storage)
        # check_webhook_uri(uri, field): a 400 naming the field for a URL webhooks may not reach.
        self.check_webhook_uri = check_webhook_uri
        self.destinations = destinations  # the buckets a Vertex storageUri may name
        self.saved_references = saved_references  # the characters and styles a request may name

    def submit(self, principal: Principal, surface: Surface, model_resource: str, model_id: str,
               body: dict[str, Any], idempotency_key: str | None = None,
               front_options: dict[str, str] | None = None,
               reader: RequestReader = read_generation_request) -> Operation:
        """Create an operation from a native create body (a storyboard's, with
        reader=read_storyboard_request); `front_options` is what the front that translated the
        call keeps to answer in its own shape (GenerationRequest.front_options)."""
        # The operation's trace starts here; its worker continues it (observability/tracing.py).
        with span("openreel.submit", model=model_id, project=principal.project):
            return self._submit(principal, surface, model_resource, model_id, body, idempotency_key,
                                front_options or {}, reader)

    def _submit(self, principal: Principal, surface: Surface, model_resource: str, model_id: str,
                body: dict[str, Any], idempotency_key: str | None, front_options: dict[str, str],
                reader: RequestReader) -> Operation:
        """Validate fully (every bad field of `body`, the JSON object as sent, in one
        InvalidArgument), store the inputs, then admit against the quotas and insert as one
        atomic step, and dispatch. Bad input and refused requests leave nothing stored (so they
        are never counted); a full disk or a locked database answers 503 with RetryInfo.

        With an Idempotency-Key, the same key and body within IDEMPOTENCY_WINDOW give the same
        operation (admitted and charged once), and the same key with another body is refused."""
        keyed = None if idempotency_key is None else IdempotentRequest(idempotency_key,
                                                                         request_sha256(surface, model_resource, body,
                                                                                        front_options))
        if keyed is not None and (earlier := self.store.idempotent_create(principal.project, keyed.key)) is not None:
            return self._replay(principal, keyed, earlier)
        spec = self.catalog.get(model_id)
        request = reader(
            body, TargetModel(spec.id, self.capabilities(spec)), self.limits, seed_if_absent=secrets.randbelow(2**32),
            lookups=Lookups(video_exists=lambda file_id: self._extendable(principal, file_id),
                            saved_images=saved_images(self.saved_references, self.storage, principal.project)),
            audio_if_absent=surface.has_audio_by_default)
        if front_options:
            request = dataclasses.replace(request, front_options=dict(front_options))
        self._check_destinations(request)
        self.storage.check_free_space(self.min_free_bytes)
        # Refuse early, without the lock, what would be refused anyway: an over-quota caller must
        # not make the server run the safety models, nor write (and then delete) megabytes of inputs.
        try:
            with self.store.admission(locked=False) as counts:
                admit(counts, principal, utcnow(), self.max_queued, self.rate_limits(principal))
        except ResourceExhausted:
            # The slot may be taken by this very request, sent a moment earlier under the same key.
            if keyed is not None and (earlier := self.store.idempotent_create(principal.project,
                                                                              keyed.key)) is not None:
                return self._replay(principal, keyed, earlier)
            raise
        # Before anything is stored or admitted: a refused prompt is neither counted nor charged.
        self.safety.check_request(request, principal.project)
        op_id = new_operation_id()
        stored_request, written = self.inputs.save(op_id, request)
        try:
            with self.store.admission() as admission:
                now = utcnow()  # taken under the lock, so creation order is insertion order
                # A concurrent duplicate may have won the lock first: it is the one operation.
                earlier = None if keyed is None else admission.idempotent_create(
                    principal.project, keyed.key, now - IDEMPOTENCY_WINDOW)
                if earlier is None:
                    admit(admission, principal, now, self.max_queued, self.rate_limits(principal))
                    admission.add_operation(Operation(
                        id=op_id, name=operation_name(surface, model_resource, op_id), surface=surface,
                        model=spec.id, project=principal.project, state=OperationState.QUEUED,
                        request=stored_request, created_at=now, updated_at=now, api_key_id=principal.key_id,
                        trace_context=current_traceparent()))
                    if keyed is not None:
                        admission.add_idempotency_key(principal.project, keyed.key, keyed.body_sha256, op_id, now)
        except BaseException:
            self.inputs.delete(written)
            raise
        if keyed is not None and earlier is not None:
            self.inputs.delete(written)
            return self._replay(principal, keyed, earlier)
        self.metrics.submitted.labels(spec.id, spec.engine, principal.project).inc()
        self.metrics.expect_outcomes(spec.id, spec.engine, principal.project)  # a cancel here counts one
        dispatch(self.queue, self.store, op_id, spec.id)
        return self.get(principal, op_id)

    def _check_destinations(self, request: GenerationRequest) -> None:
        """400 naming the field for a webhook URI or storageUri this server will not write to."""
        for index, uri in enumerate(request.webhook.uris if request.webhook else ()):
            self.check_webhook_uri(uri, f"webhookConfig.uris[{index}]")
        if request.storage_uri:
            try:
                self.destinations.resolve(request.storage_uri)
            except ValueError as exc:
                raise InvalidArgument.for_field("parameters.storageUri", str(exc)) from None

    def _replay(self, principal: Principal, keyed: IdempotentRequest, earlier: IdempotentCreate) -> Operation:
        if earlier.body_sha256 != keyed.body_sha256:
            hours = int(IDEMPOTENCY_WINDOW.total_seconds() // 3600)
            raise Aborted(f"Idempotency-Key '{keyed.key}' was already used in the last {hours} hours with a "
                          "different request (model or body); send a new key for a new request.")
        return self.get(principal, earlier.operation_id)

    def get(self, principal: Principal, name_or_id: str) -> Operation:
        op_id = operation_id_from(name_or_id)
        op = self.store.get_operation(op_id) if op_id else None
        # Another project's operation is reported as missing, not forbidden: ids are not secrets
        # to be confirmed.
        if op is None or op.project != principal.project:
            raise NotFound(f"Operation '{name_or_id}' was not found.")
        bind(operation=op.name)  # the request's log lines name the operation it is about
        return op

    def list(self, principal: Principal, page_size: int, page_token: str | None) -> tuple[list[Operation], str | None]:
        try:
            return self.store.list_operations(principal.project, max(1, min(page_size, 100)), page_token)
        except ValueError as exc:
            raise InvalidArgument.for_field("pageToken", str(exc)) from exc

    def list_front(self, principal: Principal, surface: Surface, limit: int, after: str | None,
                   newest_first: bool) -> tuple[Sequence[Operation], bool]:
        """One front's operations of the caller's, after the operation `after` (an id, whether or
        not that operation still exists), and whether more follow."""
        if after is not None and operation_id_from(after) != after:
            raise InvalidArgument.for_field("after", "must be the id of a video from an earlier page")
        return self.store.list_surface_operations(principal.project, surface, max(1, min(limit, 100)), after,
                                                  newest_first)

    def cancel(self, principal: Principal, name_or_id: str) -> Operation:
        op = self.get(principal, name_or_id)
        if op.is_done and op.state is not OperationState.CANCELLED:
            raise FailedPrecondition(f"Operation '{op.name}' has already finished ({op.state.value}).")
        self.store.cancel(op.id)
        return self.get(principal, op.id)

    def delete(self, principal: Principal, name_or_id: str) -> None:
        """Forget the operation and delete its videos; a running one is cancelled first."""
        op = self.get(principal, name_or_id)
        if not op.is_done:
            self.store.cancel(op.id)
        keys = [k for key in self.store.delete_operation(op.id) for k in video_blob_keys(key)]
        # The operation is gone once its row is: blobs the store cannot delete now are only logged.
        self.storage.delete_best_effort(keys + InputBlobs.keys(op.request))

    def video(self, principal: Principal, file_id: str) -> VideoFile:
        """The caller's video; NotFound when it is not theirs, or (saying so) when retention
        deleted it."""
        found = self._owned_video(principal, file_id)
        if found is None:
            raise NotFound(f"File 'files/{file_id}' was not found.")
        if found.expired_at is not None:
            deleted = found.expired_at.isoformat(timespec="seconds").replace("+00:00", "Z")
            raise NotFound(f"File 'files/{file_id}' has expired: generated files are kept for a limited time "
                           f"after their operation ends, and this one was deleted at {deleted}.")
        return found

    def read_video(self, file: VideoFile) -> bytes:
        """The video's bytes (for Vertex's inline answer, which holds them whole anyway); NotFound
        naming the file when its blob is gone from storage."""
        with self._missing_as_not_found(file):
            return self.storage.read_bytes(file.storage_key)

    def open_video(self, file: VideoFile) -> Iterator[bytes]:
        """The video as a stream of chunks; NotFound before the first one when its blob is gone."""
        with self._missing_as_not_found(file):
            return self.storage.iter_chunks(file.storage_key)

    def thumbnail(self, file: VideoFile) -> bytes:
        """The first frame as JPEG: the one stored beside the video, or (videos made before
        thumbnails were stored) one decoded from the video."""
        try:
            return self.storage.read_bytes(thumbnail_key(file.storage_key))
        except FileNotFoundError:
            pass
        with self._local_copy(file) as path:
            return first_frame_jpeg(path)

    def first_frame(self, file: VideoFile) -> bytes:
        """The first frame at full size, as JPEG (what a remix starts from)."""
        with self._local_copy(file) as path:
            return first_frame_jpeg(path, width=None)

    def spritesheet(self, file: VideoFile) -> bytes:
        """A JPEG grid of frames across the video, for scrubbing previews."""
        with self._local_copy(file) as path:
            return spritesheet_jpeg(path)

    @contextmanager
    def _local_copy(self, file: VideoFile) -> Iterator[Path]:
        """The video as a local file: where local storage keeps it, or a temporary download."""
        with self._missing_as_not_found(file):
            path = self.storage.local_path(file.storage_key)
            if path is not None:
                yield path
                return
            with tempfile.NamedTemporaryFile(suffix=".mp4") as copy:
                self.storage.download_to(file.storage_key, Path(copy.name))
                yield Path(copy.name)

    @contextmanager
    def _missing_as_not_found(self, file: VideoFile) -> Iterator[None]:
        try:
            yield
        except FileNotFoundError:
            log.error("files/%s: its video (%s) is missing from storage", file.id, file.storage_key)
            raise NotFound(f"File 'files/{file.id}' is missing from storage: its video data was deleted "
                           "or lost.") from None

    def owned_video_bytes(self, principal: Principal, file_id: str) -> bytes | None:
        """The MP4 of a video this server made for the caller's project, or None (another
        project's, deleted by retention, or no such video)."""
        found = self._owned_video(principal, file_id)
        if found is None or found.expired_at is not None:
            return None
        return self.storage.read_bytes(found.storage_key)

    def _extendable(self, principal: Principal, file_id: str) -> bool:
        """Whether a request may extend this video: the caller's, and not deleted by retention."""
        found = self._owned_video(principal, file_id)
        return found is not None and found.expired_at is None

    def _owned_video(self, principal: Principal, file_id: str) -> VideoFile | None:
        if not is_video_file_id(file_id):
            return None  # never sent to the database: PostgreSQL refuses NUL and the like
        found = self.store.get_video(file_id)
        if found is None or found[1] != principal.project:
            return None
        return found[0]
