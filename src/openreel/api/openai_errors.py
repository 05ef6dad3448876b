"""Errors of OpenAI's /v1/videos front in OpenAI's envelope.

Every error openreel answers (a refused key, a body over the limit, a bad field, a quota, a 500)
is written once, as google.rpc, wherever it arises. This outermost middleware rewrites those under
/v1/videos into {"error": {"message", "type", "param", "code"}}, the shape the openai SDK and
LiteLLM read, keeping the status and headers (Retry-After)."""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openreel.protocol.openai_videos import error_envelope

PREFIX = "/v1/videos"


class OpenAIErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def reshaping_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = MutableHeaders(raw=message["headers"]).get("content-type", "")
                if message["status"] >= 400 and content_type.startswith("application/json"):
                    start = message  # held until the whole body is here
                    return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _send_reshaped(send, start, b"".join(chunks))

        await self.app(scope, receive, reshaping_send)


async def _send_reshaped(send: Send, start: Message, body: bytes) -> None:
    try:
        google = json.loads(body)
        reshaped = json.dumps(error_envelope(start["status"], google)).encode() if "error" in google else body
    except (json.JSONDecodeError, TypeError, AttributeError):
        reshaped = body
    headers = MutableHeaders(raw=list(start["headers"]))
    headers["content-length"] = str(len(reshaped))
    await send({**start, "headers": headers.raw})
    await send({"type": "http.response.body", "body": reshaped})
