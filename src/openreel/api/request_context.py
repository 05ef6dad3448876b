"""Every request runs in a log context (observability/logs.py) holding its request id: the
caller's X-Request-Id when it is a sane token, else a new one. The id is sent back in the
X-Request-Id header, so a caller can quote it and an operator can find the request's lines."""

from __future__ import annotations

import logging
import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openreel.api.errors import internal_error
from openreel.observability.logs import end_context, start_context

log = logging.getLogger(__name__)

HEADER = b"x-request-id"
# What a caller's id may be: it is written into every log line of the request.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id(scope: Scope) -> bytes:
    """The caller's X-Request-Id, when it is a sane token, else a new random one."""
    for name, value in scope["headers"]:
        if name == HEADER and _SANE_ID.fullmatch(value):
            return bytes(value)
    return os.urandom(16).hex().encode()


class RequestContextMiddleware:
    """Pure ASGI (no body buffering): the context covers the app, the other middleware and the
    server's access line, which is written while the response starts. It is on the poll path, so
    it reads and writes the raw header lists rather than parsing them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), (HEADER, rid)]
            await send(message)

        token = start_context(request_id=rid.decode())
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Here rather than in an app exception handler, which Starlette runs outside every
            # middleware: the traceback's line and the 500 keep the request's id.
            log.exception("unhandled error")
            if started:
                raise
            await internal_error()(scope, receive, send_with_id)
        finally:
            end_context(token)
