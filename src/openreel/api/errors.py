"""One place turns every error into the google.rpc envelope with the matching HTTP status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openreel.errors import FieldViolation, InvalidArgument, OpenreelError
from openreel.protocol.rpc import describe_error, error_envelope

log = logging.getLogger(__name__)

_STATUS_BY_HTTP = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                   404: "NOT_FOUND", 405: "UNIMPLEMENTED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
                   429: "RESOURCE_EXHAUSTED", 501: "UNIMPLEMENTED", 503: "UNAVAILABLE"}


def error_response(exc: OpenreelError) -> JSONResponse:
    return JSONResponse(error_envelope(exc.http_code, exc.status, exc.message, exc.details),
                        status_code=exc.http_code)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OpenreelError)
    async def _openreel(_: Request, exc: OpenreelError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        violations = []
        for error in exc.errors():
            if error["type"] == "json_invalid":
                return error_response(InvalidArgument("Invalid JSON payload received."))
            # FastAPI puts where a value came from first; a body field is named as on the wire.
            loc = tuple(error["loc"])
            located = {**error, "loc": loc[1:] if loc[:1] == ("body",) else loc}
            violations.append(FieldViolation(*describe_error(located)))
        return error_response(InvalidArgument.from_violations(violations))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = _STATUS_BY_HTTP.get(exc.status_code, "INTERNAL" if exc.status_code >= 500 else "UNKNOWN")
        message = "The requested URL was not found on this server." if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(error_envelope(exc.status_code, status, message), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_envelope(500, "INTERNAL", "Internal error encountered."), status_code=500)
