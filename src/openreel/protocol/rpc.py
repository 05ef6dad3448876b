"""The google.rpc error envelope and the google.longrunning error body."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def error_envelope(http_code: int, status: str, message: str,
                   details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """HTTP error body every Google API uses: error.code is the HTTP status. Text a caller sent
    and an error repeats (a field name, a model id) may hold lone surrogates, which JSON cannot
    carry as UTF-8: they are written as U+FFFD."""
    envelope = {"error": {"code": http_code, "message": message, "status": status, "details": details or []}}
    return _encodable(envelope)  # type: ignore[no-any-return]


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    return value


def operation_error(grpc_code: int, message: str) -> dict[str, Any]:
    """A failed operation's `error`: error.code is the gRPC code, not the HTTP one."""
    return {"code": grpc_code, "message": message, "details": []}


RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"


def retry_info(seconds: float) -> dict[str, Any]:
    return {"@type": RETRY_INFO_TYPE, "retryDelay": f"{seconds:.3f}s"}


def rfc3339(moment: datetime) -> str:
    """A UTC time as Google's JSON writes Timestamps: 2026-12-02T09:30:00.123456Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def error_info(reason: str, domain: str = "openreel", metadata: dict[str, str] | None = None) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
            "domain": domain, "metadata": metadata or {}}


def wire_field(loc: tuple[int | str, ...]) -> str:
    """A validation error's location as the wire path Google's errors use: instances[0].image."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def describe_error(error: Mapping[str, Any]) -> tuple[str, str]:
    """(wire field, what is wrong with it) for one pydantic validation error."""
    description = "unknown field" if error["type"] == "extra_forbidden" else str(error["msg"])
    return wire_field(tuple(error["loc"])), description


# google.rpc.Code: the names the other fronts report a failed operation's code by.
_CODE_NAMES = ("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
               "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
               "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED")


def code_name(grpc_code: int) -> str:
    """INVALID_ARGUMENT for 3, and so on; UNKNOWN for a number outside google.rpc.Code."""
    return _CODE_NAMES[grpc_code] if 0 <= grpc_code < len(_CODE_NAMES) else "UNKNOWN"
