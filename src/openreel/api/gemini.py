"""Gemini API surface (generativelanguage): create, poll, models. Paths per spec §3.2."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from openreel.api.deps import PrincipalDep, RuntimeDep, gemini_version, render
from openreel.api.to_wire import gemini_model
from openreel.domain.operation import Surface
from openreel.protocol.veo import PredictLongRunningRequest

router = APIRouter(tags=["Gemini API"])
Version = Annotated[str, Depends(gemini_version)]


@router.post("/{version}/models/{model}:predictLongRunning")
def predict_long_running(version: Version, model: str, body: PredictLongRunningRequest,
                         principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    op = runtime.operations.submit(principal, Surface.GEMINI, f"models/{model}", model, body)
    return render(runtime, op)


@router.get("/{version}/models/{model}/operations/{operation_id}")
def get_operation(version: Version, model: str, operation_id: str, principal: PrincipalDep,
                  runtime: RuntimeDep) -> dict[str, Any]:
    op = runtime.operations.get(principal, operation_id)
    return render(runtime, op)


@router.get("/{version}/models")
def list_models(version: Version, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return {"models": [gemini_model(spec) for spec in runtime.catalog.all()]}


@router.get("/{version}/models/{model}")
def get_model(version: Version, model: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return gemini_model(runtime.catalog.get(model))
