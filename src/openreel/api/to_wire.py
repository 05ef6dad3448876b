"""Render domain Operations in the exact shapes Google's SDKs parse (spec §3.5, §4.4, §7)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from openreel.billing.report import usage_metadata
from openreel.domain.naming import gemini_file_uri, vertex_gcs_uri
from openreel.domain.operation import Operation, OperationState, Surface, VideoFile
from openreel.engines.catalog import ModelSpec
from openreel.errors import NotFound
from openreel.protocol.rpc import operation_error, rfc3339
from openreel.service.models import ModelInfo

GEMINI_RESPONSE_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
VERTEX_RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
METADATA_TYPE = "type.googleapis.com/openreel.v1.GenerateVideoMetadata"


def metadata(op: Operation) -> dict[str, Any]:
    """Progress for people polling: the SDKs keep metadata as an opaque dict."""
    body: dict[str, Any] = {
        "@type": METADATA_TYPE, "state": op.state.value, "progressPercent": op.progress_percent,
        "createTime": rfc3339(op.created_at), "updateTime": rfc3339(op.updated_at),
        "model": op.model, "attempt": op.attempt,
    }
    if op.surface in (Surface.OPENAI, Surface.INTERACTIONS):
        body["front"] = op.surface.value  # made through OpenAI's /v1/videos or the Interactions API
    if op.queue_position is not None:
        body["queuePosition"] = op.queue_position
    if op.state is OperationState.QUEUED and op.wait_reason:
        # Deferred by its engine (a remote API's limits): why it waits, and until when at least.
        body["waitReason"] = op.wait_reason
        if op.not_before is not None:
            body["waitUntil"] = rfc3339(op.not_before)
    if op.state is OperationState.RUNNING and op.progress_phase:
        body["progressPhase"] = op.progress_phase
    if op.enhanced_prompt:
        body["enhancedPrompt"] = op.enhanced_prompt
    if op.concepts is not None:
        # What the engine says it drew of the prompt, and what it could not (procedural).
        body["concepts"] = op.concepts.to_json()
    if op.videos and not op.files_expired:
        # Where openreel keeps each video, whatever the surface: a Vertex answer names only the
        # caller's gcsUri (or inlines bytes), and the playground and CLI download by file id.
        body["videoFiles"] = [f"files/{v.id}" for v in op.videos]
    if op.usage is not None:
        body["usage"] = usage_metadata(op.usage)
    if op.files_expire_at is not None:
        body["expireTime"] = rfc3339(op.files_expire_at)
    if op.files_expired:
        # Retention removed the videos: the operation still reports how it ended, and says why
        # there is nothing left to download.
        body["videosExpired"] = True
    return body


def summarize_operation(op: Operation) -> dict[str, Any]:
    """A listing entry: state and progress without results, so a list never inlines videos;
    poll the operation for its response."""
    body: dict[str, Any] = {"name": op.name, "metadata": metadata(op), "done": op.is_done}
    if op.error is not None:
        body["error"] = operation_error(op.error.grpc_code, op.error.message)
    return body


def render_operation(op: Operation, public_url: str, read_video: Callable[[VideoFile], bytes]) -> dict[str, Any]:
    """The google.longrunning.Operation JSON in the surface the operation was created on."""
    body: dict[str, Any] = {"name": op.name, "metadata": metadata(op)}
    if not op.is_done:
        body["done"] = False
        return body
    body["done"] = True
    if op.state is not OperationState.SUCCEEDED:
        assert op.error is not None
        body["error"] = operation_error(op.error.grpc_code, op.error.message)
    elif op.surface is not Surface.VERTEX:
        # The other fronts' operations, seen through the native API, answer with download URIs.
        body["response"] = _gemini_response(op, public_url)
    else:
        body["response"] = _vertex_response(op, read_video)
    return body


def _rai(op: Operation) -> dict[str, Any]:
    if not op.rai_filtered_reasons:
        return {}
    return {"raiMediaFilteredCount": len(op.rai_filtered_reasons),
            "raiMediaFilteredReasons": list(op.rai_filtered_reasons)}


def _gemini_response(op: Operation, public_url: str) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    if op.videos:
        inner["generatedSamples"] = [
            {"video": {"uri": gemini_file_uri(public_url, v.id), "encoding": v.mime_type}}
            for v in op.videos]
    return {"@type": GEMINI_RESPONSE_TYPE, "generateVideoResponse": inner | _rai(op)}


def inlines_videos(op: Operation) -> bool:
    """Whether the rendered operation carries video bytes (Vertex without storageUri), rather
    than only where the videos are."""
    return op.surface is Surface.VERTEX and not op.request.storage_uri and bool(op.videos)


def _vertex_response(op: Operation, read_video: Callable[[VideoFile], bytes]) -> dict[str, Any]:
    videos = []
    for v in op.videos:
        if op.request.storage_uri:
            videos.append({"gcsUri": vertex_gcs_uri(op.request.storage_uri, op.id, v.sample_index),
                           "mimeType": v.mime_type})
            continue
        # Without storageUri Vertex returns the bytes inline; it is the only way the Vertex
        # SDK receives a video without Cloud Storage. Expired videos have no bytes left.
        if op.files_expired:
            continue
        try:
            data = read_video(v)
        except NotFound:
            continue  # its blob was lost (logged by the service): the poll still answers
        videos.append({"bytesBase64Encoded": base64.b64encode(data).decode("ascii"), "mimeType": v.mime_type})
    return {"@type": VERTEX_RESPONSE_TYPE, "raiMediaFilteredCount": len(op.rai_filtered_reasons),
            "videos": videos} | ({"raiMediaFilteredReasons": list(op.rai_filtered_reasons)}
                                 if op.rai_filtered_reasons else {})


def _model_description(spec: ModelSpec) -> str:
    return spec.description or f"Served by openreel's '{spec.engine}' engine."


def _served_by(info: ModelInfo) -> dict[str, Any]:
    """openreel's own fields on a model (the SDKs ignore fields they do not know)."""
    body: dict[str, Any] = {"engine": info.spec.engine}
    if info.spec.license:
        body["license"] = info.spec.license
    if info.capabilities is not None:
        body["capabilities"] = info.capabilities.to_wire()
    if info.unavailable is not None:
        body["unavailable"] = info.unavailable
    return body


def gemini_model(info: ModelInfo) -> dict[str, Any]:
    spec = info.spec
    return {"name": f"models/{spec.id}", "version": spec.version, "displayName": spec.display_name,
            "description": _model_description(spec), "inputTokenLimit": 480,
            "outputTokenLimit": 8192, "supportedGenerationMethods": ["predictLongRunning"]} | _served_by(info)


def vertex_publisher_model(info: ModelInfo) -> dict[str, Any]:
    spec = info.spec
    return {"name": f"publishers/google/models/{spec.id}", "versionId": spec.version,
            "displayName": spec.display_name, "description": _model_description(spec),
            "launchStage": "GA"} | _served_by(info)
