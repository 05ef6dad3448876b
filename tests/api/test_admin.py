"""The admin API (/v1/admin/...): guarded by OPENREEL_ADMIN_KEY before any body is read; keys
listed, created (shown once), revoked and expired; custom limits of projects and keys set, merged,
replaced and cleared; every bad body a 400 naming its field."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.inprocess import ADMIN_KEY, InProcessClient, InProcessServer, admin_settings, explicit_settings

CREATE = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
BODY = {"instances": [{"prompt": "a quiet desert at noon, static shot"}],
        "parameters": {"durationSeconds": 4, "resolution": "720p"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(admin_settings(tmp_path_factory.mktemp("admin"))) as app:
        yield app


@pytest.fixture(scope="module")
def root(server: InProcessServer) -> InProcessClient:
    return server.client(ADMIN_KEY)


def _error(response: Any, code: int, status: str) -> dict[str, Any]:
    assert response.status_code == code, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == status
    return error


def _violations(response: Any) -> dict[str, str]:
    error = _error(response, 400, "INVALID_ARGUMENT")
    [bad_request] = [d for d in error["details"] if d["@type"].endswith("BadRequest")]
    return {v["field"]: v["description"] for v in bad_request["fieldViolations"]}


# -- the guard ---------------------------------------------------------------------------------


def test_without_an_admin_key_setting_every_admin_route_is_404_saying_how_to_enable_it(tmp_path: Path) -> None:
    with InProcessServer(explicit_settings(tmp_path, workers=0)) as off:
        key = off.create_key(project="p")
        for method, path in (("GET", "/v1/admin/keys"), ("POST", "/v1/admin/keys"),
                             ("PATCH", "/v1/admin/projects/p/limits"), ("GET", "/v1/admin/nothing")):
            for client in (off.client(key), off.client(""), off.client("anything")):
                error = _error(client.request(method, path, json={}), 404, "NOT_FOUND")
                assert "OPENREEL_ADMIN_KEY" in error["message"]


def test_no_key_is_401_and_any_other_key_is_403(server: InProcessServer) -> None:
    api_key = server.create_key(project="guarded")
    missing = _error(server.client().get("/v1/admin/keys"), 401, "UNAUTHENTICATED")
    assert "OPENREEL_ADMIN_KEY" in missing["message"]
    for wrong in (api_key, ADMIN_KEY[:-1], ADMIN_KEY + "x", "ork_" + "a" * 32, "ü".encode() * 3):
        refused = server.client().get("/v1/admin/keys", headers={"x-goog-api-key": wrong})
        assert "not the admin key" in _error(refused, 403, "PERMISSION_DENIED")["message"]
    # ?key= would put the admin key in access logs: it is not read.
    _error(server.client().get("/v1/admin/keys", params={"key": ADMIN_KEY}), 401, "UNAUTHENTICATED")


def test_the_admin_key_works_as_bearer_or_header_and_is_no_api_key(server: InProcessServer) -> None:
    assert server.client().get("/v1/admin/keys", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code == 200
    assert server.client(ADMIN_KEY).get("/v1/admin/keys").status_code == 200
    _error(server.client(ADMIN_KEY).get("/v1beta/models"), 401, "UNAUTHENTICATED")


def test_the_guard_runs_before_the_body_is_read_and_admin_bodies_are_bounded(server: InProcessServer) -> None:
    huge = {"Content-Length": str(10**12)}
    _error(server.client().request("POST", "/v1/admin/keys", headers=huge, content=b"{}"), 401, "UNAUTHENTICATED")
    too_large = server.client(ADMIN_KEY).request("POST", "/v1/admin/keys", headers=huge, content=b"{}")
    assert too_large.status_code == 413 and "payload size exceeds the limit" in too_large.json()["error"]["message"]


# -- keys --------------------------------------------------------------------------------------


def test_create_use_and_revoke_a_key_through_the_admin_api(server: InProcessServer, root: InProcessClient) -> None:
    created = root.post("/v1/admin/keys", json={"project": "studio", "tier": "free"})
    assert created.status_code == 200, created.text
    body = created.json()
    key = body.pop("key")
    assert key.startswith(body["prefix"]) and body["state"] == "ACTIVE" and body["tier"] == "free"
    assert body["expireTime"] is None and body["revokeTime"] is None
    listed = root.get("/v1/admin/keys", params={"project": "studio"}).json()["keys"]
    assert listed == [body] and key not in str(listed)  # shown once, never listed
    user = server.client(key)
    assert user.get("/v1beta/models").status_code == 200
    revoked = root.post(f"/v1/admin/keys/{body['id']}:revoke")
    assert revoked.json()["state"] == "REVOKED" and revoked.json()["revokeTime"] is not None
    # This server forgets the key at once; other replicas within KEY_CACHE_SECONDS.
    assert "revoked" in _error(user.get("/v1beta/models"), 401, "UNAUTHENTICATED")["message"]
    assert root.get(f"/v1/admin/keys/{body['id']}").json()["state"] == "REVOKED"


def test_list_filters_by_project(server: InProcessServer, root: InProcessClient) -> None:
    server.create_key(project="list-a")
    server.create_key(project="list-b")
    assert {k["project"] for k in root.get("/v1/admin/keys", params={"project": "list-a"}).json()["keys"]} == {"list-a"}
    assert {"list-a", "list-b"} <= {k["project"] for k in root.get("/v1/admin/keys").json()["keys"]}


def test_an_expiring_key_works_until_it_expires_then_gets_401(server: InProcessServer, root: InProcessClient) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=1.5)
    created = root.post("/v1/admin/keys", json={"project": "brief", "tier": "free",
                                                "expireTime": expires.isoformat()}).json()
    assert created["expireTime"].startswith(f"{expires:%Y-%m-%dT%H:%M:%S}")
    user = server.client(created["key"])
    assert user.get("/v1beta/models").status_code == 200  # resolved, and so cached
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
    error = _error(user.get("/v1beta/models"), 401, "UNAUTHENTICATED")  # the cache kept it no longer
    assert error["message"].startswith(f"This API key expired at {expires:%Y-%m-%dT%H:%M:%S}Z")
    assert root.get(f"/v1/admin/keys/{created['id']}").json()["state"] == "EXPIRED"


@pytest.mark.parametrize(("body", "field"), [
    ({"tier": "free"}, "project"),
    ({"project": "p"}, "tier"),
    ({"project": "p", "tier": "platinum"}, "tier"),
    ({"project": "a/b", "tier": "free"}, "project"),
    ({"project": "p", "tier": "free", "expireTime": "2001-01-01T00:00:00Z"}, "expireTime"),
    ({"project": "p", "tier": "free", "expireTime": "2099-01-01T00:00:00"}, "expireTime"),  # no time zone
    ({"project": "p", "tier": "free", "expireTime": "soon"}, "expireTime"),
    ({"project": "p", "tier": "free", "owner": "me"}, "owner"),
])
def test_a_bad_create_key_body_is_400_naming_the_field(root: InProcessClient, body: dict[str, Any],
                                                      field: str) -> None:
    assert field in _violations(root.post("/v1/admin/keys", json=body))


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'"x"', b"null"])
def test_a_create_key_body_that_is_no_json_object_is_400(root: InProcessClient, content: bytes) -> None:
    _error(root.post("/v1/admin/keys", content=content, headers={"Content-Type": "application/json"}),
           400, "INVALID_ARGUMENT")


def test_unknown_keys_are_404(root: InProcessClient) -> None:
    for method, path in (("GET", "/v1/admin/keys/0123456789abcdef"), ("POST", "/v1/admin/keys/0123456789abcdef:revoke"),
                         ("GET", "/v1/admin/keys/0123456789abcdef/limits"),
                         ("PATCH", "/v1/admin/keys/0123456789abcdef/limits")):
        _error(root.request(method, path, json={"concurrent": 1}), 404, "NOT_FOUND")


# -- custom limits -------------------------------------------------------------------------------


def test_project_limits_merge_replace_and_clear(root: InProcessClient) -> None:
    path = "/v1/admin/projects/limits-p/limits"
    assert root.get(path).json() == {"project": "limits-p", "limits": {}}
    root.request("PATCH", path, json={"requestsPerMinute": 600})
    merged = root.request("PATCH", path, json={"concurrent": None}).json()
    assert merged["limits"] == {"requestsPerMinute": 600, "concurrent": None}  # null: unlimited, kept as such
    replaced = root.request("PUT", path, json={"requestsPerDay": 0}).json()
    assert replaced["limits"] == {"requestsPerDay": 0}
    assert root.delete(path).json()["limits"] == {} and root.get(path).json()["limits"] == {}


def test_key_limits_show_every_layer_and_the_effective_limits(server: InProcessServer, root: InProcessClient) -> None:
    created = root.post("/v1/admin/keys", json={"project": "layers", "tier": "standard"}).json()
    root.request("PATCH", "/v1/admin/projects/layers/limits", json={"requestsPerMinute": 50, "concurrent": 7})
    shown = root.request("PATCH", f"/v1/admin/keys/{created['id']}/limits",
                         json={"requestsPerMinute": 9, "requestsPerDay": None}).json()
    assert shown == {"keyId": created["id"], "project": "layers", "tier": "standard",
                     "limits": {"requestsPerMinute": 9, "requestsPerDay": None},
                     "projectLimits": {"requestsPerMinute": 50, "concurrent": 7},
                     "effective": {"requestsPerMinute": 9, "requestsPerDay": None, "concurrent": 7}}
    cleared = root.delete(f"/v1/admin/keys/{created['id']}/limits").json()
    assert cleared["limits"] == {} and cleared["effective"] == {"requestsPerMinute": 50, "requestsPerDay": 50,
                                                                "concurrent": 7}


@pytest.mark.parametrize(("body", "field"), [
    ({"rpm": 5}, "rpm"),
    ({"requestsPerMinute": -1}, "requestsPerMinute"),
    ({"requestsPerMinute": "5"}, "requestsPerMinute"),
    ({"requestsPerDay": 1.5}, "requestsPerDay"),
    ({"concurrent": True}, "concurrent"),
    ({"concurrent": [1]}, "concurrent"),
])
def test_a_bad_limits_body_is_400_naming_the_field_and_changes_nothing(root: InProcessClient, body: dict[str, Any],
                                                                       field: str) -> None:
    path = "/v1/admin/projects/bad-limits/limits"
    root.request("PUT", path, json={"concurrent": 2})
    for method in ("PATCH", "PUT"):
        assert field in _violations(root.request(method, path, json=body))
    assert root.get(path).json()["limits"] == {"concurrent": 2}


def test_limits_of_a_project_no_key_can_name_are_400(root: InProcessClient) -> None:
    assert "project" in _violations(root.request("PATCH", "/v1/admin/projects/-bad-/limits", json={"concurrent": 1}))


def test_a_key_limit_applies_to_the_next_create_on_this_server(server: InProcessServer, root: InProcessClient) -> None:
    created = root.post("/v1/admin/keys", json={"project": "at-once", "tier": "elevated"}).json()
    user = server.client(created["key"])
    assert user.post(CREATE, json=BODY).status_code == 200  # limits resolved, and so cached
    root.request("PATCH", f"/v1/admin/keys/{created['id']}/limits", json={"concurrent": 1})
    refused = user.post(CREATE, json=BODY)
    assert refused.status_code == 429 and "concurrent operations limit of 1" in refused.json()["error"]["message"]
    retry = next(d for d in refused.json()["error"]["details"] if d["@type"].endswith("RetryInfo"))
    assert refused.headers["Retry-After"] == str(max(1, math.ceil(float(retry["retryDelay"].rstrip("s")))))

