"""Worker: claim an operation, render every sample through its engine, encode, store the videos
and finish the operation, all writes fenced by the claim's token."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import threading
from pathlib import Path

from openreel.domain.naming import video_file_id
from openreel.domain.operation import OperationError, VideoFile
from openreel.domain.request import GenerationRequest, VideoInput
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.errors import Cancelled, FailedPrecondition, InternalError, OpenreelError
from openreel.queue.local import LocalQueue
from openreel.settings import Settings
from openreel.storage.base import Storage
from openreel.store.sql import Claim, SqlStore
from openreel.worker.control import Heartbeat, RunControl, ShuttingDown
from openreel.worker.pipeline import encode_clip

log = logging.getLogger(__name__)
MP4 = "video/mp4"


def storage_key(op_id: str, sample_index: int) -> str:
    return f"videos/{op_id}/sample_{sample_index}.mp4"


class Worker:
    def __init__(self, worker_id: str, store: SqlStore, storage: Storage, queue: LocalQueue,
                 catalog: Catalog, engines: EngineRegistry, settings: Settings) -> None:
        self.id, self.store, self.storage, self.queue = worker_id, store, storage, queue
        self.catalog, self.engines, self.settings = catalog, engines, settings

    def run_forever(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            claim = self.store.claim(self.id, self.settings.lease_seconds)
            if claim is None:
                self.queue.wait_for_work(self.settings.poll_interval_seconds)
                continue
            self.run(claim, stopping)

    def run(self, claim: Claim, stopping: threading.Event | None = None) -> None:
        op, token = claim.operation, claim.fencing_token
        request = op.request
        control = RunControl(request.frame_count * request.sample_count,
                             self.settings.generation_timeout_seconds, stopping)
        heartbeat = Heartbeat(self.store, op.id, token, control, self.settings.heartbeat_seconds,
                              self.settings.lease_seconds)
        heartbeat.start()
        written: list[str] = []
        try:
            files, enhanced = self._generate(op.id, self._resolve_inputs(request), control, written)
            heartbeat.finish()
            if not self.store.complete(op.id, token, files, enhanced, []):
                self._discard(written)  # cancelled at the last moment, or the lease was lost
        except Cancelled:
            heartbeat.finish()
            self._discard(written)
        except ShuttingDown:
            heartbeat.finish()
            self._discard(written)
            self.store.release(op.id, token)  # another worker (or this one, restarted) takes it now
        except OpenreelError as exc:
            heartbeat.finish()
            self._discard(written)
            self.store.fail(op.id, token, OperationError(exc.grpc_code, exc.message))
        except Exception as exc:
            heartbeat.finish()
            self._discard(written)
            log.exception("generation of %s failed", op.name)
            self.store.fail(op.id, token, OperationError(InternalError.grpc_code,
                                                         f"Generation failed: {type(exc).__name__}: {exc}"))

    def _generate(self, op_id: str, request: GenerationRequest, control: RunControl,
                  written: list[str]) -> tuple[list[VideoFile], str | None]:
        spec = self.catalog.get(request.model)
        engine = self.engines.get(spec.engine, spec.options)
        files = []
        tmp_root = self.settings.data_dir / "tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
            for index in range(request.sample_count):
                control.raise_if_stopped()
                clip = engine.generate(request, index, control.for_sample(index, request.frame_count))
                path = Path(tmp) / f"sample_{index}.mp4"
                encode_clip(clip, path, request.compression_quality)
                control.raise_if_stopped()
                key = storage_key(op_id, index)
                size = self.storage.put_file(key, path, MP4)
                written.append(key)
                files.append(VideoFile(id=video_file_id(op_id, index), operation_id=op_id,
                                       sample_index=index, storage_key=key, mime_type=MP4, size_bytes=size))
        enhanced = engine.enhance_prompt(request) if request.enhance_prompt else None
        return files, enhanced

    def _resolve_inputs(self, request: GenerationRequest) -> GenerationRequest:
        """Engines see only bytes: fetch a video named by file id (extension) from storage."""
        video = request.video
        if video is None or video.data is not None or video.file_id is None:
            return request
        found = self.store.get_video(video.file_id)
        if found is None:
            raise FailedPrecondition(f"The video to extend (files/{video.file_id}) no longer exists.")
        data = self.storage.read_bytes(found[0].storage_key)
        return dataclasses.replace(request, video=VideoInput(data=data, file_id=video.file_id))

    def _discard(self, keys: list[str]) -> None:
        for key in keys:
            self.storage.delete(key)
