"""The HTTP calls to the remote API, and what its answers mean: an operation, or a RemoteError
that says whether to wait and retry (429, 5xx, no connection) and for how long the remote asked."""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from openreel.engines.upstream.credentials import Credentials, TokenEndpointUnavailable
from openreel.engines.upstream.wire import Routes

RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"
# Answers worth trying again later: too many requests, and the remote's own troubles.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)s$")
DOWNLOAD_CHUNK = 1 << 20
MAX_RETRY_AFTER_SECONDS = 86400.0


class RemoteError(Exception):
    """An HTTP error answer (or no answer at all: http_status 0) from the remote."""

    def __init__(self, http_status: int, status: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{http_status} {status}: {message}" if http_status else message)
        self.http_status, self.status, self.message, self.retry_after = http_status, status, message, retry_after

    @property
    def retryable(self) -> bool:
        return self.http_status == 0 or self.http_status in RETRYABLE_STATUSES

    @property
    def refused_credentials(self) -> bool:
        return self.http_status in (401, 403)


class RemoteApi:
    """One entry's remote: create, poll, cancel and delete operations; download their videos."""

    def __init__(self, routes: Routes, credentials: Credentials, timeout_seconds: float, max_answer_bytes: int,
                 max_video_bytes: int) -> None:
        self.routes, self.credentials = routes, credentials
        self.max_answer_bytes, self.max_video_bytes = max_answer_bytes, max_video_bytes
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_seconds, connect=10.0), follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def create(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        # Google ignores the header; another openreel answers a repeat with the operation the
        # first call made, so a create whose answer was lost is not made twice there.
        return self._call("POST", self.routes.create, body, {"Idempotency-Key": idempotency_key})

    def poll(self, name: str) -> dict[str, Any]:
        method, url, body = self.routes.poll(name)
        return self._call(method, url, body)

    def cancel(self, name: str) -> None:
        self._call("POST", self.routes.cancel(name), {})

    def delete(self, name: str) -> None:
        self._call("DELETE", self.routes.delete(name), None)

    def download(self, url: str, path: Path) -> None:
        """Stream the video at `url` to `path`. The credentials go only to the remote's own host:
        a redirect elsewhere (a signed storage URL) is followed without them."""
        headers = self._credential_headers()
        origin = urlsplit(url).netloc
        for _ in range(5):
            try:
                with self._http.stream("GET", url, headers=headers if urlsplit(url).netloc == origin else {}) as answer:
                    if answer.is_redirect and "location" in answer.headers:
                        url = str(answer.url.join(answer.headers["location"]))
                        continue
                    if answer.status_code != 200:
                        answer.read()
                        raise remote_error(answer)
                    with path.open("wb") as out:
                        for chunk in _capped(answer, self.max_video_bytes, "max_video_bytes"):
                            out.write(chunk)
                    return
            except httpx.HTTPError as exc:
                raise _unsent_or_unanswered(exc, f"the download from {urlsplit(url).netloc}") from None
        raise RemoteError(0, "UNAVAILABLE", f"too many redirects downloading {urlsplit(url).path}")

    def _call(self, method: str, url: str, body: dict[str, Any] | None,
              headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        try:
            with self._http.stream(method, url, json=body,
                                   headers={**self._credential_headers(), **(headers or {})}) as streamed:
                # Decoded already: drop its encoding.
                content = b"".join(_capped(streamed, self.max_answer_bytes, "max_answer_bytes"))
                kept = [(k, v) for k, v in streamed.headers.items() if k.lower() != "content-encoding"]
                answer = httpx.Response(streamed.status_code, headers=kept, content=content, request=streamed.request)
        except httpx.HTTPError as exc:
            raise _unsent_or_unanswered(exc, urlsplit(url).netloc) from None
        if answer.status_code != 200:
            raise remote_error(answer)
        try:
            parsed = answer.json()
        except ValueError:
            # Not retried: whatever answered (a proxy's page?) may have passed the call on.
            raise RemoteError(200, "INTERNAL", f"{urlsplit(url).netloc} answered with something other "
                                               "than JSON") from None
        return parsed if isinstance(parsed, dict) else {}

    def _credential_headers(self) -> dict[str, str]:
        try:
            return self.credentials.headers()
        except TokenEndpointUnavailable as exc:  # nothing was sent: retried like a call with no answer
            raise RemoteError(0, "UNAVAILABLE", str(exc)) from None


def _capped(answer: httpx.Response, limit: int, setting: str) -> Iterator[bytes]:
    """The answer's body in chunks, refused past `limit` bytes (announced or as it streams)."""
    announced = int(answer.headers.get("content-length") or 0)
    received = 0
    for chunk in ([] if announced > limit else answer.iter_bytes(DOWNLOAD_CHUNK)):
        received += len(chunk)
        if received > limit:
            break
        yield chunk
    if announced > limit or received > limit:
        raise RemoteError(200, "INTERNAL", f"the remote sent more than {setting} ({limit} bytes)")


def _unsent_or_unanswered(exc: httpx.HTTPError, where: str) -> RemoteError:
    """A call that failed on the wire. A request that could not even be written (an illegal header
    value: the credential is malformed) is not retried, and its text, which may quote the header,
    is never shown; a call that got no answer may have reached the remote, and is retryable."""
    if isinstance(exc, httpx.LocalProtocolError):
        return RemoteError(400, "FAILED_PRECONDITION", f"the request to {where} could not be sent (a header "
                                                       "value is malformed: check the credentials)")
    return RemoteError(0, "UNAVAILABLE", f"no answer from {where} ({type(exc).__name__}: {exc})")


def remote_error(answer: httpx.Response) -> RemoteError:
    """The google.rpc error in the body (or the HTTP reason), and the wait the remote asked for."""
    status, details = answer.reason_phrase.upper().replace(" ", "_"), []
    message = answer.text[:500].strip() or f"HTTP {answer.status_code} {answer.reason_phrase}" + (
        f", to {answer.headers['location'][:200]}" if answer.is_redirect and "location" in answer.headers else "")
    try:
        error = answer.json().get("error")
        if isinstance(error, dict):
            status = str(error.get("status") or status)
            message = str(error.get("message") or message)
            details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    except (ValueError, AttributeError):
        pass
    return RemoteError(answer.status_code, status, message, _retry_after(answer.headers, details))


def _retry_after(headers: Mapping[str, str], details: list[dict[str, Any]]) -> float | None:
    """The longer of google.rpc.RetryInfo's retryDelay and the Retry-After header (seconds or an
    HTTP date); None when the remote named no wait."""
    waits = []
    for detail in details:
        if detail.get("@type") == RETRY_INFO_TYPE and (match := _DURATION.match(str(detail.get("retryDelay", "")))):
            waits.append(float(match.group(1)))
    header = headers.get("retry-after", "").strip()
    if header:
        try:
            waits.append(float(header))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(header)
                waits.append((when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    # Whatever it says, never more than a day (an operation's own deadline ends its wait sooner).
    finite = [w for w in waits if math.isfinite(w)]
    return min(max(0.0, max(finite)), MAX_RETRY_AFTER_SECONDS) if finite else None

