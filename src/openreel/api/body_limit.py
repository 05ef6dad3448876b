"""Bounded request bodies, and the API key checked before any of a body is read.

FastAPI reads and parses a body before it runs dependencies, so without this middleware anyone
could make the server buffer hundreds of megabytes before learning that they have no key. Here,
for every route that needs a key:

1. the key is resolved from headers and query alone (the same code as the `authenticate`
   dependency, which then reuses the Principal stored in the scope state); a missing or bad key
   is answered 401/403 without reading a byte of the body;
2. a declared Content-Length over the limit is answered 413 without reading the body;
3. the body is counted as the app reads it, so a chunked body (or one whose length was not
   declared) is cut off with 413 as soon as it crosses the limit.

The admin routes (/v1/admin/...) take the admin key, which is no API key: for them step 1 is the
admin guard (api/admin.py) instead, and steps 2 and 3 are the same.

The 413 is a google.rpc envelope with status INVALID_ARGUMENT, the status Google's own endpoints
use for an oversized payload ("Request payload size exceeds the limit"), and the one
api/errors.py already maps 413 to; it is not RESOURCE_EXHAUSTED, because retrying cannot help.
Starlette's RequestBodyLimitMiddleware does the counting too, but answers in plain text on some
paths and cannot name the limit, which is why this one exists.
"""

from __future__ import annotations

import re

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openreel.api.admin import check_admin, is_admin_path
from openreel.api.deps import PRINCIPAL_STATE, resolve_principal
from openreel.api.errors import error_response
from openreel.domain.request import MAX_REFERENCE_IMAGES
from openreel.errors import OpenreelError
from openreel.observability.logs import bind
from openreel.protocol.rpc import error_envelope, error_info
from openreel.runtime import Runtime
from openreel.settings import Settings

# Routes that need no key: the playground, its files, health checks and the API docs.
PUBLIC_PATHS = frozenset({"/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect",
                          "/redoc"})
PUBLIC_PREFIXES = ("/static/",)
# Room for everything in a create request besides the inline media: prompts, parameters, labels.
JSON_SLACK_BYTES = 1024 * 1024
_INTERACTIONS = re.compile(r"^/[^/]+/interactions(/|$)")
_CHARACTERS = re.compile(r"^/[^/]+/characters(/|$)")


def request_size_limit(settings: Settings) -> int:
    """The largest request body accepted: settings.max_request_bytes, or else the size of the
    largest legal create request (a video and five images inline as base64, plus JSON)."""
    if settings.max_request_bytes is not None:
        return settings.max_request_bytes
    images = 2 + MAX_REFERENCE_IMAGES  # image, lastFrame and the reference images
    return (_base64_size(settings.max_video_bytes) + images * _base64_size(settings.max_image_bytes)
            + JSON_SLACK_BYTES)


def image_request_size_limit(settings: Settings) -> int:
    """The largest body of the fronts that take images but no video (OpenAI's /v1/videos, the
    Interactions API, storyboards): their largest legal create request, three images as base64
    plus JSON."""
    largest = MAX_REFERENCE_IMAGES * _base64_size(settings.max_image_bytes) + JSON_SLACK_BYTES
    return min(largest, request_size_limit(settings))


def takes_no_video(path: str) -> bool:
    """Whether a path is one of the fronts whose requests carry at most images."""
    return (path == "/v1/videos" or path.startswith("/v1/videos/") or _INTERACTIONS.match(path) is not None
            or path.endswith(":generateStoryboard") or _CHARACTERS.match(path) is not None)


def _base64_size(raw_bytes: int) -> int:
    return 4 * -(-raw_bytes // 3)


def is_public(path: str) -> bool:
    """Whether a path is served without a key (and so passes this middleware untouched)."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def too_large_response(limit: int) -> JSONResponse:
    """413 in the google.rpc envelope, naming the limit in bytes (also in ErrorInfo metadata)."""
    message = f"Request payload size exceeds the limit: {limit} bytes."
    details = [error_info("REQUEST_TOO_LARGE", metadata={"limitBytes": str(limit)})]
    return JSONResponse(error_envelope(413, "INVALID_ARGUMENT", message, details), status_code=413)


class BodyLimitMiddleware:
    """Pure ASGI middleware: authenticate from headers, then let at most `max_bytes` of body in."""

    def __init__(self, app: ASGIApp, max_bytes: int, image_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # The limit of the fronts that take no video (takes_no_video).
        self.image_max_bytes = max_bytes if image_max_bytes is None else image_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        try:
            if is_admin_path(scope["path"]):
                check_admin(HTTPConnection(scope), runtime.settings)
            else:
                principal = await resolve_principal(HTTPConnection(scope), runtime)
                scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
                bind(project=principal.project)
        except OpenreelError as exc:
            runtime.metrics.reject(exc.metric_reason, exc.metric_category)
            await error_response(exc)(scope, receive, send)
            return
        limit = self.image_max_bytes if takes_no_video(scope["path"]) else self.max_bytes
        if (_declared_length(scope) or 0) > limit:
            runtime.metrics.reject("INVALID_ARGUMENT")
            await too_large_response(limit)(scope, receive, send)
            return
        await _CountedBody(limit, send).run(self.app, scope, receive)


def _declared_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None


class _BodyTooLarge(Exception):
    pass


class _CountedBody:
    """One request whose body is counted as the app reads it. Once the count passes the limit,
    the app's read fails, whatever the app answers to that is dropped, and the client gets 413."""

    def __init__(self, max_bytes: int, send: Send) -> None:
        self.max_bytes = max_bytes
        self.downstream = send
        self.received = 0
        self.exceeded = False
        self.response_started = False

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.max_bytes:
                    self.exceeded = True
                    raise _BodyTooLarge
            return message

        try:
            await app(scope, counted_receive, self.send)
        except Exception:
            # FastAPI turns a failed body read into its own 400, or the error may surface here;
            # either way it is only the echo of the limit this class enforced.
            if not self.exceeded:
                raise
        if self.exceeded and not self.response_started:
            await too_large_response(self.max_bytes)(scope, receive, self.downstream)

    async def send(self, message: Message) -> None:
        if self.exceeded:
            return
        if message["type"] == "http.response.start":
            self.response_started = True
        await self.downstream(message)
