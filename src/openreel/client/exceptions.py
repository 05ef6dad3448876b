"""Errors the client raises, named as the seed guide's code catches them (google.api_core style).

    OpenreelAPIError                 .code (HTTP), .status, .message, .details, .retry_delay
    ├── InvalidArgument         400
    ├── FailedPrecondition      400
    ├── Unauthenticated         401
    ├── PermissionDenied        403
    ├── NotFound                404
    ├── Aborted                 409
    ├── ResourceExhausted       429  (retryable)
    ├── Cancelled               499
    ├── InternalServerError     500
    ├── ServiceUnavailable      503  (retryable; also a proxy's 502)
    ├── DeadlineExceeded        504  (retryable; also a TimeoutError)
    └── UnexpectedResponse      502  UNAVAILABLE, not retried: the URL answers, but not like an
                                     openreel server (an HTML page, JSON of the wrong shape)

An error answer without a google.rpc envelope (a proxy's or another server's page) is mapped by its
HTTP status, with the status line as its message (see responses.py).
"""

from __future__ import annotations

import re
from typing import Any


class OpenreelAPIError(Exception):
    code: int = 500
    status: str = "UNKNOWN"

    def __init__(self, message: str, *, code: int | None = None, status: str | None = None,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else type(self).code
        self.status = status or type(self).status
        self.details = details or []

    @property
    def retry_delay(self) -> float | None:
        """Seconds the server asked the caller to wait (google.rpc.RetryInfo), if it said."""
        for detail in self.details:
            if detail.get("@type", "").endswith("google.rpc.RetryInfo"):
                match = re.match(r"^([0-9.]+)s$", str(detail.get("retryDelay", "")))
                if match:
                    return float(match.group(1))
        return None

    def __str__(self) -> str:
        return f"{self.code} {self.status}: {self.message}"


class InvalidArgument(OpenreelAPIError):
    code, status = 400, "INVALID_ARGUMENT"


class FailedPrecondition(OpenreelAPIError):
    code, status = 400, "FAILED_PRECONDITION"


class Unauthenticated(OpenreelAPIError):
    code, status = 401, "UNAUTHENTICATED"


class PermissionDenied(OpenreelAPIError):
    code, status = 403, "PERMISSION_DENIED"


class NotFound(OpenreelAPIError):
    code, status = 404, "NOT_FOUND"


class Aborted(OpenreelAPIError):
    code, status = 409, "ABORTED"


class ResourceExhausted(OpenreelAPIError):
    code, status = 429, "RESOURCE_EXHAUSTED"


class Cancelled(OpenreelAPIError):
    code, status = 499, "CANCELLED"


class InternalServerError(OpenreelAPIError):
    code, status = 500, "INTERNAL"


class ServiceUnavailable(OpenreelAPIError):
    code, status = 503, "UNAVAILABLE"


class DeadlineExceeded(OpenreelAPIError, TimeoutError):
    code, status = 504, "DEADLINE_EXCEEDED"


class UnexpectedResponse(OpenreelAPIError):
    """The server answered, but not as an openreel server does: most likely the URL points at
    something else. `.reason` says what was wrong with the answer."""

    code, status = 502, "UNAVAILABLE"

    def __init__(self, reason: str, server: str = "the server") -> None:
        super().__init__(f"{server} does not answer like an openreel server: {reason}")
        self.reason = reason


_CLASSES = (InvalidArgument, FailedPrecondition, Unauthenticated, PermissionDenied, NotFound, Aborted,
            ResourceExhausted, Cancelled, InternalServerError, ServiceUnavailable, DeadlineExceeded)
_BY_STATUS = {cls.status: cls for cls in _CLASSES}
_BY_HTTP = {400: InvalidArgument, 401: Unauthenticated, 403: PermissionDenied, 404: NotFound, 409: Aborted,
            429: ResourceExhausted, 499: Cancelled, 500: InternalServerError, 502: ServiceUnavailable,
            503: ServiceUnavailable, 504: DeadlineExceeded}
# gRPC codes inside a failed operation's `error`.
_BY_GRPC = {3: InvalidArgument, 9: FailedPrecondition, 16: Unauthenticated, 7: PermissionDenied, 5: NotFound,
            10: Aborted, 8: ResourceExhausted, 1: Cancelled, 13: InternalServerError, 14: ServiceUnavailable,
            4: DeadlineExceeded}

RETRYABLE = (ResourceExhausted, ServiceUnavailable)


def from_http(http_status: int, body: Any) -> OpenreelAPIError:
    """The exception for a non-200 HTTP response carrying a google.rpc envelope; without one, the
    exception the HTTP status stands for, with `body` (shortened) as its message."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return from_http_status(http_status, " ".join(str(body).split())[:200])
    status = str(error.get("status", ""))
    cls = _BY_STATUS.get(status) or _BY_HTTP.get(http_status, OpenreelAPIError)
    return cls(str(error.get("message", "")), code=http_status, status=status or None,
               details=_details(error.get("details")))


def from_http_status(http_status: int, message: str) -> OpenreelAPIError:
    """The exception an HTTP status stands for when the answer says nothing more (no envelope)."""
    cls = _BY_HTTP.get(http_status) or (FailedPrecondition if 400 <= http_status < 500 else InternalServerError)
    return cls(message, code=http_status)


def from_operation_error(error: dict[str, Any]) -> OpenreelAPIError:
    """The exception for a finished operation's `error` (a gRPC code, not an HTTP one), as
    wire.parse_operation checked it."""
    cls = _BY_GRPC.get(int(error.get("code", 2)), OpenreelAPIError)
    return cls(str(error.get("message", "")), details=_details(error.get("details")))


def _details(value: Any) -> list[dict[str, Any]]:
    return [detail for detail in value if isinstance(detail, dict)] if isinstance(value, list) else []
