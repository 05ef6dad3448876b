"""FastAPI dependencies: the Runtime and the authenticated Principal."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from openreel.api.to_wire import render_operation
from openreel.auth import Principal, Tier
from openreel.domain.operation import Operation
from openreel.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from openreel.runtime import Runtime

GEMINI_VERSIONS = frozenset({"v1beta", "v1", "v1alpha"})
VERTEX_VERSIONS = frozenset({"v1beta1", "v1"})
# Where the authenticated Principal is kept in the request scope's state.
PRINCIPAL_STATE = "principal"


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def presented_key(conn: HTTPConnection) -> str | None:
    """The API key a request carries, read from headers and query only (never the body).

    Gemini clients send x-goog-api-key (curl users often ?key=); Vertex sends a Bearer token.
    """
    if key := conn.headers.get("x-goog-api-key"):
        return key
    if key := conn.query_params.get("key"):
        return key
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return None


async def resolve_principal(conn: HTTPConnection, runtime: Runtime) -> Principal:
    """Who is calling, or Unauthenticated / PermissionDenied. A key seen in the last few seconds
    costs no I/O; otherwise the store is queried in a worker thread."""
    key = presented_key(conn)
    if key is None:
        if not runtime.settings.require_api_key:
            return Principal(project="default", tier=Tier.ENTERPRISE, key_id=None)
        raise Unauthenticated(
            "Method doesn't allow unregistered callers. Send an API key in the x-goog-api-key "
            "header, the key query parameter, or as an Authorization: Bearer token. "
            "Create one with `openreel keys create`.")
    cached = runtime.keys.cached(key)
    return cached if cached is not None else await run_in_threadpool(runtime.keys.authenticate, key)


# Dependencies that do no blocking I/O are `async def`: a plain `def` one costs a thread hop.
async def authenticate(request: Request, runtime: RuntimeDep) -> Principal:
    # BodyLimitMiddleware has normally resolved the caller already, before reading the body.
    resolved = getattr(request.state, PRINCIPAL_STATE, None)
    return resolved if isinstance(resolved, Principal) else await resolve_principal(request, runtime)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


async def public_url(request: Request, runtime: RuntimeDep) -> str:
    """The base of the URLs this request's answer hands out: OPENREEL_PUBLIC_URL when the operator
    set one (behind TLS or a proxy), else the scheme and host the request came in on, so that a
    video URI works as written (curl, LiteLLM) over the plain HTTP openreel itself speaks."""
    configured = runtime.settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


PublicUrlDep = Annotated[str, Depends(public_url)]


def render(runtime: Runtime, op: Operation, public_url: str) -> dict[str, Any]:
    """The operation as JSON in the Google shape it was created in (Vertex inlines the bytes)."""
    return render_operation(op, public_url, runtime.operations.read_video)


_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


async def idempotency_key(key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> str | None:
    """The create call's Idempotency-Key header: retries that send the same key and body get the
    operation the first call made (service/operations.py)."""
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidArgument.for_field("Idempotency-Key", "use 1-255 visible ASCII characters, e.g. a UUID")
    return key


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


async def gemini_version(version: str) -> str:
    if version not in GEMINI_VERSIONS:
        raise NotFound(f"API version '{version}' is not served; use one of {sorted(GEMINI_VERSIONS)}.")
    return version


async def vertex_version(version: str) -> str:
    if version not in VERTEX_VERSIONS:
        raise NotFound(f"API version '{version}' is not served; use one of {sorted(VERTEX_VERSIONS)}.")
    return version


def check_project(principal: Principal, project: str) -> None:
    """A Vertex path names a project; a key may act only in its own."""
    if project != principal.project:
        raise PermissionDenied(
            f"Permission denied on resource project {project}: this key belongs to project "
            f"'{principal.project}'.")
