"""A project's saved characters and styles (service/saved_references.py), openreel's own calls:

    POST   /{v}/characters                {displayName, images: [1-3 images]}
    POST   /{v}/styles                    {displayName, video: {bytesBase64Encoded, mimeType} | {uri}}
    GET    /{v}/{characters|styles}       ?pageSize=&pageToken=   (oldest first)
    GET    /{v}/{characters|styles}/{id}
    GET    /{v}/{characters|styles}/{id}/images/{n}   the image itself (a style's frames, the most typical first)
    DELETE /{v}/{characters|styles}/{id}

A create call names one as instances[0].character or instances[0].styleReference (a storyboard:
character, styleReference, or a scene's character)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from openreel.api.deps import PrincipalDep, RuntimeDep, gemini_version
from openreel.api.json_body import json_object
from openreel.domain.saved_references import SavedKind, SavedReference
from openreel.protocol.rpc import rfc3339

router = APIRouter(tags=["Characters and styles"])
Version = Annotated[str, Depends(gemini_version)]
Body = Annotated[dict[str, Any], Depends(json_object)]


def _wire(saved: SavedReference, version: str) -> dict[str, Any]:
    return {"name": saved.name, "displayName": saved.display_name, "createTime": rfc3339(saved.created_at),
            "images": [{"uri": f"/{version}/{saved.name}/images/{index}", "mimeType": image.mime_type}
                       for index, image in enumerate(saved.images)]}


def _add_routes(kind: SavedKind) -> None:
    """The five calls of one collection (characters, styles)."""
    base = f"/{{version}}/{kind.collection}"

    @router.post(base, name=f"create_{kind.value}")
    def create(version: Version, body: Body, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
        return _wire(runtime.saved.create(principal, kind, body), version)

    @router.get(base, name=f"list_{kind.collection}")
    def list_saved(version: Version, principal: PrincipalDep, runtime: RuntimeDep,
                   page_size: Annotated[int, Query(alias="pageSize")] = 50,
                   page_token: Annotated[str | None, Query(alias="pageToken")] = None) -> dict[str, Any]:
        found, next_token = runtime.saved.page(principal, kind, page_size, page_token)
        body: dict[str, Any] = {kind.collection: [_wire(saved, version) for saved in found]}
        if next_token:
            body["nextPageToken"] = next_token
        return body

    @router.get(base + "/{ref_id}", name=f"get_{kind.value}")
    def get(version: Version, ref_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
        return _wire(runtime.saved.get(principal, kind, ref_id), version)

    @router.get(base + "/{ref_id}/images/{index}", name=f"{kind.value}_image")
    def image(version: Version, ref_id: str, index: int, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
        data, mime_type = runtime.saved.image(principal, kind, ref_id, index)
        return Response(data, media_type=mime_type, headers={"Cache-Control": "private, max-age=3600"})

    @router.delete(base + "/{ref_id}", name=f"delete_{kind.value}")
    def delete(version: Version, ref_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
        runtime.saved.delete(principal, kind, ref_id)
        return {}


for _kind in SavedKind:
    _add_routes(_kind)
