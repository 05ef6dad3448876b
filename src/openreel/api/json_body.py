"""Google's endpoints read a POST (or PATCH, PUT) body as JSON whatever its Content-Type says, and the curl
samples in circulation often omit the header (curl then sends form encoding). This ASGI
middleware marks such bodies as JSON before FastAPI decides how to parse them. json_object reads
such a body for the routes that parse their own."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from openreel.errors import InvalidArgument

_NOT_JSON = (b"", b"application/x-www-form-urlencoded", b"text/plain")
_WITH_BODY = frozenset({"POST", "PATCH", "PUT"})


class JsonBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _WITH_BODY:
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip()
            if content_type in _NOT_JSON:
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await self.app(scope, receive, send)


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, for the fronts that read their bodies themselves (an
    empty body is an empty object); InvalidArgument for anything else."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested past the parser, a 5000-digit number
        raise InvalidArgument("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    return body
