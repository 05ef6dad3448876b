"""Generated files: the Gemini download endpoint the SDK's files.download() calls (spec §3.6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response

from openreel.api.deps import PrincipalDep, RuntimeDep, gemini_version
from openreel.api.to_wire import gemini_file_uri
from openreel.media.thumbnail import first_frame_jpeg

router = APIRouter(tags=["Files"])
Version = Annotated[str, Depends(gemini_version)]


@router.get("/{version}/files/{file_id}:download", response_model=None)
def download(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep,
             alt: Annotated[str | None, Query()] = None) -> Response:
    blob = runtime.operations.video(principal, file_id)
    filename = f"{file_id}.mp4"
    if blob.path is not None:
        return FileResponse(blob.path, media_type=blob.file.mime_type, filename=filename)
    return Response(runtime.operations.read_video(blob.file), media_type=blob.file.mime_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{version}/files/{file_id}:thumbnail", response_model=None)
def thumbnail(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    """The first frame as a small JPEG, for listings such as the playground's."""
    blob = runtime.operations.video(principal, file_id)
    data = runtime.operations.read_video(blob.file)
    return Response(first_frame_jpeg(data), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/{version}/files/{file_id}")
def get_file(version: Version, file_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    blob = runtime.operations.video(principal, file_id)
    return {"name": f"files/{file_id}", "mimeType": blob.file.mime_type,
            "sizeBytes": str(blob.file.size_bytes), "state": "ACTIVE", "source": "GENERATED",
            "downloadUri": gemini_file_uri(runtime.settings.resolved_public_url, file_id)}
