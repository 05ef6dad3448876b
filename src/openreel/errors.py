"""One exception tree for openreel. Every error knows its google.rpc status, its HTTP code and
whether retrying the same call can help; one API handler renders them all as the google.rpc
envelope, and the worker stores them on failed operations with their gRPC code.

    OpenreelError
    ├── InvalidArgument        400 INVALID_ARGUMENT   (carries BadRequest field violations)
    │   └── SafetyBlocked      a prompt or input image the safety filter refused (ErrorInfo SAFETY_BLOCKED)
    ├── FailedPrecondition     400 FAILED_PRECONDITION
    ├── Unauthenticated        401 UNAUTHENTICATED
    ├── PermissionDenied       403 PERMISSION_DENIED
    ├── NotFound               404 NOT_FOUND
    ├── Aborted                409 ABORTED
    ├── ResourceExhausted      429 RESOURCE_EXHAUSTED (retryable)
    │   └── OutOfMemory        an engine ran out of (GPU) memory: the worker retries the operation
    ├── Cancelled              499 CANCELLED
    ├── InternalError          500 INTERNAL
    ├── Unimplemented          501 UNIMPLEMENTED
    ├── ServiceUnavailable     503 UNAVAILABLE        (retryable)
    └── DeadlineExceeded       504 DEADLINE_EXCEEDED  (retryable)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class OpenreelError(Exception):
    status: ClassVar[str] = "UNKNOWN"
    http_code: ClassVar[int] = 500
    grpc_code: ClassVar[int] = 2
    retryable: ClassVar[bool] = False
    # The class the metrics count it under (openreel_errors_total{category}) where that is not its
    # status in lower case: the one table of error classes (docs/monitoring.md).
    category: ClassVar[str] = ""
    # The reason openreel_requests_rejected_total counts a refusal under, where that is not its
    # status in lower case.
    rejection_reason: ClassVar[str] = ""

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[dict[str, Any]] = details or []

    @property
    def metric_category(self) -> str:
        return self.category or self.status.lower()

    @property
    def metric_reason(self) -> str:
        return self.rejection_reason or self.status.lower()


class InvalidArgument(OpenreelError):
    status, http_code, grpc_code = "INVALID_ARGUMENT", 400, 3

    def __init__(self, message: str, violations: list[FieldViolation] | None = None) -> None:
        self.violations = violations or []
        details = []
        if self.violations:
            details.append({
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [
                    {"field": v.field, "description": v.description} for v in self.violations
                ],
            })
        super().__init__(message, details=details)

    @classmethod
    def for_field(cls, field: str, description: str) -> InvalidArgument:
        return cls.from_violations([FieldViolation(field, description)])

    @classmethod
    def from_violations(cls, violations: list[FieldViolation]) -> InvalidArgument:
        """One error for every bad field; its message names the first and counts the rest."""
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        return cls(f"Invalid value at '{first.field}': {first.description}{more}", violations)


    def with_fields_renamed(self, rename: Callable[[str], str]) -> InvalidArgument:
        """This refusal with each field named as another front's caller sent it (`seconds` for
        parameters.durationSeconds): message, violations and BadRequest detail alike."""
        if self.violations:
            first = self.violations[0].field
            self.message = self.message.replace(f"'{first}'", f"'{rename(first)}'", 1)
            self.args = (self.message,)
        self.violations = [FieldViolation(rename(v.field), v.description) for v in self.violations]
        for detail in self.details:
            if "fieldViolations" in detail:
                detail["fieldViolations"] = [{"field": v.field, "description": v.description}
                                             for v in self.violations]
        return self


class SafetyBlocked(InvalidArgument):
    """What the safety filter refused: the field, a short category-level reason that never repeats
    the words that matched, and the stable support code (openreel/safety/categories.py). The
    message says "safety", as the seed guide's error handling looks for."""

    category = rejection_reason = "safety"

    def __init__(self, field: str, what: str, reason: str, support_code: str, category: str) -> None:
        super().__init__(f"The {what} was blocked by the safety filter: it appears to involve {reason}. "
                         f"Rephrase it and try again. Support codes: {support_code}",
                         [FieldViolation(field, f"blocked by the safety filter ({reason}); "
                                                f"support code {support_code}")])
        self.support_code, self.safety_category = support_code, category
        self.details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SAFETY_BLOCKED",
                             "domain": "openreel", "metadata": {"category": category, "supportCode": support_code}})


class FailedPrecondition(OpenreelError):
    status, http_code, grpc_code = "FAILED_PRECONDITION", 400, 9


class Unauthenticated(OpenreelError):
    status, http_code, grpc_code = "UNAUTHENTICATED", 401, 16


class PermissionDenied(OpenreelError):
    status, http_code, grpc_code, category = "PERMISSION_DENIED", 403, 7, "permission"


class NotFound(OpenreelError):
    status, http_code, grpc_code = "NOT_FOUND", 404, 5


class AlreadyExists(OpenreelError):
    status, http_code, grpc_code = "ALREADY_EXISTS", 409, 6


class OutOfRange(OpenreelError):
    status, http_code, grpc_code = "OUT_OF_RANGE", 400, 11


class Aborted(OpenreelError):
    status, http_code, grpc_code = "ABORTED", 409, 10


class ResourceExhausted(OpenreelError):
    status, http_code, grpc_code, retryable, category = "RESOURCE_EXHAUSTED", 429, 8, True, "quota"


class OutOfMemory(ResourceExhausted):
    """Raised by an engine that ran out of memory and freed what the attempt held."""

    category = "engine"


class Cancelled(OpenreelError):
    status, http_code, grpc_code = "CANCELLED", 499, 1


class InternalError(OpenreelError):
    status, http_code, grpc_code = "INTERNAL", 500, 13


class Unimplemented(OpenreelError):
    status, http_code, grpc_code = "UNIMPLEMENTED", 501, 12


class ServiceUnavailable(OpenreelError):
    status, http_code, grpc_code, retryable = "UNAVAILABLE", 503, 14, True


class DeadlineExceeded(OpenreelError):
    status, http_code, grpc_code, retryable, category = "DEADLINE_EXCEEDED", 504, 4, True, "deadline"


class Deleted(Cancelled):
    """The operation was deleted while it ran: stop and record nothing (there is nothing left to
    record on). The work it started elsewhere goes too."""


class RemoteUnavailable(ServiceUnavailable):
    """The remote API behind an engine cannot be reached or answer right now; a later attempt may."""

    category = "upstream"


class ClaimLost(Cancelled):
    """The worker no longer holds the operation (its lease passed to another worker): stop and
    record nothing. Unlike a cancellation, the work it started (a remote job) goes on elsewhere."""


class OperationFailed(OpenreelError):
    """An operation's terminal error as another system reported it (a remote API's failed
    operation or refused call): the worker records its code and message as they are, never
    retrying it or taking it for a local cancellation."""

    category = "upstream"

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def grpc_code_for_status(status: str) -> int:
    """The google.rpc code of a status name such as "INVALID_ARGUMENT" (2, UNKNOWN, if not one)."""
    return next((cls.grpc_code for cls in _KNOWN if cls.status == status.upper()), OpenreelError.grpc_code)


_KNOWN = (InvalidArgument, FailedPrecondition, Unauthenticated, PermissionDenied, NotFound, AlreadyExists, OutOfRange,
          Aborted, ResourceExhausted, Cancelled, InternalError, Unimplemented, ServiceUnavailable, DeadlineExceeded)
