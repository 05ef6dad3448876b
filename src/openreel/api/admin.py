"""The admin API under /v1/admin/: API keys (list, create, revoke) and custom limits of projects and
keys, for the operator's tools. Routes only translate HTTP: KeyService and LimitResolver do the work.

It is guarded by the admin key (OPENREEL_ADMIN_KEY), which is not an API key: it names no
project, and no API key opens these routes. The guard runs in BodyLimitMiddleware before any body
is read, and again as this router's dependency:

- admin API off (the setting is empty): 404 NOT_FOUND on every admin route, saying how to enable
  it. 404 rather than 403 because the routes are not served at all, as for any unknown path;
- no key presented: 401 UNAUTHENTICATED;
- any other key, an API key included: 403 PERMISSION_DENIED.

The key is read from `Authorization: Bearer` or `x-goog-api-key`, never from `?key=` (URLs end up
in logs and browser histories)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.requests import HTTPConnection

from openreel.api.deps import RuntimeDep
from openreel.auth import Principal, Tier, is_admin_key
from openreel.errors import NotFound, PermissionDenied, Unauthenticated
from openreel.quota.limits import LIMIT_NAMES, LimitResolver, checked_project_subject, key_subject, project_subject
from openreel.runtime import Runtime
from openreel.settings import Settings
from openreel.store.keys import ApiKeyRecord
from openreel.store.limits import LimitValues

ADMIN_PREFIX = "/v1/admin"


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def check_admin(conn: HTTPConnection, settings: Settings) -> None:
    """Return if the request carries the admin key; raise NotFound, Unauthenticated or
    PermissionDenied (see the module docstring) otherwise. Reads headers only."""
    if not settings.admin_key:
        raise NotFound("The admin API is off on this server: start it with OPENREEL_ADMIN_KEY set (a long "
                       "random secret) to enable it.")
    presented = conn.headers.get("x-goog-api-key")
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    if not presented and scheme.lower() == "bearer":
        presented = token.strip()
    if not presented:
        raise Unauthenticated("The admin API needs the admin key (OPENREEL_ADMIN_KEY), sent as "
                              "Authorization: Bearer KEY or x-goog-api-key: KEY.")
    if not is_admin_key(presented, settings.admin_key):
        raise PermissionDenied("This key is not the admin key: the admin API takes only OPENREEL_ADMIN_KEY, "
                               "never an API key.")


async def require_admin(request: Request, runtime: RuntimeDep) -> None:
    check_admin(request, runtime.settings)


async def get_rate_limits(runtime: RuntimeDep) -> LimitResolver:
    return runtime.rate_limits


LimitsDep = Annotated[LimitResolver, Depends(get_rate_limits)]
router = APIRouter(prefix=ADMIN_PREFIX, tags=["Admin"], dependencies=[Depends(require_admin)])


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ApiKey(_Wire):
    id: str
    prefix: str
    project: str
    tier: Tier
    state: Literal["ACTIVE", "REVOKED", "EXPIRED"]
    create_time: datetime
    expire_time: datetime | None
    revoke_time: datetime | None

    @classmethod
    def of(cls, record: ApiKeyRecord, now: datetime) -> ApiKey:
        state: Literal["ACTIVE", "REVOKED", "EXPIRED"] = (
            "REVOKED" if record.revoked_at is not None else "EXPIRED" if record.is_expired(now) else "ACTIVE")
        return cls(id=record.id, prefix=record.prefix, project=record.project, tier=Tier(record.tier), state=state,
                   create_time=record.created_at, expire_time=record.expires_at, revoke_time=record.revoked_at)


class CreatedApiKey(ApiKey):
    key: str = Field(description="The API key itself. It is shown this once: only its hash is stored.")


class ApiKeyList(_Wire):
    keys: list[ApiKey]


class CreateKeyRequest(_Wire):
    project: str
    tier: Tier
    expire_time: AwareDatetime | None = Field(default=None, description="When the key stops working (RFC 3339).")


Limit = Annotated[int, Field(strict=True, ge=0)] | None


class Limits(_Wire):
    """Custom limits: a field left out keeps the value of the layer below (the project's, then the
    tier's); null means no limit at all."""

    requests_per_minute: Limit = None
    requests_per_day: Limit = None
    concurrent: Limit = None

    def given(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class EffectiveLimits(_Wire):
    requests_per_minute: int | None
    requests_per_day: int | None
    concurrent: int | None


class ProjectLimits(_Wire):
    project: str
    limits: dict[str, int | None] = Field(description="The project's custom limits, by camelCase name.")


class KeyLimits(_Wire):
    key_id: str
    project: str
    tier: Tier
    limits: dict[str, int | None] = Field(description="The key's own custom limits, by camelCase name.")
    project_limits: dict[str, int | None]
    effective: EffectiveLimits = Field(description="What create calls meet: tier, then project, then key.")


def _wire_limits(values: LimitValues) -> dict[str, int | None]:
    return {to_camel(name): values[name] for name in LIMIT_NAMES if name in values}


def _project_limits(limits: LimitResolver, project: str) -> ProjectLimits:
    return ProjectLimits(project=project, limits=_wire_limits(limits.get(checked_project_subject(project))))


def _key_limits(runtime: Runtime, limits: LimitResolver, key_id: str) -> KeyLimits:
    record = runtime.keys.get(key_id)
    principal = Principal(project=record.project, tier=Tier(record.tier), key_id=record.id)
    effective = limits.resolve(principal)
    return KeyLimits(key_id=record.id, project=record.project, tier=principal.tier,
                     limits=_wire_limits(limits.get(key_subject(record.id))),
                     project_limits=_wire_limits(limits.get(project_subject(record.project))),
                     effective=EffectiveLimits(**{name: getattr(effective, name) for name in LIMIT_NAMES}))


@router.get("/keys")
def list_keys(runtime: RuntimeDep, project: Annotated[str | None, Query()] = None) -> ApiKeyList:
    now = datetime.now(UTC)
    return ApiKeyList(keys=[ApiKey.of(record, now) for record in runtime.keys.list_keys(project)])


@router.post("/keys")
def create_key(body: CreateKeyRequest, runtime: RuntimeDep) -> CreatedApiKey:
    new = runtime.keys.create(body.project, body.tier, body.expire_time)
    record = runtime.keys.get(new.id)
    return CreatedApiKey(**ApiKey.of(record, datetime.now(UTC)).model_dump(), key=new.plaintext)


@router.get("/keys/{key_id}")
def get_key(key_id: str, runtime: RuntimeDep) -> ApiKey:
    return ApiKey.of(runtime.keys.get(key_id), datetime.now(UTC))


@router.post("/keys/{key_id}:revoke")
def revoke_key(key_id: str, runtime: RuntimeDep) -> ApiKey:
    """Revoke a key (again: no change). Other replicas accept it for up to 10 s more."""
    return ApiKey.of(runtime.keys.revoke(key_id), datetime.now(UTC))


@router.get("/projects/{project}/limits")
def get_project_limits(project: str, limits: LimitsDep) -> ProjectLimits:
    return _project_limits(limits, project)


@router.patch("/projects/{project}/limits")
def update_project_limits(project: str, body: Limits, limits: LimitsDep) -> ProjectLimits:
    """Set the limits the body names; the project's other custom limits stay."""
    limits.update(checked_project_subject(project), body.given())
    return _project_limits(limits, project)


@router.put("/projects/{project}/limits")
def replace_project_limits(project: str, body: Limits, limits: LimitsDep) -> ProjectLimits:
    """Set exactly the limits the body names; any other goes back to the tier's."""
    limits.replace(checked_project_subject(project), body.given())
    return _project_limits(limits, project)


@router.delete("/projects/{project}/limits")
def clear_project_limits(project: str, limits: LimitsDep) -> ProjectLimits:
    limits.clear(checked_project_subject(project))
    return _project_limits(limits, project)


@router.get("/keys/{key_id}/limits")
def get_key_limits(key_id: str, runtime: RuntimeDep, limits: LimitsDep) -> KeyLimits:
    return _key_limits(runtime, limits, key_id)


@router.patch("/keys/{key_id}/limits")
def update_key_limits(key_id: str, body: Limits, runtime: RuntimeDep, limits: LimitsDep) -> KeyLimits:
    """Set the limits the body names; the key's other custom limits stay."""
    runtime.keys.get(key_id)  # NotFound before anything is stored for a key that does not exist
    limits.update(key_subject(key_id), body.given())
    return _key_limits(runtime, limits, key_id)


@router.put("/keys/{key_id}/limits")
def replace_key_limits(key_id: str, body: Limits, runtime: RuntimeDep, limits: LimitsDep) -> KeyLimits:
    """Set exactly the limits the body names; any other goes back to the project's or the tier's."""
    runtime.keys.get(key_id)
    limits.replace(key_subject(key_id), body.given())
    return _key_limits(runtime, limits, key_id)


@router.delete("/keys/{key_id}/limits")
def clear_key_limits(key_id: str, runtime: RuntimeDep, limits: LimitsDep) -> KeyLimits:
    runtime.keys.get(key_id)
    limits.clear(key_subject(key_id))
    return _key_limits(runtime, limits, key_id)
