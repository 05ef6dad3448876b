"""RetentionSweeper: deletes the videos, thumbnails and inputs of operations past their
retention time (Settings.retention_hours; Gemini keeps generated files for 2 days),
Idempotency-Keys past their day, the records of calls to remote APIs that no window counts any
more, and live-stream chunks (storage/live.py) a while after their operation finished. The
operation itself stays: it reports its files as expired.

Copies delivered to a caller's own bucket (Vertex storageUri) are the caller's and stay."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from openreel.domain.naming import video_blob_keys
from openreel.domain.remote_limits import DAY
from openreel.storage.base import Storage
from openreel.storage.inputs import InputBlobs
from openreel.storage.live import LIVE_ROOT, live_operations
from openreel.store.base import OperationStore
from openreel.store.clock import utcnow
from openreel.store.remote_calls import RemoteCallStore
from openreel.store.sql import IDEMPOTENCY_WINDOW

log = logging.getLogger(__name__)
BATCH = 100
REMOTE_CALLS_SLACK = timedelta(hours=1)


class RetentionSweeper:
    def __init__(self, store: OperationStore, storage: Storage, live_keep: timedelta = timedelta(minutes=10)) -> None:
        self.store, self.storage = store, storage
        self.live_keep = live_keep  # how long live-stream chunks outlive their operation

    def sweep(self) -> int:
        """Delete what is due; return how many operations lost their files. A blob that cannot be
        deleted now leaves its operation for the next sweep."""
        now = utcnow()
        # First: a blob that cannot be deleted below must not keep these tables growing. Remote
        # calls are kept a little past the day window, which counts them a little longer.
        self.store.purge_idempotency_keys(now - IDEMPOTENCY_WINDOW)
        RemoteCallStore(self.store).purge(now - DAY - REMOTE_CALLS_SLACK)
        expired = 0
        while batch := self.store.files_to_expire(now, BATCH):
            for op in batch:
                keys = [key for video in op.videos for key in video_blob_keys(video.storage_key)]
                # Marked first, so that from now on downloads answer "expired" rather than race
                # the deletion; unmarked again if the store refuses, for the next sweep to retry.
                self.store.mark_files_expired(op.id, now)
                try:
                    live = list(self.storage.list_keys(f"{LIVE_ROOT}{op.id}/"))  # a stream, if kept this long
                    for key in keys + InputBlobs.keys(op.request) + live:
                        self.storage.delete(key)
                except Exception as exc:
                    self.store.mark_files_expired(op.id, None)
                    log.warning("retention: could not delete the files of %s (%s); next sweep retries", op.name, exc)
                    return expired
                expired += 1
        if expired:
            log.info("retention: deleted the files of %d operation(s)", expired)
        self._sweep_live_streams(now)
        return expired

    def _sweep_live_streams(self, now: datetime) -> None:
        """Delete the live chunks of operations that finished more than `live_keep` ago (or were
        deleted): viewers then get the finished MP4. Best effort: the next sweep retries."""
        try:
            for op_id in live_operations(self.storage):
                op = self.store.get_operation(op_id)
                if op is None or (op.finished_at is not None and now - op.finished_at >= self.live_keep):
                    for key in list(self.storage.list_keys(f"{LIVE_ROOT}{op_id}/")):
                        self.storage.delete(key)
        except Exception as exc:
            log.warning("retention: could not delete live-stream chunks (%s); next sweep retries", exc)
