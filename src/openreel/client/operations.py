"""Listing and managing operations and models (what the CLI's server mode uses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from openreel.client.config import ClientConfig
from openreel.client.exceptions import ServiceUnavailable, UnexpectedResponse, from_http
from openreel.client.responses import check_event_stream, error_for
from openreel.client.transport import Transport
from openreel.client.wire import ParsedOperation, operation_id, parse_operation, path_segment


class OperationsClient:
    """Each call takes an operation's full name or just its id; an empty one raises InvalidArgument,
    and an answer no openreel server gives raises UnexpectedResponse."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.transport = Transport(config)

    def list_operations(self, page_size: int = 20) -> list[ParsedOperation]:
        body = self.transport.request("GET", f"/v1beta/operations?pageSize={page_size}")
        return [parse_operation(op) for op in _named_items(body, "operations")]

    def get_operation(self, name_or_id: str) -> dict[str, Any]:
        """The operation's JSON as the server sent it (checked to be an operation)."""
        body = self.transport.request("GET", _path(name_or_id))
        parse_operation(body)
        return body

    def cancel_operation(self, name_or_id: str) -> None:
        self.transport.request("POST", f"{_path(name_or_id)}:cancel")

    def list_models(self) -> list[dict[str, Any]]:
        return _named_items(self.transport.request("GET", "/v1beta/models"), "models")

    def stream_operation(self, name_or_id: str) -> Iterator[tuple[str, ParsedOperation]]:
        """(event, operation) pairs from the server-sent-events stream, the last one `done`."""
        path = f"{_path(name_or_id)}:stream"
        with self.transport.http.stream("GET", path, timeout=httpx.Timeout(self.config.timeout, read=None)) as response:
            if response.status_code != 200:
                response.read()
                raise error_for(response)
            check_event_stream(response)
            event = "message"
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    body = _event_data(line.split(":", 1)[1])
                    if event == "error":  # the operation went away while followed (a google.rpc body)
                        raise from_http(_http_code(body), body)
                    yield event, parse_operation(body)
                    if event == "done":
                        return
        raise ServiceUnavailable(f"the server ended the event stream of {name_or_id} before the operation was done")


def _path(name_or_id: str) -> str:
    return f"/v1beta/operations/{path_segment(operation_id(name_or_id))}"


def _event_data(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UnexpectedResponse("its event stream carries data that is not a JSON object")
    return body


def _http_code(envelope: dict[str, Any]) -> int:
    error = envelope.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return code if type(code) is int else 500


def _named_items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """body[key]: a list of objects that each have a name."""
    items = body.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        raise UnexpectedResponse(f"its {key} are not a list of named objects")
    return items
