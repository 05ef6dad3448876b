"""One delivery attempt: POST a signed body, and describe what happened in a few plain words.

The outcome is data, never an exception, because every failure of a receiver (down, slow, wrong
status, refused address) is an ordinary result for the dispatcher to record and schedule.
"""

from __future__ import annotations

import math
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from openreel.webhooks.deadline import attempt_deadline

from openreel.webhooks.ssrf import BlockedAddress

# A receiver's answer is only looked at for its status; reading a little lets a small body finish
# (so the connection can be reused) without letting a hostile one stream without end. Reading
# stops at the first network chunk that crosses this, and raw bytes are read (no decompression).
MAX_RESPONSE_BYTES = 4096
# Retry-After beyond this is clamped: one receiver must not park a delivery for days.
MAX_RETRY_AFTER = timedelta(hours=1)

_E = TypeVar("_E", bound=BaseException)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """`ok` only for a 2xx. `error` is short and for people ("HTTP 500", "timed out"); it never
    holds headers, the URL or the secret. `retry_after` is the receiver's wish on 429/503."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after: timedelta | None = None


def send(client: httpx.Client, url: str, body: bytes, headers: dict[str, str],
         deadline_seconds: float | None = None) -> DeliveryOutcome:
    """POST `body` as application/json with `headers` added (they win over Content-Type) and
    report the outcome. Never raises for network, protocol or address problems; redirects are not
    followed (a 3xx is a failure). Use a `guarded_client` so that internal addresses are refused;
    its connections also keep to `deadline_seconds` for the whole attempt (webhooks/deadline.py),
    however slowly the receiver trickles its answer."""
    request_headers = httpx.Headers({"Content-Type": "application/json"})
    request_headers.update(headers)
    started = time.monotonic()
    try:
        with attempt_deadline(deadline_seconds or math.inf), \
                client.stream("POST", url, content=body, headers=request_headers) as response:
            _read_some(response)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return DeliveryOutcome(False, None, describe_failure(exc), _elapsed_ms(started))
    status = response.status_code
    ok = 200 <= status < 300
    error = None if ok else f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    retry_after = None
    if status in (429, 503) and "Retry-After" in response.headers:
        retry_after = parse_retry_after(response.headers["Retry-After"], datetime.now(timezone.utc))
    return DeliveryOutcome(ok, status, error, _elapsed_ms(started), retry_after)


def parse_retry_after(value: str, now: datetime) -> timedelta | None:
    """A Retry-After value (delay seconds or an HTTP date) as a delay from `now`, clamped to
    [0, MAX_RETRY_AFTER]; None when it is neither form."""
    value = value.strip()
    if value.isdigit():
        # Clamped before timedelta sees it: a 30-digit number would overflow it.
        delay = timedelta(seconds=min(int(value), int(MAX_RETRY_AFTER.total_seconds())))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000" dates parse naive; HTTP dates are GMT
            when = when.replace(tzinfo=timezone.utc)
        delay = when - now
    return min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


def describe_failure(exc: Exception) -> str:
    """A few words for an attempt that got no HTTP response. Built from exception types, not their
    text, except a refused address's own message (host and IP only)."""
    blocked = _find(exc, BlockedAddress)
    if blocked is not None:
        return f"blocked: {blocked}"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "invalid URL"
    if isinstance(exc, httpx.ConnectError):
        if _find(exc, ConnectionRefusedError) is not None:
            return "connection refused"
        if _find(exc, socket.gaierror) is not None:
            return "cannot resolve host"
        if _find(exc, ssl.SSLCertVerificationError) is not None:
            return "TLS certificate not trusted"
        if _find(exc, ssl.SSLError) is not None:
            return "TLS handshake failed"
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "receiver broke the HTTP protocol or closed the connection"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection lost"
    return f"request failed ({type(exc).__name__})"


def _find(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first `kind` in exc's chain: its causes and contexts, and exceptions held in its args
    (httpcore wraps OSErrors as ConnectError(oserror), and its pool drops the __cause__)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(link for link in (current.__cause__, current.__context__) if link is not None)
    return None


def _read_some(response: httpx.Response) -> None:
    received = 0
    for chunk in response.iter_raw():
        received += len(chunk)
        if received >= MAX_RESPONSE_BYTES:
            break


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
