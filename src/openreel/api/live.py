"""The live stream of a video while its operation runs (storage/live.py keeps its chunks):

    GET /{v}/operations/{id}:live[?sample=0]    video/mp4 (fragmented), sent as it is encoded

A player (a <video> element given a MediaSource, ffplay, VLC) starts on the first fragment, about
a second after rendering begins, and the response ends when the video does. The Content-Type
carries the codecs (`video/mp4; codecs="avc1.64002a, mp4a.40.2"`), which a MediaSource needs.
Asked for while the operation waits in the queue, the response starts when rendering does; asked
for once it is done, it sends the finished MP4 (`sample` then counts the delivered videos). A
video the output safety check withholds has its stream cut and deleted. A video made whole by its
engine (a remote API's) has no live stream: it is sent once done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from openreel.api.deps import PrincipalDep, RuntimeDep
from openreel.auth import Principal
from openreel.domain.operation import Operation, OperationState
from openreel.errors import FailedPrecondition, InvalidArgument, NotFound
from openreel.runtime import Runtime
from openreel.storage.base import Storage
from openreel.storage.live import chunk_key, end_key, latest_attempt, live_prefix

router = APIRouter(tags=["Operations"])
POLL_SECONDS = 0.2
MP4 = "video/mp4"


@router.get("/{version}/operations/{operation_id}:live", response_model=None)
async def live_video(version: str, operation_id: str, request: Request, principal: PrincipalDep, runtime: RuntimeDep,
                     sample: Annotated[int, Query(ge=0, le=3)] = 0) -> Response:
    storage = runtime.storage
    while True:
        op = await run_in_threadpool(runtime.operations.get, principal, operation_id)
        if sample >= op.request.sample_count:
            raise InvalidArgument.for_field("sample", f"the operation makes {op.request.sample_count} video(s)")
        if op.is_done:  # the stored videos: the safety check's verdict, in their final order
            return await run_in_threadpool(_finished, runtime, op, sample)
        attempt = await run_in_threadpool(_started, storage, op, sample)
        if attempt is not None:
            prefix = live_prefix(op.id, attempt, sample)
            first = await run_in_threadpool(storage.read_bytes, chunk_key(prefix, 0))
            return StreamingResponse(_chunks(request, runtime, principal, op.id, prefix, first),
                                     media_type=f'{MP4}; codecs="{_codecs(first, op)}"',
                                     headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        if runtime.stopping.is_set() or await request.is_disconnected():
            return Response(status_code=503)
        await asyncio.sleep(POLL_SECONDS)


def _started(storage: Storage, op: Operation, sample: int) -> int | None:
    """The newest attempt whose live stream of `sample` has its first chunk, or None."""
    attempt = latest_attempt(storage, op.id)
    if attempt is None or not storage.has_keys(chunk_key(live_prefix(op.id, attempt, sample), 0)):
        return None
    return attempt


async def _chunks(request: Request, runtime: Runtime, principal: Principal, op_id: str, prefix: str,
                  first: bytes) -> AsyncIterator[bytes]:
    """The chunks in order as they are put, until the end marker; cut short when the attempt
    ends without one (failed, cancelled, taken over) or the viewer leaves."""
    yield first
    number = 1
    storage = runtime.storage
    while not runtime.stopping.is_set() and not await request.is_disconnected():
        key = chunk_key(prefix, number)
        if await run_in_threadpool(storage.has_keys, key):
            yield await run_in_threadpool(storage.read_bytes, key)
            number += 1
            continue
        if await run_in_threadpool(storage.has_keys, end_key(prefix)):
            if not await run_in_threadpool(storage.has_keys, key):  # the last chunk came before the marker
                return
            continue
        op = await run_in_threadpool(runtime.operations.get, principal, op_id)
        if op.is_done and not await run_in_threadpool(storage.has_keys, key):
            return  # it ended without finishing this stream: nothing more will come
        await asyncio.sleep(POLL_SECONDS)


def _finished(runtime: Runtime, op: Operation, sample: int) -> Response:
    """A done operation whose live stream is gone (or never was): its finished MP4, or why not."""
    if op.state is not OperationState.SUCCEEDED:
        raise _unfinished(op)
    video = next((v for v in op.videos if v.sample_index == sample), None)
    if video is None or op.files_expired:
        raise NotFound(f"Video {sample} of this operation is not available (withheld, or its files expired).")
    return StreamingResponse(runtime.storage.iter_chunks(video.storage_key), media_type=MP4,
                             headers={"Cache-Control": "no-store"})


def _unfinished(op: Operation) -> FailedPrecondition:
    message = op.error.message if op.error is not None else op.state.value.lower()
    return FailedPrecondition(f"The operation did not make a video to stream: {message}")


def _codecs(init: bytes, op: Operation) -> str:
    """The RFC 6381 codecs of the stream, read from its H.264 configuration (profile, constraints,
    level), with AAC-LC when it has sound."""
    at = init.find(b"avcC")
    video = f"avc1.{init[at + 5:at + 8].hex()}" if at >= 0 and len(init) >= at + 8 else "avc1.640028"
    return f"{video}, mp4a.40.2" if op.request.generate_audio else video
