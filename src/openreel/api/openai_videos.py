"""OpenAI's /v1/videos front: create (multipart or JSON), retrieve, list, delete, download and
remix, translated onto the operations service (protocol/openai_videos.py holds the shapes).

Errors leave in OpenAI's envelope (api/openai_errors.py rewrites them on the way out), and
webhooks of these videos are OpenAI events (webhooks/events.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from openreel.api.deps import IdempotencyKeyDep, PrincipalDep, RuntimeDep
from openreel.api.files import video_download
from openreel.api.json_body import json_object
from openreel.auth import Principal
from openreel.domain.operation import Operation, OperationState, Surface, VideoFile
from openreel.errors import FailedPrecondition, InvalidArgument, NotFound
from openreel.media.thumbnail import as_webp
from openreel.protocol import openai_videos as wire
from openreel.runtime import Runtime

router = APIRouter(prefix="/v1/videos", tags=["OpenAI videos"])
# How long the SDK's create_and_poll() waits between polls of a running video.
POLL_AFTER_MS = 1000
# A multipart create has a handful of text fields and one image.
_MAX_FORM_FIELDS = 16


@router.post("")
async def create_video(request: Request, principal: PrincipalDep, runtime: RuntimeDep,
                       idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    """client.videos.create: multipart (the SDK since 2.27, LiteLLM) or a JSON object."""
    fields, upload = await _create_fields(request)
    try:
        model, body = wire.create_body(fields, upload)
        if runtime.catalog.find(model) is None:  # OpenAI names an unknown model as a bad field
            known = ", ".join(sorted(runtime.catalog.ids()))
            raise InvalidArgument.for_field("model", f"no such model: the known models are {known}")
        op = await run_in_threadpool(runtime.operations.submit, principal, Surface.OPENAI, f"models/{model}",
                                     model, body, idempotency_key)
    except InvalidArgument as exc:
        raise wire.renamed_fields(exc) from None
    return wire.video_object(op)


@router.get("")
def list_videos(principal: PrincipalDep, runtime: RuntimeDep, after: str | None = None,
                limit: Annotated[int, Query(ge=1, le=100)] = 20,
                order: Literal["asc", "desc"] = "desc") -> dict[str, Any]:
    """client.videos.list: the caller's videos made through this front, newest first unless
    order=asc; the next page starts after the last id of this one."""
    ops, has_more = runtime.operations.list_front(principal, Surface.OPENAI, limit,
                                                  None if after is None else wire.operation_id(after),
                                                  newest_first=order == "desc")
    return wire.video_list(ops, has_more)


@router.get("/{video_id}")
def retrieve_video(video_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> JSONResponse:
    op = _video(runtime, principal, video_id)
    # The SDK's create_and_poll() waits this long before its next poll.
    headers = {} if op.is_done else {"openai-poll-after-ms": str(POLL_AFTER_MS)}
    return JSONResponse(wire.video_object(op), headers=headers)


@router.delete("/{video_id}")
def delete_video(video_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    """The video and its files; a video still being made is cancelled first."""
    op = _video(runtime, principal, video_id)
    runtime.operations.delete(principal, op.id)
    return wire.deleted(op.id)


@router.get("/{video_id}/content", response_model=None)
def download_content(video_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                     variant: Literal["video", "thumbnail", "spritesheet"] = "video") -> Response:
    """The MP4 (streamed, or a redirect in download_mode "redirect"), its first frame as WebP,
    or a JPEG spritesheet of frames across it."""
    file = _finished_file(runtime, principal, video_id)
    if variant == "video":
        return video_download(runtime, principal, file.id)
    if variant == "thumbnail":
        return Response(as_webp(runtime.operations.thumbnail(file)), media_type="image/webp")
    return Response(runtime.operations.spritesheet(file), media_type="image/jpeg")


@router.post("/{video_id}/remix")
async def remix_video(video_id: str, request: Request, principal: PrincipalDep, runtime: RuntimeDep,
                      idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    """A new video from a finished one and a new prompt: the same model, length, size and seed,
    starting from the source's first frame where the model animates images."""
    source, file = await run_in_threadpool(_remix_source, runtime, principal, video_id)
    fields = await json_object(request)
    unknown = sorted(set(fields) - {"prompt"})
    if unknown:
        raise InvalidArgument.for_field(unknown[0], "unknown field: a remix takes a prompt only")
    capabilities = runtime.models.get(source.model).capabilities
    animates = capabilities is not None and capabilities.image_to_video
    first_frame = await run_in_threadpool(runtime.operations.first_frame, file) if animates else None
    width, height = source.request.size
    try:
        model, body = wire.create_body(
            {"prompt": fields.get("prompt"), "model": source.model, "seconds": str(source.request.duration_seconds),
             "size": f"{width}x{height}"}, None, seed=source.request.seed,
            image=None if first_frame is None else (first_frame, "image/jpeg"))
        op = await run_in_threadpool(runtime.operations.submit, principal, Surface.OPENAI, f"models/{model}", model,
                                     body, idempotency_key, {wire.REMIXED_FROM: wire.video_id(source.id)})
    except InvalidArgument as exc:
        raise wire.renamed_fields(exc) from None
    return wire.video_object(op)


def _video(runtime: Runtime, principal: Principal, video_id: str) -> Operation:
    """The caller's video made through this front; another front's operation is not a video here."""
    try:
        op = runtime.operations.get(principal, wire.operation_id(video_id))
    except NotFound:
        op = None
    if op is None or op.surface is not Surface.OPENAI:
        raise NotFound(f"Video with id '{video_id}' not found.")
    return op


def _finished_file(runtime: Runtime, principal: Principal, video_id: str) -> VideoFile:
    op = _video(runtime, principal, video_id)
    if wire.status(op) != "completed":
        raise FailedPrecondition(f"Video '{video_id}' is {wire.status(op)}: only a completed video has content.")
    return runtime.operations.video(principal, op.videos[0].id)


def _remix_source(runtime: Runtime, principal: Principal, video_id: str) -> tuple[Operation, VideoFile]:
    op = _video(runtime, principal, video_id)
    if op.state is not OperationState.SUCCEEDED:
        raise FailedPrecondition(f"Video '{video_id}' is {wire.status(op)}: only a completed video can be remixed.")
    return op, _finished_file(runtime, principal, video_id)


async def _create_fields(request: Request) -> tuple[dict[str, Any], wire.Upload | None]:
    """The create call's fields and its input_reference file, whichever encoding it came in."""
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("multipart/form-data"):
        return await json_object(request), None
    form = await request.form(max_files=1, max_fields=_MAX_FORM_FIELDS)
    fields: dict[str, Any] = {}
    upload = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name != "input_reference":
                raise InvalidArgument.for_field(name, "unknown file field: send the image as input_reference")
            upload = wire.Upload(await value.read())
        else:
            fields[name] = value
    return fields, upload
