"""Request bodies and operation parsing for the two Google shapes the client can speak."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from openreel.client.config import ClientConfig
from openreel.protocol.veo import PredictLongRunningRequest

_FILE_ID = re.compile(r"files/([a-z0-9]+)")


@dataclass(frozen=True)
class Route:
    """Where one model's calls go."""

    create_path: str
    resource: str  # the model resource an operation name starts with (Vertex), or models/{m}
    vertex: bool
    location_path: str  # projects/P/locations/L (Vertex) or "" (Gemini)

    def poll(self, operation_name: str) -> tuple[str, str, dict[str, str] | None]:
        if self.vertex:
            return "POST", f"/v1beta1/{self.resource}:fetchPredictOperation", {"operationName": operation_name}
        return "GET", f"/v1beta/{operation_name}", None

    def cancel_path(self, operation_name: str) -> str:
        op_id = operation_name.rsplit("/", 1)[-1]
        if self.vertex:
            return f"/v1/{self.location_path}/operations/{op_id}:cancel"
        return f"/v1beta/operations/{op_id}:cancel"


def route_for(config: ClientConfig, model: str) -> Route:
    model = model.removeprefix("models/").removeprefix("publishers/google/models/")
    if config.project:
        location = f"projects/{config.project}/locations/{config.location}"
        resource = f"{location}/publishers/google/models/{model}"
        return Route(f"/v1beta1/{resource}:predictLongRunning", resource, True, location)
    return Route(f"/v1beta/models/{model}:predictLongRunning", f"models/{model}", False, "")


def request_body(instance: dict[str, Any], parameters: dict[str, Any], webhook_url: str | None) -> dict[str, Any]:
    """Validated against the same wire schema the server uses, so typos fail before sending."""
    body: dict[str, Any] = {"instances": [instance], "parameters": {k: v for k, v in parameters.items() if v is not None}}
    if webhook_url:
        body["webhookConfig"] = {"uris": [webhook_url]}
    return PredictLongRunningRequest.model_validate(body).model_dump(by_alias=True, exclude_none=True)


@dataclass(frozen=True)
class VideoRef:
    uri: str | None
    data: bytes | None
    mime_type: str


@dataclass(frozen=True)
class ParsedOperation:
    name: str
    done: bool
    metadata: dict[str, Any]
    error: dict[str, Any] | None = None
    videos: list[VideoRef] = field(default_factory=list)
    rai_filtered_count: int = 0
    rai_filtered_reasons: list[str] = field(default_factory=list)


def parse_operation(body: dict[str, Any]) -> ParsedOperation:
    response = body.get("response") or {}
    inner = response.get("generateVideoResponse", response)
    videos = []
    for sample in inner.get("generatedSamples") or []:  # Gemini shape
        video = sample.get("video", {})
        data = video.get("encodedVideo")
        videos.append(VideoRef(video.get("uri"), base64.b64decode(data) if data else None,
                               video.get("encoding") or "video/mp4"))
    for video in inner.get("videos") or []:  # Vertex shape
        data = video.get("bytesBase64Encoded")
        videos.append(VideoRef(video.get("gcsUri"), base64.b64decode(data) if data else None,
                               video.get("mimeType") or "video/mp4"))
    return ParsedOperation(
        name=str(body.get("name", "")), done=bool(body.get("done")), metadata=dict(body.get("metadata") or {}),
        error=body.get("error"), videos=videos,
        rai_filtered_count=int(inner.get("raiMediaFilteredCount") or 0),
        rai_filtered_reasons=list(inner.get("raiMediaFilteredReasons") or []))


def download_path(uri: str) -> str | None:
    """The download path of a Gemini file URI (the host in the URI is not trusted or needed)."""
    match = _FILE_ID.search(uri)
    return f"/v1beta/files/{match.group(1)}:download" if match else None
