"""OpenAI's /v1/videos shape (the Sora API): a create call read into the native create body, and
operations written back as Video objects, list pages, deletion receipts, events and errors.

The translation is all there is to this front: the create body it builds goes through the same
validation, safety, quotas and engines as a Veo request, and a field it refuses is named as the
OpenAI caller sent it (`seconds`, `size`, `input_reference`). Shapes follow the official SDK's
types (openai/types/video.py) and what LiteLLM's OpenAI video path sends."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openreel.domain.operation import Operation, OperationState
from openreel.domain.request import AspectRatio, Resolution
from openreel.errors import FieldViolation, InvalidArgument
from openreel.protocol.field_names import FieldNames, renamed
from openreel.protocol.rpc import code_name

VIDEO_ID_PREFIX = "video_"
DEFAULT_MODEL = "sora-2"
# OpenAI's documented defaults: a 4 s portrait clip.
DEFAULT_SECONDS = "4"
DEFAULT_SIZE = "720x1280"
# The sizes openreel renders, as OpenAI writes them: width x height.
SIZES: dict[str, tuple[Resolution, AspectRatio]] = {
    "1280x720": (Resolution.HD, AspectRatio.LANDSCAPE), "720x1280": (Resolution.HD, AspectRatio.PORTRAIT),
    "1920x1080": (Resolution.FULL_HD, AspectRatio.LANDSCAPE), "1080x1920": (Resolution.FULL_HD, AspectRatio.PORTRAIT),
}
# What the front remembers in the request (GenerationRequest.front_options).
REMIXED_FROM = "remixed_from_video_id"
# Create fields this front reads; LiteLLM also forwards `user` (an end-user id), which is ignored.
_CREATE_FIELDS = frozenset({"prompt", "model", "seconds", "size", "input_reference", "user"})
# Native wire fields, as validation names them, and the OpenAI field each one came from.
_FIELD_NAMES: FieldNames = (("instances[0].prompt", "prompt"), ("instances[0].image", "input_reference"),
                ("parameters.durationSeconds", "seconds"), ("parameters.resolution", "size"),
                ("parameters.aspectRatio", "size"))
# google.rpc status -> OpenAI's error type.
_ERROR_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


@dataclass(frozen=True)
class Upload:
    """An input_reference file part: its bytes (the type is read from them, never from the part's
    name or Content-Type, which SDKs send as `upload` and application/octet-stream)."""

    data: bytes


def video_id(op_id: str) -> str:
    return VIDEO_ID_PREFIX + op_id


def operation_id(video_id_: str) -> str:
    """The operation behind a video id; the bare id is accepted too."""
    return video_id_.removeprefix(VIDEO_ID_PREFIX)


def create_body(fields: Mapping[str, Any], upload: Upload | None, seed: int | None = None,
                image: tuple[bytes, str] | None = None) -> tuple[str, dict[str, Any]]:
    """(model id, native create body) for a create call's fields (multipart form fields or a JSON
    object). `image` stands in for input_reference (a remix's first frame); `seed` for none.
    InvalidArgument names every OpenAI field that cannot be read."""
    violations = [FieldViolation(name, "unknown field") for name in fields if name not in _CREATE_FIELDS
                  and not name.startswith("input_reference[")]
    model = fields.get("model", DEFAULT_MODEL)
    if not isinstance(model, str) or not model:
        violations.append(FieldViolation("model", "must be a model id such as sora-2"))
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        violations.append(FieldViolation("prompt", "required: describe the video to generate"))
    seconds = fields.get("seconds", DEFAULT_SECONDS)
    duration = (int(seconds) if isinstance(seconds, (str, int)) and not isinstance(seconds, bool)
                and re.fullmatch(r"[0-9]{1,3}", str(seconds)) else None)
    if duration is None:
        violations.append(FieldViolation("seconds", 'a whole number of seconds as a string, e.g. "4" or "8"'))
    size = fields.get("size", DEFAULT_SIZE)
    if not isinstance(size, str) or size not in SIZES:
        violations.append(FieldViolation("size", f"must be one of {', '.join(SIZES)}"))
    reference = _reference(fields, upload, violations)
    if violations:
        raise InvalidArgument.from_violations(violations)
    resolution, aspect = SIZES[str(size)]
    instance: dict[str, Any] = {"prompt": prompt}
    if image is None and reference is not None:
        image = (reference, "")  # its type is read from its bytes
    if image is not None:
        data, mime = image
        instance["image"] = {"bytesBase64Encoded": base64.b64encode(data).decode("ascii")} | (
            {"mimeType": mime} if mime else {})
    parameters: dict[str, Any] = {"durationSeconds": duration, "resolution": resolution.value,
                                  "aspectRatio": aspect.value}
    if seed is not None:
        parameters["seed"] = seed
    return str(model), {"instances": [instance], "parameters": parameters}


def _reference(fields: Mapping[str, Any], upload: Upload | None, violations: list[FieldViolation]) -> bytes | None:
    if upload is not None:
        return upload.data
    for name in fields:
        if name.startswith("input_reference"):
            # A URL or a file id ({"image_url": ...}, or input_reference[image_url] in a form).
            violations.append(FieldViolation(name, "send the image itself as a file part; this server "
                                                   "does not fetch images from URLs or file ids"))
    return None


def renamed_fields(error: InvalidArgument) -> InvalidArgument:
    """The same refusal, its fields named as the OpenAI caller sent them."""
    return renamed(error, _FIELD_NAMES)


def status(op: Operation) -> str:
    """queued, in_progress, completed or failed: the four the SDK's types know. A cancelled
    operation, and one whose every video was withheld by the safety check, failed."""
    if op.state is OperationState.QUEUED:
        return "queued"
    if op.state is OperationState.RUNNING:
        return "in_progress"
    return "completed" if op.state is OperationState.SUCCEEDED and op.videos else "failed"


def error(op: Operation) -> dict[str, str] | None:
    if status(op) != "failed":
        return None
    if op.error is None:
        return {"code": "moderation_blocked",
                "message": "The video was withheld by the output safety check: " + ", ".join(op.rai_filtered_reasons)}
    return {"code": code_name(op.error.grpc_code).lower(), "message": op.error.message}


def video_object(op: Operation) -> dict[str, Any]:
    """The Video object (openai/types/video.py), every field present; `seconds` is a string."""
    width, height = op.request.size
    done = op.finished_at if op.is_done else None
    return {
        "id": video_id(op.id), "object": "video", "created_at": int(op.created_at.timestamp()),
        "completed_at": int(done.timestamp()) if done is not None else None,
        "expires_at": int(op.files_expire_at.timestamp()) if op.files_expire_at is not None else None,
        "error": error(op), "model": op.model,
        "progress": 100 if op.is_done else op.progress_percent, "prompt": op.request.prompt,
        "remixed_from_video_id": op.request.front_options.get(REMIXED_FROM),
        "seconds": str(op.request.duration_seconds), "size": f"{width}x{height}", "status": status(op),
    }


def video_list(ops: Sequence[Operation], has_more: bool) -> dict[str, Any]:
    data = [video_object(op) for op in ops]
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": has_more}


def deleted(op_id: str) -> dict[str, Any]:
    return {"id": video_id(op_id), "object": "video.deleted", "deleted": True}


def event(op: Operation, event_id: str) -> dict[str, Any]:
    """A webhook event as OpenAI sends them: the video's id only; the receiver retrieves it."""
    kind = "video.completed" if status(op) == "completed" else "video.failed"
    finished = op.finished_at or op.updated_at
    return {"id": event_id, "object": "event", "created_at": int(finished.timestamp()), "type": kind,
            "data": {"id": video_id(op.id)}}


def error_envelope(http_code: int, google: Mapping[str, Any]) -> dict[str, Any]:
    """A google.rpc error body ({"error": {"code", "message", "status", "details"}}) as OpenAI's
    ({"error": {"message", "type", "param", "code"}}): the param is the first field a BadRequest
    names, and the code the google.rpc status in lower case (moderation_blocked for a safety
    refusal, as OpenAI says it)."""
    inner = google.get("error", {})
    details = inner.get("details") or []
    param = next((v.get("field") for d in details for v in d.get("fieldViolations", [])), None)
    blocked = any(d.get("reason") == "SAFETY_BLOCKED" for d in details)
    error_type = _ERROR_TYPES.get(http_code, "server_error" if http_code >= 500 else "invalid_request_error")
    code = "moderation_blocked" if blocked else str(inner.get("status", "unknown")).lower()
    return {"error": {"message": inner.get("message", ""), "type": error_type, "param": param, "code": code}}
