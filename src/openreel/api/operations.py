"""google.longrunning Operations: list, get, cancel, delete, for the caller's project.

Served under the Gemini shape (/{v}/operations/ID) and the Vertex shape
(/{v}/projects/P/locations/L/operations/ID); each operation renders in the surface it was
created on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from openreel.api.deps import GEMINI_VERSIONS, VERTEX_VERSIONS, PrincipalDep, PublicUrlDep, RuntimeDep, check_project
from openreel.api.polling import FinishedDep, FinishedResponses, poll_response
from openreel.api.to_wire import summarize_operation
from openreel.auth import Principal
from openreel.domain.naming import operation_id_from
from openreel.errors import NotFound
from openreel.runtime import Runtime

router = APIRouter(tags=["Operations"])
VERTEX_OPS = "/{version}/projects/{project}/locations/{location}/operations"


def _check_version(version: str) -> None:
    if version not in GEMINI_VERSIONS | VERTEX_VERSIONS:
        raise NotFound(f"API version '{version}' is not served.")


def _list(runtime: Runtime, principal: PrincipalDep, page_size: int, page_token: str | None) -> dict[str, Any]:
    ops, next_token = runtime.operations.list(principal, page_size, page_token)
    body: dict[str, Any] = {"operations": [summarize_operation(op) for op in ops]}
    if next_token:
        body["nextPageToken"] = next_token
    return body


def _delete(runtime: Runtime, finished: FinishedResponses, principal: Principal, operation_id: str) -> None:
    runtime.operations.delete(principal, operation_id)
    if op_id := operation_id_from(operation_id):
        finished.forget(principal.project, op_id)


@router.get("/{version}/operations")
def list_operations(version: str, principal: PrincipalDep, runtime: RuntimeDep,
                    page_size: Annotated[int, Query(alias="pageSize")] = 50,
                    page_token: Annotated[str | None, Query(alias="pageToken")] = None) -> dict[str, Any]:
    _check_version(version)
    return _list(runtime, principal, page_size, page_token)


@router.get("/{version}/operations/{operation_id}", response_model=None)
async def get_operation(version: str, operation_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                        finished: FinishedDep, public_url: PublicUrlDep) -> Response:
    _check_version(version)
    return await poll_response(runtime, finished, principal, operation_id, public_url)


@router.post("/{version}/operations/{operation_id}:cancel")
@router.post("/{version}/models/{model}/operations/{operation_id}:cancel", include_in_schema=False)
def cancel_operation(version: str, operation_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    _check_version(version)
    runtime.operations.cancel(principal, operation_id)
    return {}


@router.delete("/{version}/operations/{operation_id}")
@router.delete("/{version}/models/{model}/operations/{operation_id}", include_in_schema=False)
def delete_operation(version: str, operation_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                     finished: FinishedDep) -> dict[str, Any]:
    _check_version(version)
    _delete(runtime, finished, principal, operation_id)
    return {}


@router.get(VERTEX_OPS)
def list_project_operations(version: str, project: str, location: str, principal: PrincipalDep,
                            runtime: RuntimeDep,
                            page_size: Annotated[int, Query(alias="pageSize")] = 50,
                            page_token: Annotated[str | None, Query(alias="pageToken")] = None) -> dict[str, Any]:
    _check_version(version)
    check_project(principal, project)
    return _list(runtime, principal, page_size, page_token)


@router.post(VERTEX_OPS + "/{operation_id}:cancel")
def cancel_project_operation(version: str, project: str, location: str, operation_id: str,
                             principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    _check_version(version)
    check_project(principal, project)
    runtime.operations.cancel(principal, operation_id)
    return {}


@router.delete(VERTEX_OPS + "/{operation_id}")
def delete_project_operation(version: str, project: str, location: str, operation_id: str,
                             principal: PrincipalDep, runtime: RuntimeDep, finished: FinishedDep) -> dict[str, Any]:
    _check_version(version)
    check_project(principal, project)
    _delete(runtime, finished, principal, operation_id)
    return {}
