"""Rate-limit tiers from a real server: 429 RESOURCE_EXHAUSTED with QuotaFailure, RetryInfo and a
Retry-After header, 503 UNAVAILABLE when the queue is full, and the client's retries honouring
RetryInfo. Custom limits of projects and keys (set through the admin API) over the tiers, on
SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

import openreel
from openreel.client import ResourceExhausted, ServiceUnavailable, VideoGenerationModel
from tests.databases import postgres_schema
from tests.inprocess import ADMIN_KEY, InProcessClient, InProcessServer, admin_settings
from tests.support import STATIC_PROMPT, LiveServer

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
BODY = {"instances": [{"prompt": STATIC_PROMPT}], "parameters": {"durationSeconds": 4, "resolution": "720p"}}


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """No workers: submitted operations stay queued (active) until cancelled."""
    live = LiveServer(tmp_path_factory.mktemp("quota"), workers=0, max_queued=50)
    live.start()
    yield live
    live.stop()


def _details(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(d for d in body["error"]["details"] if d["@type"].endswith(kind))


def _retry_after_matches_retry_info(response: httpx.Response) -> float:
    """Retry-After is RetryInfo's delay in whole seconds, rounded up, at least 1; the delay."""
    delay = float(_details(response.json(), "RetryInfo")["retryDelay"].rstrip("s"))
    assert response.headers["Retry-After"] == str(max(1, math.ceil(delay)))
    return delay


def test_concurrent_limit_refuses_with_quota_failure_and_retry_info(idle: LiveServer) -> None:
    http = idle.client(idle.create_key(project="q1", tier="free"))
    first = http.post(GEMINI, json=BODY)
    assert first.status_code == 200
    second = http.post(GEMINI, json=BODY)
    assert second.status_code == 429
    body = second.json()
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "concurrent operations limit of 1" in _details(body, "QuotaFailure")["violations"][0]["description"]
    assert _retry_after_matches_retry_info(second) == 2.0 and second.headers["Retry-After"] == "2"
    assert len(http.get("/v1beta/operations").json()["operations"]) == 1  # the refused one was not stored


def test_requests_per_minute_counts_only_accepted_requests(idle: LiveServer) -> None:
    http = idle.client(idle.create_key(project="q2", tier="standard"))
    assert http.post(GEMINI, json={"instances": [{"prompt": ""}]}).status_code == 400  # never counted
    for _ in range(5):
        op = http.post(GEMINI, json=BODY).json()
        http.post(f"/v1beta/operations/{op['name'].rsplit('/', 1)[1]}:cancel")  # free the concurrency slot
    refused = http.post(GEMINI, json=BODY)
    assert refused.status_code == 429
    assert "requests per minute limit of 5" in refused.json()["error"]["message"]
    delay = _retry_after_matches_retry_info(refused)
    assert 0 < delay <= 60 and 1 <= int(refused.headers["Retry-After"]) <= 60


def test_full_queue_sheds_load_with_503(tmp_path_factory: pytest.TempPathFactory) -> None:
    live = LiveServer(tmp_path_factory.mktemp("shed"), workers=0, max_queued=1)
    live.start()
    try:
        key = live.create_key(project="q3")
        http = live.client(key)
        assert http.post(GEMINI, json=BODY).status_code == 200
        shed = http.post(GEMINI, json=BODY)
        assert shed.status_code == 503 and shed.json()["error"]["status"] == "UNAVAILABLE"
        assert _retry_after_matches_retry_info(shed) == 5.0 and shed.headers["Retry-After"] == "5"
        openreel.init(base_url=live.url, api_key=key, retry=False)
        with pytest.raises(ServiceUnavailable) as caught:
            VideoGenerationModel.from_pretrained("veo-3.0-generate-001").generate_video(prompt=STATIC_PROMPT)
        assert caught.value.retry_delay == 5.0
    finally:
        live.stop()


def test_client_raises_resource_exhausted_without_retries(idle: LiveServer) -> None:
    key = idle.create_key(project="q4", tier="free")
    openreel.init(base_url=idle.url, api_key=key, retry=False)
    model = VideoGenerationModel.from_pretrained("veo-3.0-generate-001")
    model.generate_video(prompt=STATIC_PROMPT, duration_seconds=4)
    with pytest.raises(ResourceExhausted) as caught:
        model.generate_video(prompt=STATIC_PROMPT, duration_seconds=4)
    assert caught.value.code == 429 and caught.value.retry_delay == 2.0


def test_client_retries_429_after_the_servers_retry_info(tmp_path_factory: pytest.TempPathFactory,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    live = LiveServer(tmp_path_factory.mktemp("retry"))
    live.start()
    try:
        key = live.create_key(project="q5", tier="free")
        openreel.init(base_url=live.url, api_key=key)  # retries on by default
        model = VideoGenerationModel.from_pretrained("veo-3.0-generate-001")
        first = model.generate_video(prompt=STATIC_PROMPT, duration_seconds=4, resolution="720p")
        caplog.set_level(logging.INFO, logger="openreel.client")
        second = model.generate_video(prompt=STATIC_PROMPT, duration_seconds=4, resolution="720p")
        retries = [r for r in caplog.records if "RESOURCE_EXHAUSTED" in r.getMessage()]
        assert retries and "retrying in 2.0 s" in retries[0].getMessage()
        assert first.result(timeout=120).videos and second.result(timeout=120).videos
    finally:
        live.stop()


# -- custom limits -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def custom(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    """No workers, so accepted operations stay queued (active); the admin API on."""
    with ExitStack() as stack:
        url = "" if request.param == "sqlite" else stack.enter_context(postgres_schema())[0]
        yield stack.enter_context(InProcessServer(admin_settings(tmp_path_factory.mktemp("custom"), database_url=url)))


def _new_key(server: InProcessServer, project: str, tier: str) -> tuple[str, InProcessClient]:
    created = server.client(ADMIN_KEY).post("/v1/admin/keys", json={"project": project, "tier": tier}).json()
    return created["id"], server.client(created["key"])


def _set(server: InProcessServer, path: str, limits: dict[str, int | None]) -> None:
    done = server.client(ADMIN_KEY).request("PATCH", f"/v1/admin/{path}/limits", json=limits)
    assert done.status_code == 200, done.text


def _creates_until_refused(http: InProcessClient, most: int) -> tuple[int, httpx.Response | None]:
    for accepted in range(most + 1):
        response = http.post(GEMINI, json=BODY)
        if response.status_code != 200:
            return accepted, response
    return most + 1, None


def test_a_project_limit_raises_a_free_keys_rpm_and_is_enforced(custom: InProcessServer) -> None:
    _set(custom, "projects/raised", {"requestsPerMinute": 4, "concurrent": None})
    _, http = _new_key(custom, "raised", "free")  # the free tier: 2 a minute, 1 at a time
    accepted, refused = _creates_until_refused(http, 10)
    assert accepted == 4 and refused is not None and refused.status_code == 429
    assert "requests per minute limit of 4" in _details(refused.json(), "QuotaFailure")["violations"][0]["description"]
    assert 0 < _retry_after_matches_retry_info(refused) <= 60


def test_a_key_limit_beats_its_projects(custom: InProcessServer) -> None:
    _set(custom, "projects/layered", {"requestsPerMinute": 1, "concurrent": None})
    favoured_id, favoured = _new_key(custom, "layered", "free")
    _, plain = _new_key(custom, "layered", "free")
    _set(custom, f"keys/{favoured_id}", {"requestsPerMinute": 3})
    assert _creates_until_refused(favoured, 10)[0] == 3
    accepted, refused = _creates_until_refused(plain, 10)
    assert accepted == 1 and refused is not None
    assert "requests per minute limit of 1" in refused.json()["error"]["message"]


def test_null_means_unlimited(custom: InProcessServer) -> None:
    _set(custom, "projects/boundless", {"requestsPerMinute": None, "requestsPerDay": None, "concurrent": None})
    _, http = _new_key(custom, "boundless", "free")
    assert _creates_until_refused(http, 12)[0] == 13  # past the free tier's 10 a day


def test_a_limit_of_zero_refuses_every_create(custom: InProcessServer) -> None:
    key_id, http = _new_key(custom, "paused", "elevated")
    _set(custom, f"keys/{key_id}", {"requestsPerDay": 0})
    refused = http.post(GEMINI, json=BODY)
    assert refused.status_code == 429 and "requests per day limit of 0" in refused.json()["error"]["message"]
    _retry_after_matches_retry_info(refused)
