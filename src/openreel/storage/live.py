"""Live streams: a video's fragmented MP4, kept in storage in numbered chunks while it is encoded,
so an API process (on any machine) can serve it to a player before the operation finishes.

    live/{operation id}/attempt-{token}/sample_{i}/{n:06d}.m4s   chunk n, in order (0 holds the moov)
    live/{operation id}/attempt-{token}/sample_{i}/end           written once the last chunk is in

Each attempt writes under its own prefix, so a viewer never mixes two attempts' bytes. The
retention sweep removes a finished operation's chunks a while after it finished
(OPENREEL_LIVE_STREAM_KEEP_SECONDS): they are there for viewers who were watching, and the
finished MP4 serves everyone after.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from openreel.storage.base import Storage

log = logging.getLogger(__name__)
LIVE_ROOT = "live/"
_ATTEMPT = re.compile(r"attempt-(\d+)/")


def live_prefix(op_id: str, fencing_token: int, sample_index: int) -> str:
    return f"{LIVE_ROOT}{op_id}/attempt-{fencing_token}/sample_{sample_index}/"


def chunk_key(prefix: str, number: int) -> str:
    return f"{prefix}{number:06d}.m4s"


def end_key(prefix: str) -> str:
    return f"{prefix}end"


class LiveUpload:
    """The LiveOutput of one sample's encoder (media/encode.py): bytes are gathered and put to
    storage as the next chunk once a frame is muxed: the muxer writes a whole fragment (about a
    second of video) at a time, so that is a chunk a second.

    Best effort: a put that fails ends this live stream (no end marker, so viewers stop), never
    the video, which is stored whole when it is done."""

    def __init__(self, storage: Storage, prefix: str) -> None:
        self.storage, self.prefix = storage, prefix
        self._pending: list[bytes] = []
        self._next = 0
        self.broken = False

    def write(self, data: bytes) -> int:
        self._pending.append(data)
        return len(data)

    def flush(self) -> None:
        self._put()

    def abort(self) -> None:
        """The video was withheld (the output safety check, or a withheld part): delete what was
        streamed and mark the end, so viewers stop and no one gets it later."""
        self._pending, self.broken = [], True
        try:
            self.storage.delete_best_effort([chunk_key(self.prefix, number) for number in range(self._next)])
            self.storage.put_bytes(end_key(self.prefix), b"", "text/plain")
        except Exception as exc:
            log.warning("live stream %s could not be removed: %s", self.prefix, exc)

    def finish(self) -> None:
        """Put what is left, then the end marker: the stream is whole."""
        self._put()
        if not self.broken:
            self._guarded(lambda: self.storage.put_bytes(end_key(self.prefix), b"", "text/plain"))

    def _put(self) -> None:
        if not self._pending or self.broken:
            self._pending = []
            return
        data, number = b"".join(self._pending), self._next
        self._pending, self._next = [], self._next + 1
        self._guarded(lambda: self.storage.put_bytes(chunk_key(self.prefix, number), data, "video/iso.segment"))

    def _guarded(self, put: Callable[[], object]) -> None:
        try:
            put()
        except Exception as exc:
            self.broken = True
            log.warning("live stream %s stopped: %s", self.prefix, exc)


def latest_attempt(storage: Storage, op_id: str) -> int | None:
    """The newest attempt that has started a live stream of the operation, or None."""
    attempts = {int(found.group(1)) for key in storage.list_keys(f"{LIVE_ROOT}{op_id}/")
                if (found := _ATTEMPT.search(key))}
    return max(attempts) if attempts else None


def live_operations(storage: Storage) -> set[str]:
    """The operation ids that have live chunks in storage."""
    return {key[len(LIVE_ROOT):].split("/", 1)[0] for key in storage.list_keys(LIVE_ROOT)}


