"""Generated files: the Gemini download endpoint the SDK's files.download() calls (spec §3.6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response

from openreel.api.deps import PrincipalDep, PublicUrlDep, RuntimeDep, gemini_version
from openreel.api.to_wire import gemini_file_uri
from openreel.auth import Principal
from openreel.domain.naming import file_id_from_uri
from openreel.errors import NotFound
from openreel.media.thumbnail import first_frame_jpeg
from openreel.runtime import Runtime

router = APIRouter(tags=["Files"])
Version = Annotated[str, Depends(gemini_version)]


def _download(runtime: Runtime, principal: Principal, file_id: str) -> Response:
    blob = runtime.operations.video(principal, file_id)
    filename = f"{file_id}.mp4"
    if blob.path is not None:
        return FileResponse(blob.path, media_type=blob.file.mime_type, filename=filename)
    return Response(runtime.operations.read_video(blob.file), media_type=blob.file.mime_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{version}/files/{file_id}:download", response_model=None)
def download(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep,
             alt: Annotated[str | None, Query()] = None) -> Response:
    return _download(runtime, principal, file_id)


@router.get("/{version}/files/{file_id}:thumbnail", response_model=None)
def thumbnail(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    """The first frame as a small JPEG, for listings such as the playground's."""
    blob = runtime.operations.video(principal, file_id)
    data = runtime.operations.read_video(blob.file)
    return Response(first_frame_jpeg(data), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/{version}/files/{file_id}")
def get_file(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep,
             public_url: PublicUrlDep) -> dict[str, Any]:
    blob = runtime.operations.video(principal, file_id)
    return {"name": f"files/{file_id}", "mimeType": blob.file.mime_type,
            "sizeBytes": str(blob.file.size_bytes), "state": "ACTIVE", "source": "GENERATED",
            "downloadUri": gemini_file_uri(public_url, file_id)}


@router.get("/{version}/files/{video_uri:path}:download", response_model=None, include_in_schema=False)
def download_by_uri(version: Version, video_uri: str, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    """google-genai and @google/genai take the file id out of an https:// URI only; given an
    http:// one (openreel over plain HTTP) they put the whole URI where the id goes:
    GET /v1beta/files/http://HOST/v1beta/files/ID:download. Serve the id at its end."""
    file_id = file_id_from_uri(video_uri)
    if file_id is None:
        raise NotFound(f"File '{video_uri}' was not found.")
    return _download(runtime, principal, file_id)
