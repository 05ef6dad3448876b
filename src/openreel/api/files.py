"""Generated files: the Gemini download endpoint the SDK's files.download() calls (spec §3.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from openreel.api.deps import PrincipalDep, PublicUrlDep, RuntimeDep, gemini_version
from openreel.api.errors import error_response
from openreel.auth import Principal
from openreel.domain.naming import file_id_from_uri, gemini_file_uri
from openreel.errors import NotFound
from openreel.runtime import Runtime

router = APIRouter(tags=["Files"])
Version = Annotated[str, Depends(gemini_version)]


class StoredFileResponse(FileResponse):
    """A stored video sent from local disk (with Range support), or a 404 when it was deleted
    between its lookup and the send (its operation deleted at that moment, or retention)."""

    def __init__(self, path: Path, file_id: str, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.file_id = file_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except RuntimeError:
            # Starlette reports a missing file before it sends a byte; anything else is re-raised.
            if await run_in_threadpool(Path(self.path).exists):
                raise
            await error_response(NotFound(f"File 'files/{self.file_id}' was not found."))(scope, receive, send)


def video_download(runtime: Runtime, principal: Principal, file_id: str) -> Response:
    """The video: a 302 to a short-lived presigned URL of the object store (download_mode
    "redirect"), or its bytes streamed through openreel, never held whole in memory."""
    file = runtime.operations.video(principal, file_id)
    filename = f"{file_id}.mp4"
    settings = runtime.settings
    if settings.download_mode == "redirect":
        url = runtime.storage.presigned_url(file.storage_key, settings.presigned_url_seconds, filename)
        if url is not None:
            return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    path = runtime.storage.local_path(file.storage_key)
    if path is not None:
        return StoredFileResponse(path, file_id, media_type=file.mime_type, filename=filename)
    return StreamingResponse(runtime.operations.open_video(file), media_type=file.mime_type,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                      "Content-Length": str(file.size_bytes)})


@router.get("/{version}/files/{file_id}:download", response_model=None)
def download(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep,
             alt: Annotated[str | None, Query()] = None) -> Response:
    return video_download(runtime, principal, file_id)


@router.get("/{version}/files/{file_id}:thumbnail", response_model=None)
def thumbnail(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    """The first frame as a small JPEG, for listings such as the playground's."""
    file = runtime.operations.video(principal, file_id)
    return Response(runtime.operations.thumbnail(file), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/{version}/files/{file_id}")
def get_file(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep,
             public_url: PublicUrlDep) -> dict[str, Any]:
    file = runtime.operations.video(principal, file_id)
    return {"name": f"files/{file_id}", "mimeType": file.mime_type,
            "sizeBytes": str(file.size_bytes), "state": "ACTIVE", "source": "GENERATED",
            "downloadUri": gemini_file_uri(public_url, file_id)}


@router.get("/{version}/files/{video_uri:path}:download", response_model=None, include_in_schema=False)
def download_by_uri(version: Version, video_uri: str, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    """google-genai and @google/genai take the file id out of an https:// URI only; given an
    http:// one (openreel over plain HTTP) they put the whole URI where the id goes:
    GET /v1beta/files/http://HOST/v1beta/files/ID:download. Serve the id at its end."""
    file_id = file_id_from_uri(video_uri)
    if file_id is None:
        raise NotFound(f"File '{video_uri}' was not found.")
    return video_download(runtime, principal, file_id)
