"""Rate-limit tiers from a real server: 429 RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo,
503 UNAVAILABLE when the queue is full, and the client's retries honouring RetryInfo."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import openreel
from openreel.client import ResourceExhausted, ServiceUnavailable, VideoGenerationModel
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


def test_concurrent_limit_refuses_with_quota_failure_and_retry_info(idle: LiveServer) -> None:
    http = idle.client(idle.create_key(project="q1", tier="free"))
    first = http.post(GEMINI, json=BODY)
    assert first.status_code == 200
    second = http.post(GEMINI, json=BODY)
    assert second.status_code == 429
    body = second.json()
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "concurrent operations limit of 1" in _details(body, "QuotaFailure")["violations"][0]["description"]
    assert _details(body, "RetryInfo")["retryDelay"].endswith("s")
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
    delay = float(_details(refused.json(), "RetryInfo")["retryDelay"].rstrip("s"))
    assert 0 < delay <= 60


def test_full_queue_sheds_load_with_503(tmp_path_factory: pytest.TempPathFactory) -> None:
    live = LiveServer(tmp_path_factory.mktemp("shed"), workers=0, max_queued=1)
    live.start()
    try:
        key = live.create_key(project="q3")
        http = live.client(key)
        assert http.post(GEMINI, json=BODY).status_code == 200
        shed = http.post(GEMINI, json=BODY)
        assert shed.status_code == 503 and shed.json()["error"]["status"] == "UNAVAILABLE"
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
