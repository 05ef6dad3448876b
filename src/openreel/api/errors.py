"""One place turns every error into the google.rpc envelope with the matching HTTP status."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openreel.errors import FieldViolation, InvalidArgument, OpenreelError
from openreel.protocol.rpc import RETRY_INFO_TYPE, describe_error, error_envelope

log = logging.getLogger(__name__)

_STATUS_BY_HTTP = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                   404: "NOT_FOUND", 405: "UNIMPLEMENTED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
                   429: "RESOURCE_EXHAUSTED", 501: "UNIMPLEMENTED", 503: "UNAVAILABLE"}


def error_response(exc: OpenreelError) -> JSONResponse:
    """The envelope; an error that carries a RetryInfo (every 429, the 503s of a full queue or a
    busy database) also gets the Retry-After header that HTTP clients and proxies read."""
    headers = None
    if (seconds := retry_after_seconds(exc.details)) is not None:
        headers = {"Retry-After": str(seconds)}
    return JSONResponse(error_envelope(exc.http_code, exc.status, exc.message, exc.details),
                        status_code=exc.http_code, headers=headers)


def retry_after_seconds(details: list[dict[str, Any]]) -> int | None:
    """RetryInfo's retryDelay ("2.500s") as Retry-After's whole seconds: rounded up, so a client
    that waits that long is not refused again, and at least 1, since 0 would invite a tight loop."""
    for detail in details:
        if detail.get("@type") == RETRY_INFO_TYPE:
            try:
                delay = float(str(detail.get("retryDelay", "")).removesuffix("s"))
            except ValueError:
                return None
            return max(1, math.ceil(delay)) if math.isfinite(delay) else None
    return None


def count_rejection(request: Request, exc: OpenreelError) -> None:
    """Count a refused request in the metrics of the app's runtime (none before start-up)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        runtime.metrics.reject(exc.metric_reason, exc.metric_category)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OpenreelError)
    async def _openreel(request: Request, exc: OpenreelError) -> JSONResponse:
        count_rejection(request, exc)
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        violations: list[FieldViolation] = []
        for error in exc.errors():
            if error["type"] == "json_invalid":
                violations = []
                break
            # FastAPI puts where a value came from first; a body field or query parameter is
            # named as on the wire.
            loc = tuple(error["loc"])
            located = {**error, "loc": loc[1:] if loc[:1] in (("body",), ("query",)) and loc[1:] else loc}
            violations.append(FieldViolation(*describe_error(located)))
        refusal = (InvalidArgument.from_violations(violations) if violations
                   else InvalidArgument("Invalid JSON payload received."))
        count_rejection(request, refusal)
        return error_response(refusal)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = _STATUS_BY_HTTP.get(exc.status_code, "INTERNAL" if exc.status_code >= 500 else "UNKNOWN")
        message = "The requested URL was not found on this server." if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(error_envelope(exc.status_code, status, message), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Only for what fails outside the request-context middleware, which answers the rest itself.
        log.exception("unhandled error")
        return internal_error()


def internal_error() -> JSONResponse:
    """The 500 of an unexpected error: Google's envelope, and nothing of what went wrong."""
    return JSONResponse(error_envelope(500, "INTERNAL", "Internal error encountered."), status_code=500)
