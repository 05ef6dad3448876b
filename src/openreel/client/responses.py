"""What an openreel server's answers look like, and what the client raises when one does not: a 200
carries a JSON object, an error carries a google.rpc envelope.

Anything else gets a short message, never the page itself: an HTML page or JSON that is not an
object on a 200, a redirect, or a 404 / 405 / 501 without an envelope (a route openreel would have
answered) is UnexpectedResponse, the URL is plainly not an openreel server; any other error status
without an envelope (a proxy's 502 page, say) is the error that status stands for."""

from __future__ import annotations

import json
from typing import Any

import httpx

from openreel.client.exceptions import OpenreelAPIError, UnexpectedResponse, from_http, from_http_status

# Statuses an openreel server always answers with an envelope: without one, someone else answered.
_FOREIGN_ERRORS = {404, 405, 501}


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 200 answer ({} for an empty body), else UnexpectedResponse."""
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:  # not JSON, or not UTF-8
        raise UnexpectedResponse(f"{_request(response)} answered {_kind(response)}, not JSON",
                                 _origin(response)) from None
    if not isinstance(body, dict):
        raise UnexpectedResponse(f"{_request(response)} answered JSON {_excerpt(json.dumps(body))}, "
                                 "not an object", _origin(response))
    return body


def error_for(response: httpx.Response) -> OpenreelAPIError:
    """The exception for a non-200 answer: the server's google.rpc error if it sent one."""
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return from_http(response.status_code, body)
    status_line = f"HTTP {response.status_code} {_excerpt(response.reason_phrase, 40)}".rstrip()
    location = response.headers.get("location")
    if location:
        status_line += f" to {_excerpt(location)}"
    answer = f"{status_line} with {_kind(response)}, not a google.rpc error"
    if response.status_code < 400 or response.status_code in _FOREIGN_ERRORS:
        return UnexpectedResponse(f"{_request(response)} answered {answer}", _origin(response))
    return from_http_status(response.status_code, f"the server answered {answer}")


def check_event_stream(response: httpx.Response) -> None:
    """Raise unless a 200 answer is a server-sent-events stream."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "text/event-stream":
        raise UnexpectedResponse(f"{_request(response)} answered {_excerpt(media_type, 40) or 'no content type'}, "
                                 "not an event stream", _origin(response))


def _json(response: httpx.Response) -> Any:
    """The parsed body, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:  # not JSON, or not UTF-8
        return None


def _kind(response: httpx.Response) -> str:
    """What the body is, in a few words."""
    if not response.content:
        return "an empty body"
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "text/html" or response.content.lstrip()[:1] == b"<":
        return "an HTML page"
    try:
        response.json()
        return "JSON"
    except ValueError:
        return f"a {_excerpt(media_type, 40)} body" if media_type else "a body of no declared type"


def _request(response: httpx.Response) -> str:
    return f"{response.request.method} {_excerpt(response.request.url.path)}"


def _origin(response: httpx.Response) -> str:
    url = response.request.url
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


def _excerpt(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"
