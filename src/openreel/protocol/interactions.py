"""The Gemini API's Interactions shape, for video: a create body read into the native create
body, and operations written back as Interaction objects (and webhook events).

Shapes are google-genai 3.x's (google/genai/_gaos/types/interactions): every field snake_case;
the prompt and images arrive as `input` (a string, content blocks, or user_input steps); what the
images are for is generation_config.video_config.task; the size, length and delivery of the video
are response_format (type "video"); the video comes back as a `video` block of a model_output
step, inline (base64 `data`) or as a `uri`. A refused field is named as the caller sent it."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from openreel.domain.naming import gemini_file_uri
from openreel.domain.operation import Operation, OperationState, VideoFile
from openreel.domain.request import MAX_REFERENCE_IMAGES
from openreel.errors import FieldViolation, InvalidArgument
from openreel.protocol.field_names import FieldNames, renamed
from openreel.protocol.rpc import code_name, rfc3339

TASKS = ("text_to_video", "image_to_video", "reference_to_video")
# A video takes a prompt and at most three images; more than this many blocks is not a video request.
MAX_INPUT_ITEMS = 16
MAX_IMAGES = MAX_REFERENCE_IMAGES
DELIVERIES = ("uri", "inline")
# What the front remembers in the request (GenerationRequest.front_options).
DELIVERY = "delivery"
# The top-level fields a video interaction may carry; the rest of the Interactions API (tools,
# agents, continuation) has no meaning for a video model.
_FIELDS = frozenset({"model", "input", "background", "stream", "store", "response_format", "response_modalities",
                     "generation_config", "webhook_config", "labels", "service_tier"})
_GENERATION_FIELDS = frozenset({"seed", "temperature", "video_config"})
_FORMAT_FIELDS = frozenset({"type", "aspect_ratio", "resolution", "duration", "delivery", "gcs_uri"})
# Native wire fields, as validation names them, and the Interactions field each one came from.
_FIELD_NAMES: FieldNames = (("instances[0].prompt", "input"), ("instances[0].image", "input"),
                ("instances[0].lastFrame", "input"), ("instances[0].referenceImages", "input"),
                ("parameters.durationSeconds", "response_format.duration"),
                ("parameters.resolution", "response_format.resolution"),
                ("parameters.aspectRatio", "response_format.aspect_ratio"),
                ("parameters.seed", "generation_config.seed"),
                ("parameters.temperature", "generation_config.temperature"),
                ("webhookConfig.uris", "webhook_config.uris"),
                ("webhookConfig.userMetadata", "webhook_config.user_metadata"))


def create_body(raw: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(model id, native create body, front options) for a POST /interactions body; one
    InvalidArgument naming every field that cannot be read."""
    violations = [FieldViolation(name, "not supported for video interactions") for name in raw if name not in _FIELDS]
    model = raw.get("model")
    if not isinstance(model, str) or not model:
        violations.append(FieldViolation("model", "required: a video model id, e.g. veo-3.1-generate-001"))
    if raw.get("background") is not True:
        violations.append(FieldViolation("background", "video interactions run in the background: send "
                                                       "background: true, then poll the interaction"))
    if raw.get("stream"):
        violations.append(FieldViolation("stream", "streaming is not served for video: poll the interaction"))
    prompt, images = _input(raw.get("input"), violations)
    generation = _object(raw, "generation_config", _GENERATION_FIELDS, violations)
    video_config = _object(generation, "video_config", frozenset({"task"}), violations, "generation_config.")
    task = video_config.get("task") or ("text_to_video" if not images else
                                        "image_to_video" if len(images) <= 2 else "reference_to_video")
    if task not in TASKS:
        violations.append(FieldViolation("generation_config.video_config.task", f"must be one of {', '.join(TASKS)}"))
    video_format = _video_format(raw.get("response_format"), violations)
    delivery = video_format.get("delivery", "uri")
    if delivery not in DELIVERIES:
        violations.append(FieldViolation("response_format.delivery", "must be inline or uri"))
    if "gcs_uri" in video_format:
        violations.append(FieldViolation("response_format.gcs_uri", "this server keeps videos itself: "
                                                                    "use delivery uri or inline"))
    instance: dict[str, Any] = {"prompt": prompt}
    if task == "text_to_video" and images:
        violations.append(FieldViolation("input", "text_to_video takes no images: set "
                                                  "generation_config.video_config.task"))
    elif task == "image_to_video":
        if not images or len(images) > 2:
            violations.append(FieldViolation("input", "image_to_video takes a first frame, and optionally a "
                                                      "last frame: one or two images"))
        elif images:
            instance["image"] = images[0]
            if len(images) == 2:
                instance["lastFrame"] = images[1]
    elif task == "reference_to_video":
        if not images:
            violations.append(FieldViolation("input", "reference_to_video needs reference images"))
        instance["referenceImages"] = [{"image": image, "referenceType": "asset"} for image in images]
    parameters: dict[str, Any] = {}
    for source, target in (("aspect_ratio", "aspectRatio"), ("resolution", "resolution")):
        if source in video_format:
            parameters[target] = video_format[source]
    if "duration" in video_format:
        seconds = _seconds(video_format["duration"])
        if seconds is None:
            violations.append(FieldViolation("response_format.duration", 'a length in seconds, e.g. "8s"'))
        else:
            parameters["durationSeconds"] = seconds
    for name in ("seed", "temperature"):
        if name in generation:
            parameters[name] = generation[name]
    body: dict[str, Any] = {"instances": [instance], "parameters": parameters}
    webhook = raw.get("webhook_config")
    if webhook is not None:
        if not isinstance(webhook, dict) or set(webhook) - {"uris", "user_metadata"}:
            violations.append(FieldViolation("webhook_config", "an object with uris and user_metadata"))
        else:
            metadata = webhook.get("user_metadata") or {}
            if not isinstance(metadata, dict):
                violations.append(FieldViolation("webhook_config.user_metadata", "an object of names and values"))
                metadata = {}
            # Values may be any JSON; each is kept as its JSON text (a string stays as it is).
            body["webhookConfig"] = {"uris": webhook.get("uris"), "userMetadata": {
                k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in metadata.items()}}
    if "labels" in raw:
        if isinstance(raw["labels"], dict):
            body["labels"] = raw["labels"]
        else:
            violations.append(FieldViolation("labels", "an object of label names and values"))
    if raw.get("store") is False:
        violations.append(FieldViolation("store", "a video interaction is kept until it is deleted (or retention "
                                                  "deletes its files): leave store out or true"))
    if violations:
        raise InvalidArgument.from_violations(violations)
    return str(model), body, {DELIVERY: delivery}


def _object(parent: Mapping[str, Any], name: str, allowed: frozenset[str], violations: list[FieldViolation],
            where: str = "") -> dict[str, Any]:
    value = parent.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        violations.append(FieldViolation(where + name, "must be an object"))
        return {}
    violations += [FieldViolation(f"{where}{name}.{key}", "not supported for video") for key in value
                   if key not in allowed]
    return value


def _video_format(value: Any, violations: list[FieldViolation]) -> dict[str, Any]:
    """The response_format of type video (the SDK sends one object, or a list of formats)."""
    formats = value if isinstance(value, list) else [] if value is None else [value]
    videos = [f for f in formats if isinstance(f, dict) and f.get("type") == "video"]
    if len(videos) != len(formats) or len(videos) > 1:
        violations.append(FieldViolation("response_format", 'one format, of type "video"'))
        return {}
    found = videos[0] if videos else {}
    violations += [FieldViolation(f"response_format.{key}", "unknown field") for key in found
                   if key not in _FORMAT_FIELDS]
    return found


def _seconds(value: Any) -> int | None:
    match = re.fullmatch(r"(\d{1,3})(?:\.0+)?s?", str(value).strip())
    return int(match.group(1)) if match else None


def _input(value: Any, violations: list[FieldViolation]) -> tuple[str, list[dict[str, Any]]]:
    """(prompt, native images) from `input`: a string, content blocks, or user_input steps."""
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        violations.append(FieldViolation("input", "required: the prompt, as a string or content blocks"))
        return "", []
    blocks: list[tuple[str, Any]] = []
    if len(value) > MAX_INPUT_ITEMS:
        violations.append(FieldViolation("input", f"at most {MAX_INPUT_ITEMS} content blocks or steps"))
        return "", []
    for index, item in enumerate(value):
        if isinstance(item, dict) and item.get("type") == "user_input":
            content = item.get("content")
            blocks += [(f"input[{index}].content[{i}]", block)
                       for i, block in enumerate(content if isinstance(content, list) else [])]
        else:
            blocks.append((f"input[{index}]", item))
    if len(blocks) > MAX_INPUT_ITEMS:
        violations.append(FieldViolation("input", f"at most {MAX_INPUT_ITEMS} content blocks"))
        return "", []
    texts, images = [], []
    for field, block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "image" and isinstance(block.get("data"), str):
            image = {"bytesBase64Encoded": block["data"]}
            if isinstance(block.get("mime_type"), str):
                image["mimeType"] = block["mime_type"]
            images.append(image)
        elif kind == "image":
            violations.append(FieldViolation(f"{field}.data", "send the image inline as base64 data; this server "
                                                              "does not fetch images from URIs"))
        else:
            violations.append(FieldViolation(field, "a video interaction takes text and image content"))
    if len(images) > MAX_IMAGES:
        # Refused before any is decoded: a video takes at most three.
        violations.append(FieldViolation("input", f"at most {MAX_IMAGES} images"))
        return "\n".join(texts), []
    return "\n".join(texts), images


def renamed_fields(error: InvalidArgument) -> InvalidArgument:
    """The same refusal, its fields named as the Interactions caller sent them."""
    return renamed(error, _FIELD_NAMES)


def status(op: Operation) -> str:
    """queued, in_progress, completed, failed or cancelled. An operation whose every video the
    safety check withheld failed: there is no video to give."""
    if op.state is OperationState.QUEUED:
        return "queued"
    if op.state is OperationState.RUNNING:
        return "in_progress"
    if op.state is OperationState.CANCELLED:
        return "cancelled"
    return "completed" if op.state is OperationState.SUCCEEDED and op.videos else "failed"


def interaction(op: Operation, public_url: str,
                read_video: Callable[[VideoFile], bytes] | None = None) -> dict[str, Any]:
    """The Interaction object. Its videos are `video` blocks of one model_output step: base64
    data when the request asked for inline delivery (read_video(file) gives the bytes), else
    the URI to download them from (google-genai's files.download reads the file id from it)."""
    request = op.request
    body: dict[str, Any] = {
        "id": op.id, "object": "interaction", "status": status(op), "model": op.model,
        "created": rfc3339(op.created_at), "updated": rfc3339(op.updated_at),
        "response_format": {"type": "video", "aspect_ratio": request.aspect_ratio.value,
                            "resolution": request.resolution.value, "duration": f"{request.duration_seconds}s",
                            "delivery": request.front_options.get(DELIVERY, "uri")},
        "generation_config": {"seed": request.seed},
        "progress_percent": 100 if op.is_done else op.progress_percent,
    }
    if status(op) == "completed" and not op.files_expired:
        read = read_video if request.front_options.get(DELIVERY) == "inline" else None
        body["steps"] = [{"type": "model_output", "content": [_video_block(video, public_url, read)
                                                               for video in op.videos]}]
    if status(op) == "failed":
        body["errors"] = [error(op)]
    return body


def _video_block(video: VideoFile, public_url: str, read: Callable[[VideoFile], bytes] | None) -> dict[str, Any]:
    where = ({"data": base64.b64encode(read(video)).decode("ascii")} if read is not None
             else {"uri": gemini_file_uri(public_url, video.id)})
    return {"type": "video", "mime_type": video.mime_type} | where


def error(op: Operation) -> dict[str, str]:
    if op.error is None:
        return {"code": "SAFETY_FILTERED",
                "message": "The video was withheld by the output safety check: " + ", ".join(op.rai_filtered_reasons)}
    return {"code": code_name(op.error.grpc_code), "message": op.error.message}


def event(op: Operation) -> dict[str, Any]:
    """A webhook event (Standard Webhooks' {type, timestamp, data}): interaction.completed or
    interaction.failed (a cancelled one too), the interaction's id, status and videos (the
    dispatcher adds each video's link when it sends)."""
    kind = "interaction.completed" if status(op) == "completed" else "interaction.failed"
    data: dict[str, Any] = {"id": op.id, "status": status(op), "model": op.model,
                            "videos": [{"fileId": v.id, "mimeType": v.mime_type} for v in op.videos]}
    if status(op) == "failed":
        data["errors"] = [error(op)]
    if op.request.webhook is not None and op.request.webhook.user_metadata:
        data["user_metadata"] = op.request.webhook.user_metadata
    return {"type": kind, "timestamp": rfc3339(op.finished_at or op.updated_at), "data": data}
