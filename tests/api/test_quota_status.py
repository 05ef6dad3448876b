"""GET /{version}/quota: the calling key's effective limits, its use, and when each window's count
falls, counted as admission counts, so that what it says is what the next create call meets."""

from __future__ import annotations

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
    with InProcessServer(admin_settings(tmp_path_factory.mktemp("status"))) as app:
        yield app


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _create(http: InProcessClient) -> dict[str, Any]:
    created = http.post(CREATE, json=BODY)
    assert created.status_code == 200, created.text
    body: dict[str, Any] = created.json()
    return body


def _cancel(http: InProcessClient, op: dict[str, Any]) -> None:
    assert http.post(f"/v1beta/operations/{op['name'].rsplit('/', 1)[1]}:cancel").status_code == 200


def test_a_new_free_key_sees_its_tier_limits_and_nothing_used(server: InProcessServer) -> None:
    key = server.create_key(project="fresh", tier="free")
    assert server.client(key).get("/v1beta/quota").json() == {
        "project": "fresh", "keyId": server.runtime.keys.authenticate(key).key_id, "tier": "free",
        "concurrent": {"limit": 1, "used": 0},
        "requestsPerMinute": {"limit": 2, "used": 0, "window": "60s", "resetTime": None},
        "requestsPerDay": {"limit": 10, "used": 0, "window": "86400s", "resetTime": None},
    }


def test_use_and_reset_times_follow_each_create(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="counted", tier="standard"))
    first = _create(http)
    created = _stamp(first["metadata"]["createTime"])
    status = http.get("/v1beta/quota").json()
    assert status["concurrent"] == {"limit": 3, "used": 1}
    assert (status["requestsPerMinute"]["used"], status["requestsPerDay"]["used"]) == (1, 1)
    assert _stamp(status["requestsPerMinute"]["resetTime"]) == created + timedelta(minutes=1)
    assert _stamp(status["requestsPerDay"]["resetTime"]) == created + timedelta(days=1)
    _cancel(http, first)  # a cancelled operation no longer holds a slot, but still counts as a request
    _create(http)
    again = http.get("/v1beta/quota").json()
    assert again["concurrent"]["used"] == 1 and again["requestsPerMinute"]["used"] == 2
    assert again["requestsPerMinute"]["resetTime"] == status["requestsPerMinute"]["resetTime"]  # still the oldest


def test_at_the_limit_the_reset_time_is_when_the_429_says_to_retry(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="at-limit", tier="free"))
    for _ in range(2):
        _cancel(http, _create(http))
    refused = http.post(CREATE, json=BODY)
    assert refused.status_code == 429
    retry = next(d for d in refused.json()["error"]["details"] if d["@type"].endswith("RetryInfo"))
    retry_at = datetime.now(UTC) + timedelta(seconds=float(retry["retryDelay"].rstrip("s")))
    window = http.get("/v1beta/quota").json()["requestsPerMinute"]
    assert window["used"] == window["limit"] == 2  # the refused call was not counted
    assert abs((_stamp(window["resetTime"]) - retry_at).total_seconds()) < 1


def test_custom_limits_show_in_the_status_and_null_is_unlimited(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="custom-status", tier="free"))
    patched = server.client(ADMIN_KEY).request("PATCH", "/v1/admin/projects/custom-status/limits",
                                               json={"requestsPerMinute": 30, "requestsPerDay": None})
    assert patched.status_code == 200
    status = http.get("/v1beta/quota").json()
    assert (status["requestsPerMinute"]["limit"], status["requestsPerDay"]["limit"],
            status["concurrent"]["limit"]) == (30, None, 1)


def test_served_under_the_gemini_versions(server: InProcessServer) -> None:
    http = server.client(server.create_key(project="versions", tier="elevated"))
    assert http.get("/v1/quota").json() == http.get("/v1beta/quota").json()
    assert http.get("/v9/quota").json()["error"]["status"] == "NOT_FOUND"


def test_it_needs_a_key(server: InProcessServer) -> None:
    assert server.client().get("/v1beta/quota").json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_keyless_caller_sees_no_limits(tmp_path: Path) -> None:
    with InProcessServer(explicit_settings(tmp_path, workers=0, require_api_key=False)) as open_server:
        status = open_server.client().get("/v1beta/quota").json()
    assert status["keyId"] is None and status["tier"] == "enterprise"
    assert status["concurrent"] == {"limit": None, "used": 0}
    assert status["requestsPerDay"] == {"limit": None, "used": 0, "window": "86400s", "resetTime": None}
