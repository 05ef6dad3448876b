"""OperationService: everything a caller can do with operations, scoped to the caller's project."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openreel.auth import Principal, Tier
from openreel.domain.naming import is_video_file_id, new_operation_id, operation_id_from, operation_name
from openreel.domain.operation import Operation, OperationState, Surface, VideoFile
from openreel.engines.catalog import Catalog
from openreel.errors import FailedPrecondition, InvalidArgument, NotFound
from openreel.queue.local import LocalQueue
from openreel.quota.admission import admit
from openreel.quota.tiers import TierLimits
from openreel.service.wire_request import InputLimits, read_generation_request
from openreel.storage.base import Storage
from openreel.storage.inputs import InputBlobs
from openreel.store.sql import SqlStore, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoBlob:
    file: VideoFile
    path: Path | None  # set when the blob can be streamed from local disk


class OperationService:
    def __init__(self, store: SqlStore, storage: Storage, queue: LocalQueue, catalog: Catalog,
                 limits: InputLimits, tiers: dict[Tier, TierLimits], max_queued: int, min_free_bytes: int) -> None:
        self.store, self.storage, self.queue, self.catalog, self.limits = store, storage, queue, catalog, limits
        self.tiers, self.max_queued, self.min_free_bytes = tiers, max_queued, min_free_bytes
        self.inputs = InputBlobs(storage)

    def submit(self, principal: Principal, surface: Surface, model_resource: str, model_id: str,
               body: dict[str, Any]) -> Operation:
        """Validate fully (every bad field of `body`, the JSON object as sent, in one
        InvalidArgument), store the inputs, then admit against the quotas and insert as one
        atomic step, and dispatch. Bad input and refused requests leave nothing stored (so they
        are never counted); a full disk or a locked database answers 503 with RetryInfo."""
        spec = self.catalog.get(model_id)
        request = read_generation_request(
            body, spec, self.limits, seed_if_absent=secrets.randbelow(2**32),
            video_exists=lambda file_id: self._owned_video(principal, file_id) is not None,
            audio_if_absent=surface.has_audio_by_default)
        self.storage.check_free_space(self.min_free_bytes)
        if InputBlobs.carries_bytes(request):
            # Refuse early, without the lock, what would be refused anyway: an over-quota caller
            # must not make the server write (and then delete) megabytes of inputs.
            with self.store.admission(locked=False) as counts:
                admit(counts, principal, utcnow(), self.max_queued, self.tiers)
        op_id = new_operation_id()
        stored_request, written = self.inputs.save(op_id, request)
        try:
            with self.store.admission() as admission:
                now = utcnow()  # taken under the lock, so creation order is insertion order
                op = Operation(id=op_id, name=operation_name(surface, model_resource, op_id), surface=surface,
                               model=spec.id, project=principal.project, state=OperationState.QUEUED,
                               request=stored_request, created_at=now, updated_at=now,
                               api_key_id=principal.key_id)
                admit(admission, principal, now, self.max_queued, self.tiers)
                admission.add_operation(op)
        except BaseException:
            self.inputs.delete(written)
            raise
        self.queue.dispatch(op_id)
        return self.get(principal, op_id)

    def get(self, principal: Principal, name_or_id: str) -> Operation:
        op_id = operation_id_from(name_or_id)
        op = self.store.get_operation(op_id) if op_id else None
        # Another project's operation is reported as missing, not forbidden: ids are not secrets
        # to be confirmed.
        if op is None or op.project != principal.project:
            raise NotFound(f"Operation '{name_or_id}' was not found.")
        return op

    def list(self, principal: Principal, page_size: int, page_token: str | None) -> tuple[list[Operation], str | None]:
        try:
            return self.store.list_operations(principal.project, max(1, min(page_size, 100)), page_token)
        except ValueError as exc:
            raise InvalidArgument.for_field("pageToken", str(exc)) from exc

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
        for key in self.store.delete_operation(op.id) + InputBlobs.keys(op.request):
            self.storage.delete(key)

    def video(self, principal: Principal, file_id: str) -> VideoBlob:
        found = self._owned_video(principal, file_id)
        if found is None:
            raise NotFound(f"File 'files/{file_id}' was not found.")
        path = self.storage.local_path(found.storage_key)
        if path is None:
            self.read_video(found)  # NotFound when the blob is gone, before any response starts
        return VideoBlob(found, path)

    def read_video(self, file: VideoFile) -> bytes:
        """The video's bytes; NotFound naming the file when its blob is gone from storage."""
        try:
            return self.storage.read_bytes(file.storage_key)
        except FileNotFoundError:
            log.error("files/%s: its video (%s) is missing from storage", file.id, file.storage_key)
            raise NotFound(f"File 'files/{file.id}' is missing from storage: its video data was deleted "
                           "or lost.") from None

    def _owned_video(self, principal: Principal, file_id: str) -> VideoFile | None:
        if not is_video_file_id(file_id):
            return None  # never sent to the database: PostgreSQL refuses NUL and the like
        found = self.store.get_video(file_id)
        if found is None or found[1] != principal.project:
            return None
        return found[0]
