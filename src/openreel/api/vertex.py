"""Vertex AI surface (aiplatform): create, fetchPredictOperation, the seed guide's aliases
(:predict and GET .../operations/ID), express mode, publisher models. Paths per spec §4.2."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from openreel.api.deps import (IdempotencyKeyDep, PrincipalDep, PublicUrlDep, RuntimeDep, check_project, render,
                               vertex_version)
from openreel.api.polling import FinishedDep, FinishedResponses, poll_response
from openreel.api.to_wire import vertex_publisher_model
from openreel.auth import Principal
from openreel.domain.operation import Surface
from openreel.errors import InvalidArgument
from openreel.protocol.veo import FetchPredictOperationRequest, RawCreateBody
from openreel.runtime import Runtime

router = APIRouter(tags=["Vertex AI"])
Version = Annotated[str, Depends(vertex_version)]
MODEL = "/{version}/projects/{project}/locations/{location}/publishers/google/models/{model}"
EXPRESS_MODEL = "/{version}/publishers/google/models/{model}"


def _submit(runtime: Runtime, principal: Principal, resource: str, model: str,
            body: dict[str, Any], public_url: str, idempotency_key: str | None) -> dict[str, Any]:
    op = runtime.operations.submit(principal, Surface.VERTEX, resource, model, body, idempotency_key)
    return render(runtime, op, public_url)


async def _fetch(runtime: Runtime, finished: FinishedResponses, principal: Principal, resource: str,
                 operation_name: str, public_url: str) -> Response:
    if not operation_name.startswith(resource + "/operations/"):
        raise InvalidArgument.for_field("operationName", f"must be an operation of {resource}")
    return await poll_response(runtime, finished, principal, operation_name, public_url)


@router.post(MODEL + ":predictLongRunning")
@router.post(MODEL + ":predict", include_in_schema=False)  # the seed guide's REST call
def predict_long_running(version: Version, project: str, location: str, model: str,
                         body: RawCreateBody, principal: PrincipalDep, runtime: RuntimeDep,
                         public_url: PublicUrlDep, idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    check_project(principal, project)
    resource = f"projects/{project}/locations/{location}/publishers/google/models/{model}"
    return _submit(runtime, principal, resource, model, body, public_url, idempotency_key)


@router.post(MODEL + ":fetchPredictOperation", response_model=None)
async def fetch_predict_operation(version: Version, project: str, location: str, model: str,
                                  body: FetchPredictOperationRequest, principal: PrincipalDep,
                                  runtime: RuntimeDep, finished: FinishedDep,
                                  public_url: PublicUrlDep) -> Response:
    check_project(principal, project)
    resource = f"projects/{project}/locations/{location}/publishers/google/models/{model}"
    return await _fetch(runtime, finished, principal, resource, body.operation_name, public_url)


@router.post(EXPRESS_MODEL + ":predictLongRunning")
@router.post(EXPRESS_MODEL + ":predict", include_in_schema=False)
def express_predict_long_running(version: Version, model: str, body: RawCreateBody,
                                 principal: PrincipalDep, runtime: RuntimeDep, public_url: PublicUrlDep,
                                 idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    return _submit(runtime, principal, f"publishers/google/models/{model}", model, body, public_url,
                   idempotency_key)


@router.post(EXPRESS_MODEL + ":fetchPredictOperation", response_model=None)
async def express_fetch_predict_operation(version: Version, model: str, body: FetchPredictOperationRequest,
                                          principal: PrincipalDep, runtime: RuntimeDep,
                                          finished: FinishedDep, public_url: PublicUrlDep) -> Response:
    return await _fetch(runtime, finished, principal, f"publishers/google/models/{model}",
                        body.operation_name, public_url)


@router.get("/{version}/projects/{project}/locations/{location}/operations/{operation_id}", response_model=None)
@router.get(MODEL + "/operations/{operation_id}", include_in_schema=False, response_model=None)
async def get_operation(version: Version, project: str, location: str, operation_id: str,
                        principal: PrincipalDep, runtime: RuntimeDep, finished: FinishedDep,
                        public_url: PublicUrlDep) -> Response:
    """The seed guide's poll: the last segment of the operation name, as an alias of fetch."""
    check_project(principal, project)
    return await poll_response(runtime, finished, principal, operation_id, public_url)


@router.get("/{version}/publishers/google/models")
def list_publisher_models(version: Version, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return {"publisherModels": [vertex_publisher_model(info) for info in runtime.models.all()]}


@router.get("/{version}/publishers/google/models/{model}")
def get_publisher_model(version: Version, model: str, principal: PrincipalDep,
                        runtime: RuntimeDep) -> dict[str, Any]:
    return vertex_publisher_model(runtime.models.get(model))
