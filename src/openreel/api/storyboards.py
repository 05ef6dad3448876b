"""Storyboards: one video from an ordered list of scenes (service/storyboard_request.py reads the
body; sequence/storyboard.py makes the video).

    POST /{v}/models/{model}:generateStoryboard    -> a Gemini-shaped operation, polled, listed,
                                                      cancelled and delivered like any other

An openreel extension of the native API (Google's has no storyboard call yet; the seed guide
lists it on Veo's roadmap)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from openreel.api.deps import IdempotencyKeyDep, PrincipalDep, PublicUrlDep, RuntimeDep, gemini_version, render
from openreel.api.json_body import json_object
from openreel.domain.operation import Surface
from openreel.service.storyboard_request import read_storyboard_request

router = APIRouter(tags=["Storyboards"])
Version = Annotated[str, Depends(gemini_version)]
Body = Annotated[dict[str, Any], Depends(json_object)]


@router.post("/{version}/models/{model}:generateStoryboard")
def generate_storyboard(version: Version, model: str, body: Body, principal: PrincipalDep, runtime: RuntimeDep,
                        public_url: PublicUrlDep, idempotency_key: IdempotencyKeyDep) -> dict[str, Any]:
    op = runtime.operations.submit(principal, Surface.GEMINI, f"models/{model}", model, body, idempotency_key,
                                   reader=read_storyboard_request)
    return render(runtime, op, public_url)
