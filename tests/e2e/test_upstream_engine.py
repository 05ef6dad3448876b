"""The upstream engine end to end: a gateway openreel forwarding to a second openreel on loopback,
whose keys are on the free tier (2 requests per minute, 1 at a time), so its 429s really happen.
What is counted comes from the remote's own records: its operations and its engine's calls."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openreel_gated import REFUSAL, WITHHELD
from tests.gates import gated_body
from tests.support import LiveServer, decode_mp4
from tests.upstream import (SHORT_MODEL, Remote, most_at_once, most_in_any_minute, upstream_entry,
                            wait_all_done)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    server = Remote(tmp_path_factory.mktemp("upstream-remote")).start()
    try:
        yield server
    finally:
        server.server.stop()


def _gateway(tmp_path: Path, entries: list[str], **settings: Any) -> tuple[LiveServer, str]:
    catalog = tmp_path / "gateway-catalog.toml"
    catalog.write_text("\n".join(entries))
    gateway = LiveServer(tmp_path / "gateway", catalog_path=catalog, workers=4, **settings)
    return gateway, gateway.create_key(project="gateway", tier="enterprise")


def _submit(http: httpx.Client, model: str, tag: str, **body: Any) -> str:
    answer = http.post(f"/v1beta/models/{model}:predictLongRunning", json=gated_body(tag) | body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["name"])


def _video(http: httpx.Client, done: dict[str, Any], index: int = 0) -> bytes:
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][index]["video"]["uri"]
    answer = http.get(f"/v1beta/files/{uri.split('files/')[1].split(':')[0]}:download", params={"alt": "media"})
    assert answer.status_code == 200, answer.text
    return answer.content


def test_remote_limits_hold_and_each_local_operation_makes_exactly_one_remote_one(remote: Remote,
                                                                                   tmp_path: Path) -> None:
    # The same free-tier limits at the remote; one entry knows them, the other was not told.
    limited_key, unlimited_key = remote.key("limited"), remote.key("unlimited")
    gateway, key = _gateway(tmp_path, [upstream_entry("veo-limited", remote, limited_key, rpm=2, concurrent=1),
                                       upstream_entry("veo-unlimited", remote, unlimited_key)])
    tags = {model: [f"{model}-{i}" for i in range(4)] for model in ("veo-limited", "veo-unlimited")}
    for tag in tags["veo-limited"] + tags["veo-unlimited"]:
        remote.gates.open(tag, 0)
    gateway.start()
    try:
        with gateway.client(key) as http:
            names = {tag: _submit(http, model, tag) for model in tags for tag in tags[model]}
            seen: list[dict[str, Any]] = []
            done = dict(zip(names, wait_all_done(http, list(names.values()), timeout=400, seen=seen)))
            for tag, body in done.items():
                assert "response" in body, body
                stored = _video(http, body)
                # The remote's MP4, byte for byte: no re-encode on the way.
                assert hashlib.sha256(stored).digest() == hashlib.sha256(remote.made(tag)).digest()
                assert decode_mp4(stored).frame_count == 96
                usage = body["metadata"]["usage"]
                assert usage["engine"] == "upstream" and usage["samples"] == 1
                assert usage["remoteCostUsd"] == pytest.approx(4 * 0.0875 + 0.10)  # the remote's estimated price
    finally:
        gateway.stop()

    for model, remote_key in (("veo-limited", limited_key), ("veo-unlimited", unlimited_key)):
        made = remote.operations(remote_key)
        assert len(made) == 4, f"{model}: {len(made)} remote operations for 4 local ones"
        assert all(remote.calls(tag) == 1 for tag in tags[model])
        assert most_in_any_minute(made) <= 2 and most_at_once(made) <= 1
    reasons = {model: [m.get("waitReason", "") for m in seen if m.get("model") == model] for model in tags}
    # Told the limits, the gateway waits in its own queue and never meets the remote's 429...
    assert any("requests per minute" in r or "concurrent" in r for r in reasons["veo-limited"])
    assert not any("429" in r for r in reasons["veo-limited"])
    # ...not told them, it meets 429s, backs off as the remote's Retry-After says, and still delivers.
    assert any("429" in r for r in reasons["veo-unlimited"])
    queued = [m for m in seen if m.get("waitReason")]
    assert all(m["state"] == "QUEUED" and "queuePosition" in m and "waitUntil" in m for m in queued)


def test_a_gateway_restarted_mid_flight_polls_the_same_remote_operation(remote: Remote, tmp_path: Path) -> None:
    remote_key = remote.key("restart", tier="standard")
    gateway, key = _gateway(tmp_path, [upstream_entry("veo", remote, remote_key)], lease_seconds=3,
                            heartbeat_seconds=0.5)
    gateway.start()
    try:
        with gateway.client(key) as http:
            name = _submit(http, "veo", "restart-a")
            remote.gates.wait_started("restart-a", 0)  # the remote job runs, held at its gate
            gateway.stop(kill=True)
            gateway.start()
            remote.gates.open("restart-a", 0)
            done = gateway.wait_done(http, f"/v1beta/{name}", timeout=120)
            assert "response" in done, done
            assert done["metadata"]["attempt"] == 2
            assert _video(http, done) == remote.made("restart-a")
    finally:
        gateway.stop()
    assert remote.calls("restart-a") == 1 and len(remote.operations(remote_key)) == 1


def test_remote_failures_and_safety_outcomes_arrive_unchanged(remote: Remote, tmp_path: Path) -> None:
    remote_key = remote.key("outcomes", tier="elevated")
    gateway, key = _gateway(tmp_path, [
        upstream_entry("veo", remote, remote_key),
        upstream_entry("veo-short", remote, remote_key, remote_model=SHORT_MODEL),
        upstream_entry("veo-wrong-key", remote, "not-a-key-of-the-remote")])
    for tag in ("refused", "withheld", "short"):
        remote.gates.open(tag, 0)
    gateway.start()
    try:
        with gateway.client(key) as http:
            refused = _submit(http, "veo", "refused refuse this")
            withheld = _submit(http, "veo", "withheld withhold one", parameters={
                "durationSeconds": 4, "resolution": "720p", "sampleCount": 2})
            too_long = _submit(http, "veo-short", "short", parameters={"durationSeconds": 8, "resolution": "720p"})
            wrong_key = _submit(http, "veo-wrong-key", "wrongkey")
            failed, filtered, refused_here, unauthenticated = wait_all_done(
                http, [refused, withheld, too_long, wrong_key], timeout=120, seen=[])
    finally:
        gateway.stop()

    assert failed["error"] == {"code": 3, "message": REFUSAL, "details": []}
    inner = filtered["response"]["generateVideoResponse"]
    assert len(inner["generatedSamples"]) == 1
    assert inner["raiMediaFilteredCount"] == 1 and inner["raiMediaFilteredReasons"] == [WITHHELD]
    assert filtered["metadata"]["usage"]["samples"] == 1  # the filtered video is not charged

    # The remote's own 400 for a request it refuses, word for word.
    with remote.server.client(remote_key) as direct:
        expected = direct.post(f"/v1beta/models/{SHORT_MODEL}:predictLongRunning",
                               json=gated_body("direct") | {"parameters": {"durationSeconds": 8}}).json()["error"]
    assert refused_here["error"]["code"] == 3 and refused_here["error"]["message"] == expected["message"]
    assert remote.calls("short") == 0

    error = unauthenticated["error"]
    assert error["code"] == 16 and '[models."veo-wrong-key"]' in error["message"] and "api_key" in error["message"]
