"""Server-sent events: an operation's state and progress, pushed until it finishes.

    GET /{v}/operations/{id}:stream      (same auth as every route; the playground reads it with
                                          fetch() so the key stays in a header, never in the URL)

Each change of state, progress or queue position is one `progress` event whose data is the
operation's summary JSON; the finished operation (response or error) is the last, `done`, event.
An operation deleted while it is followed ends the stream with an `error` event (google.rpc body).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from openreel.api.deps import PrincipalDep, PublicUrlDep, RuntimeDep, render
from openreel.api.to_wire import summarize_operation
from openreel.auth import Principal
from openreel.errors import NotFound, ServiceUnavailable
from openreel.protocol.rpc import error_envelope
from openreel.runtime import Runtime

router = APIRouter(tags=["Operations"])
POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _events(request: Request, runtime: Runtime, principal: Principal, operation_id: str,
                  public_url: str) -> AsyncIterator[str]:
    last: tuple[Any, ...] | None = None
    quiet = 0.0
    # A stopping server ends its streams, so that shutdown does not wait on them; clients
    # reconnect to another replica or poll.
    while not runtime.stopping.is_set() and not await request.is_disconnected():
        try:
            op = await run_in_threadpool(runtime.operations.get, principal, operation_id)
        except ServiceUnavailable:  # the database is away for now: keep the stream, look again
            await asyncio.sleep(POLL_SECONDS)
            continue
        except NotFound as exc:  # deleted while followed: say so, as the poll would
            yield _event("error", error_envelope(exc.http_code, exc.status, exc.message))
            return
        if op.is_done:
            body = await run_in_threadpool(render, runtime, op, public_url)
            # Results can be large (inline Vertex bytes); the stream says where, polling fetches.
            body.get("response", {}).pop("videos", None)
            yield _event("done", body)
            return
        current = (op.state, op.progress_percent, op.progress_phase, op.queue_position)
        if current != last:
            last, quiet = current, 0.0
            yield _event("progress", summarize_operation(op))
        elif quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS


@router.get("/{version}/operations/{operation_id}:stream")
async def stream_operation(version: str, operation_id: str, request: Request, principal: PrincipalDep,
                           runtime: RuntimeDep, public_url: PublicUrlDep) -> StreamingResponse:
    await run_in_threadpool(runtime.operations.get, principal, operation_id)  # 404 before streaming
    events = _events(request, runtime, principal, operation_id, public_url)
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
