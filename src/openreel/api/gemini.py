"""Gemini API surface (generativelanguage): create, poll, models. Paths per spec §3.2."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from openreel.api.deps import IdempotencyKeyDep, PrincipalDep, PublicUrlDep, RuntimeDep, gemini_version, render
from openreel.api.polling import FinishedDep, poll_response
from openreel.api.to_wire import gemini_model
from openreel.domain.operation import Surface
from openreel.protocol.veo import RawCreateBody

router = APIRouter(tags=["Gemini API"])
Version = Annotated[str, Depends(gemini_version)]


@router.post("/{version}/models/{model}:predictLongRunning")
def predict_long_running(version: Version, model: str, body: RawCreateBody,
                         principal: PrincipalDep, runtime: RuntimeDep,
                         public_url: PublicUrlDep, idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    op = runtime.operations.submit(principal, Surface.GEMINI, f"models/{model}", model, body, idempotency_key)
    return render(runtime, op, public_url)


# Polls are most of a video API's traffic: the app routes them first (see api/app.py).
poll_router = APIRouter(tags=["Gemini API"])


@poll_router.get("/{version}/models/{model}/operations/{operation_id}", response_model=None)
async def get_operation(version: Version, model: str, operation_id: str, principal: PrincipalDep,
                        runtime: RuntimeDep, finished: FinishedDep, public_url: PublicUrlDep) -> Response:
    return await poll_response(runtime, finished, principal, operation_id, public_url)


@router.get("/{version}/models")
def list_models(version: Version, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return {"models": [gemini_model(info) for info in runtime.models.all()]}


@router.get("/{version}/models/{model}")
def get_model(version: Version, model: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return gemini_model(runtime.models.get(model))
