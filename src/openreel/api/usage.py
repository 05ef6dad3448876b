"""Usage reports over HTTP: a project's own (`GET /v1/usage`, with its API key), or any project's
(`GET /v1/admin/usage?project=P`, with the admin key). Same JSON as `openreel usage --json`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from openreel.api.admin import ADMIN_PREFIX, require_admin
from openreel.api.deps import PrincipalDep, RuntimeDep
from openreel.auth import PROJECT_ID_RULE, is_project_id
from openreel.billing.report import parse_since
from openreel.errors import InvalidArgument
from openreel.runtime import Runtime
from openreel.store.clock import utcnow

router = APIRouter(tags=["Usage"])
admin_router = APIRouter(prefix=ADMIN_PREFIX, tags=["Admin"], dependencies=[Depends(require_admin)])
Since = Annotated[str | None, Query(description="A date, an RFC 3339 time, or a span back from now (7d).")]
By = Annotated[Literal["model", "day"] | None, Query(description="Also total the records by model or by day.")]


def _report(runtime: Runtime, project: str, since: str | None, by: Literal["model", "day"] | None) -> dict[str, Any]:
    try:
        start = None if since is None else parse_since(since, utcnow())
    except ValueError as exc:
        raise InvalidArgument.for_field("since", str(exc)) from None
    return runtime.usage.report(project, start, by)


@router.get("/v1/usage")
def project_usage(principal: PrincipalDep, runtime: RuntimeDep, since: Since = None, by: By = None) -> dict[str, Any]:
    """The calling project's usage: one record per finished operation, with total_cost_usd."""
    return _report(runtime, principal.project, since, by)


@admin_router.get("/usage")
def any_project_usage(runtime: RuntimeDep, project: Annotated[str, Query()], since: Since = None,
                      by: By = None) -> dict[str, Any]:
    if not is_project_id(project):
        raise InvalidArgument.for_field("project", f"use {PROJECT_ID_RULE}")
    return _report(runtime, project, since, by)
