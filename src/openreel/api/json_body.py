"""Google's endpoints read a POST (or PATCH, PUT) body as JSON whatever its Content-Type says, and the curl
samples in circulation often omit the header (curl then sends form encoding). This ASGI
middleware marks such bodies as JSON before FastAPI decides how to parse them."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

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
