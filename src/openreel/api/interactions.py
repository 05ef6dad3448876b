"""The Gemini API's Interactions front, for video: create (background), get, cancel and delete,
translated onto the operations service (protocol/interactions.py holds the shapes). google-genai
3.x sends these under /v1 by default, and under v1beta or v1alpha when asked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from openreel.api.deps import IdempotencyKeyDep, PrincipalDep, PublicUrlDep, RuntimeDep, gemini_version
from openreel.api.json_body import json_object
from openreel.auth import Principal
from openreel.domain.operation import Operation, Surface
from openreel.errors import InvalidArgument, NotFound
from openreel.protocol import interactions as wire
from openreel.runtime import Runtime

router = APIRouter(tags=["Gemini Interactions"])
Version = Annotated[str, Depends(gemini_version)]
Body = Annotated[dict[str, Any], Depends(json_object)]


@router.post("/{version}/interactions")
async def create_interaction(version: Version, body: Body, principal: PrincipalDep, runtime: RuntimeDep,
                             public_url: PublicUrlDep, idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    try:
        model, native, options = wire.create_body(body)
        op = await run_in_threadpool(runtime.operations.submit, principal, Surface.INTERACTIONS, f"models/{model}",
                                     model, native, idempotency_key, options)
    except InvalidArgument as exc:
        raise wire.renamed_fields(exc) from None
    return wire.interaction(op, public_url)


@router.get("/{version}/interactions/{interaction_id}")
def get_interaction(version: Version, interaction_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                    public_url: PublicUrlDep, stream: bool = False, include_input: bool = False) -> dict[str, Any]:
    """The interaction; a completed one carries its videos (inline bytes when it was asked so).
    include_input is accepted and ignored: the input is not echoed."""
    if stream:
        raise InvalidArgument.for_field("stream", "streaming is not served for video: poll with stream=false")
    op = _interaction(runtime, principal, interaction_id)
    return wire.interaction(op, public_url, runtime.operations.read_video)


@router.post("/{version}/interactions/{interaction_id}/cancel")
def cancel_interaction(version: Version, interaction_id: str, principal: PrincipalDep, runtime: RuntimeDep,
                       public_url: PublicUrlDep) -> dict[str, Any]:
    op = _interaction(runtime, principal, interaction_id)
    return wire.interaction(runtime.operations.cancel(principal, op.id), public_url)


@router.delete("/{version}/interactions/{interaction_id}")
def delete_interaction(version: Version, interaction_id: str, principal: PrincipalDep,
                       runtime: RuntimeDep) -> dict[str, Any]:
    """200 with an empty object: google-genai refuses a 204 here."""
    op = _interaction(runtime, principal, interaction_id)
    runtime.operations.delete(principal, op.id)
    return {}


def _interaction(runtime: Runtime, principal: Principal, interaction_id: str) -> Operation:
    try:
        op = runtime.operations.get(principal, interaction_id)
    except NotFound:
        op = None
    if op is None or op.surface is not Surface.INTERACTIONS:
        raise NotFound(f"Interaction '{interaction_id}' was not found.")
    return op
