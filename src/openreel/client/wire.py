"""Request bodies and operation parsing for the two Google shapes the client can speak."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from openreel.client.config import ClientConfig
from openreel.client.exceptions import InvalidArgument, NotFound, UnexpectedResponse
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
        return "GET", f"/v1beta/{resource_path(operation_name)}", None

    def cancel_path(self, operation_name: str) -> str:
        op_id = path_segment(operation_id(operation_name))
        if self.vertex:
            return f"/v1/{self.location_path}/operations/{op_id}:cancel"
        return f"/v1beta/operations/{op_id}:cancel"


def route_for(config: ClientConfig, model: str) -> Route:
    """Raises InvalidArgument for an empty model id and NotFound for one with a '/' (no model has
    one), which no URL could carry to the server's model routes."""
    model = model.removeprefix("models/").removeprefix("publishers/google/models/")
    if not model:
        raise InvalidArgument("The model id is empty.")
    if "/" in model:
        raise NotFound(f"Model '{model}' was not found: a model id has no '/'.")
    model = path_segment(model)
    if config.project:
        location = f"projects/{path_segment(config.project)}/locations/{path_segment(config.location)}"
        resource = f"{location}/publishers/google/models/{model}"
        return Route(f"/v1beta1/{resource}:predictLongRunning", resource, True, location)
    return Route(f"/v1beta/models/{model}:predictLongRunning", f"models/{model}", False, "")


def storyboard_route(route: Route) -> Route:
    """Where a storyboard for `route`'s model goes: openreel's own call, Gemini-shaped on either
    surface, so its operation is polled and cancelled the Gemini way."""
    model = route.resource.rsplit("/", 1)[-1]
    return Route(f"/v1beta/models/{model}:generateStoryboard", f"models/{model}", False, "")


def path_segment(value: str) -> str:
    """`value` as one URL path segment: '/', '?', '#' and '%' escaped, and '.' or '..' spelled so
    that no client or proxy takes it for a step up the path."""
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def resource_path(name: str) -> str:
    """A resource name the server gave (models/m/operations/id) as a URL path, segment by segment."""
    return "/".join(path_segment(part) for part in name.split("/"))


def operation_id(name_or_id: str) -> str:
    """The id of an operation name (its last segment); a name or id may end in '/'. Raises
    InvalidArgument when there is none."""
    op_id = name_or_id.rstrip("/").rsplit("/", 1)[-1]
    if not op_id:
        raise InvalidArgument(f"The operation name {name_or_id!r} has no id.")
    return op_id


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
    """An operation as the server sent it. One no openreel server sends (no name, a malformed
    error, metadata or response) raises UnexpectedResponse, rather than a KeyError later or a
    poll of a nameless operation that never ends."""
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise UnexpectedResponse("it sent an operation without a name")
    try:
        return _parsed(name, body)
    except (AttributeError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        raise UnexpectedResponse(f"operation {name[:80]} is malformed ({exc})") from None


def _parsed(name: str, body: dict[str, Any]) -> ParsedOperation:
    done, metadata, error = body.get("done", False), body.get("metadata") or {}, body.get("error")
    if not isinstance(done, bool) or not isinstance(metadata, dict):
        raise TypeError("its done or metadata field has the wrong type")
    if any(not _is_number(metadata.get(key, 0)) for key in ("progressPercent", "queuePosition")):
        raise ValueError("its progress is not a number")
    if error is not None and not (isinstance(error, dict) and type(error.get("code")) is int
                                  and isinstance(error.get("message", ""), str)):
        raise ValueError("its error has no numeric code")
    response = body.get("response") or {}
    inner = response.get("generateVideoResponse", response)
    videos = []
    for sample in inner.get("generatedSamples") or []:  # Gemini shape
        video = sample.get("video", {})
        videos.append(_video_ref(video.get("uri"), video.get("encodedVideo"), video.get("encoding")))
    for video in inner.get("videos") or []:  # Vertex shape
        videos.append(_video_ref(video.get("gcsUri"), video.get("bytesBase64Encoded"), video.get("mimeType")))
    return ParsedOperation(
        name=name, done=done, metadata=metadata, error=error, videos=videos,
        rai_filtered_count=int(inner.get("raiMediaFilteredCount") or 0),
        rai_filtered_reasons=_reasons(inner.get("raiMediaFilteredReasons")))


def _reasons(value: Any) -> list[str]:
    """raiMediaFilteredReasons: a list of strings (one string alone is taken as a list of one)."""
    if isinstance(value, str):
        return [value]
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise TypeError("its raiMediaFilteredReasons is not a list of strings")
    return list(value or [])


def _video_ref(uri: Any, data: Any, mime_type: Any) -> VideoRef:
    if not all(value is None or isinstance(value, str) for value in (uri, data, mime_type)):
        raise TypeError("a video's uri, bytes or type is not a string")
    return VideoRef(uri, base64.b64decode(data, validate=True) if data else None, mime_type or "video/mp4")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def download_path(uri: str) -> str | None:
    """The download path of a Gemini file URI (the host in the URI is not trusted or needed)."""
    match = _FILE_ID.search(uri)
    return f"/v1beta/files/{match.group(1)}:download" if match else None
