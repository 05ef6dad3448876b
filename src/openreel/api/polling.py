"""Serving polls, the hot path of a video API: clients poll each operation every few seconds for
minutes. One thread hop reads and renders the operation; a finished one never changes again
(until it is deleted), so its rendered JSON is kept and later polls of it cost no I/O at all.
Only answers that say where the videos are get kept, not ones that inline their bytes (Vertex
without storageUri): those are large, and must follow the blobs in storage.

An answer is not kept when retention is about to delete the operation's files (the answer then
changes to say so). Deleting through this process forgets the entry at once. Another replica
sharing the database may serve a deleted operation's last state for up to FINISHED_TTL_SECONDS;
its files are gone (404) as soon as it is deleted.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openreel.api.deps import render
from openreel.api.to_wire import inlines_videos
from openreel.auth import Principal
from openreel.domain.naming import operation_id_from
from openreel.runtime import Runtime
from openreel.store.clock import utcnow

FINISHED_TTL_SECONDS = 30.0
MAX_ENTRIES = 2048
# An error message or a long list of samples can make an answer large; those are not worth holding.
MAX_CACHED_BODY_BYTES = 256 * 1024


class FinishedResponses:
    """A small LRU of rendered finished operations, keyed by (project, operation id). Each entry
    remembers the public URL its video URIs were built with: a poll that came in on another host
    renders afresh."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[float, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, project: str, op_id: str, public_url: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get((project, op_id))
            if entry is None or entry[0] < time.monotonic() or entry[1] != public_url:
                return None
            self._entries.move_to_end((project, op_id))
            return entry[2]

    def put(self, project: str, op_id: str, public_url: str, body: bytes) -> None:
        if len(body) > MAX_CACHED_BODY_BYTES:
            return
        with self._lock:
            self._entries[(project, op_id)] = (time.monotonic() + FINISHED_TTL_SECONDS, public_url, body)
            self._entries.move_to_end((project, op_id))
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def forget(self, project: str, op_id: str) -> None:
        with self._lock:
            self._entries.pop((project, op_id), None)


def _read_and_render(runtime: Runtime, principal: Principal, name_or_id: str,
                     public_url: str) -> tuple[bytes, bool]:
    """The rendered operation, and whether that answer may be kept."""
    op = runtime.operations.get(principal, name_or_id)
    body = json.dumps(render(runtime, op, public_url), separators=(",", ":")).encode()
    # The answer changes once more when retention deletes the files: not kept close to that.
    expiring = (op.files_expire_at is not None and not op.files_expired
                and op.files_expire_at < utcnow() + timedelta(seconds=FINISHED_TTL_SECONDS))
    return body, op.is_done and not inlines_videos(op) and not expiring


async def poll_response(runtime: Runtime, finished: FinishedResponses, principal: Principal,
                        name_or_id: str, public_url: str) -> Response:
    """The operation as JSON in the shape it was created in, as a ready response."""
    op_id = operation_id_from(name_or_id)
    cached = finished.get(principal.project, op_id, public_url) if op_id else None
    if cached is not None:
        return Response(cached, media_type="application/json")
    body, keep = await run_in_threadpool(_read_and_render, runtime, principal, name_or_id, public_url)
    if keep and op_id:
        finished.put(principal.project, op_id, public_url, body)
    return Response(body, media_type="application/json")


async def get_finished_responses(request: Request) -> FinishedResponses:
    finished: FinishedResponses = request.app.state.finished_responses
    return finished


FinishedDep = Annotated[FinishedResponses, Depends(get_finished_responses)]
