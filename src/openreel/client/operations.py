"""Listing and managing operations and models (what the CLI's server mode uses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from openreel.client.config import ClientConfig
from openreel.client.transport import Transport


class OperationsClient:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.transport = Transport(config)

    def list_operations(self, page_size: int = 20) -> list[dict[str, Any]]:
        body = self.transport.request("GET", f"/v1beta/operations?pageSize={page_size}")
        return list(body.get("operations", []))

    def get_operation(self, name_or_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.transport.request("GET", f"/v1beta/operations/{_op_id(name_or_id)}")
        return body

    def cancel_operation(self, name_or_id: str) -> None:
        self.transport.request("POST", f"/v1beta/operations/{_op_id(name_or_id)}:cancel")

    def list_models(self) -> list[dict[str, Any]]:
        return list(self.transport.request("GET", "/v1beta/models").get("models", []))

    def stream_operation(self, name_or_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(event, operation JSON) pairs from the server-sent-events stream until `done`."""
        with self.transport.http.stream("GET", f"/v1beta/operations/{_op_id(name_or_id)}:stream",
                                        timeout=httpx.Timeout(self.config.timeout, read=None)) as response:
            if response.status_code != 200:
                response.read()
                self.transport.request("GET", f"/v1beta/operations/{_op_id(name_or_id)}")  # raises the error
            event = "message"
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    yield event, json.loads(line.split(":", 1)[1])
                    if event == "done":
                        return


def _op_id(name_or_id: str) -> str:
    return name_or_id.rstrip("/").rsplit("/", 1)[-1]
