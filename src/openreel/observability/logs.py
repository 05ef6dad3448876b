"""Structured logs: one JSON object per line (structlog), with the request id, the operation and the
project on every line, for log pipelines (Loki, Cloud Logging, Elasticsearch) to index.

Every process logs through the standard library (uvicorn, Celery and our own modules alike);
`json_formatter()` renders those records with structlog's processors. The context comes from
`log_context()`: the API binds a request id (X-Request-Id, or a new one) and, once the caller is
known, the project; a worker binds the operation, its project and the attempt for the run. The
context is a mutable dict in a context variable, so what a route's thread binds (the operation it
created) is seen by the access line the server writes afterwards in the request's task.

Secrets never reach a line: every string of the event goes through log_redaction.redact (keys,
Bearer tokens, webhook secrets, presigned-URL signatures).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from openreel.observability.log_redaction import redact

# The fields every line carries (null when unknown, e.g. a start-up line).
CONTEXT_FIELDS = ("request_id", "operation", "project")

_context: ContextVar[dict[str, Any] | None] = ContextVar("openreel_log_context", default=None)


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """A fresh context for one request or one job, holding `fields`; bind() adds to it."""
    token = start_context(**fields)
    try:
        yield _context.get() or {}
    finally:
        end_context(token)


def start_context(**fields: Any) -> Token[dict[str, Any] | None]:
    """log_context without the context manager, for the request path (end it with end_context)."""
    return _context.set(dict(fields))


def end_context(token: Token[dict[str, Any] | None]) -> None:
    _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current request's or job's context (nothing outside one)."""
    context = _context.get()
    if context is not None:
        context.update(fields)


def current(field: str) -> Any:
    context = _context.get()
    return None if context is None else context.get(field)


def _add_context(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    context = _context.get() or {}
    for name in CONTEXT_FIELDS:
        event.setdefault(name, context.get(name))
    for name, value in context.items():
        event.setdefault(name, value)
    return event


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for name, value in event.items():
        if isinstance(value, str):
            event[name] = redact(value)
    return event


def json_formatter() -> logging.Formatter:
    """A logging formatter that writes each record as one JSON object: timestamp, level, logger,
    event (the message), the context fields, and the traceback as text when there is one."""
    import structlog  # here: a process logging text (the default) does not pay for importing it

    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_context,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact,
            structlog.processors.JSONRenderer(),
        ],
    )


def configure_process_logging(level: str, log_format: str) -> None:
    """For a process that is not uvicorn's (`openreel worker`): the root logger writes to stderr
    as JSON or as plain text lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter() if log_format == "json"
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
