"""Webhooks shaped like Google's, against a real server and a real receiver that verifies every
delivery with the standardwebhooks package: per-request webhookConfig signed with the project's
secret, the Gemini webhooks resource (create, ping, rotate, delete), failure events, retries with
a delivery log, retries across a server restart, and endpoints disabled after repeated failure."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import WebhookVerificationError

from tests.gates import MODEL, Gates
from tests.support import LiveServer, decode_mp4, openreel_cli
from tests.webhook_receiver import WebhookReceiver

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"
FAST_RETRIES = json.dumps([0.5, 0.5, 0.5, 0.5])


def body(tag: str, **extra: Any) -> dict[str, Any]:
    return {"instances": [{"prompt": f"{tag} flat test frames"}],
            "parameters": {"durationSeconds": 4, "resolution": "720p"}, **extra}


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("webhooks")
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"), webhook_allowlist="127.0.0.1",
                        webhook_retry_seconds=FAST_RETRIES, webhook_disable_after_failures=1,
                        generation_timeout_seconds=3)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver()
    yield running
    running.close()


def test_a_per_request_webhook_is_signed_with_the_project_secret(live: LiveServer, gates: Gates,
                                                                 receiver: WebhookReceiver) -> None:
    key = live.create_key(project="hooks")
    secret_cli = openreel_cli("webhooks", "secret", "--project", "hooks", env=live.env)
    assert secret_cli.returncode == 0, secret_cli.stderr
    secret = secret_cli.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    http = live.client(key)
    config = {"webhookConfig": {"uris": [receiver.url], "userMetadata": {"job": "42"}}}
    name = http.post(CREATE, json=body("perrequest", **config)).json()["name"]
    gates.open("perrequest", 0)
    [delivery] = receiver.wait_for("video.generated")
    payload = delivery.verify(secret)
    data = payload["data"]
    assert data["name"] == name and data["state"] == "SUCCEEDED"
    assert data["userMetadata"] == {"job": "42"}
    assert data["usage"]["costUsd"] == 0.45  # 4 s with audio (the Gemini API's default)
    [video] = data["videos"]
    download = http.get(video["uri"])  # a URL the receiver fetches with the project's key
    assert download.status_code == 200 and decode_mp4(download.content).frame_count == 96
    assert delivery.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        delivery.verify("whsec_" + "A" * 43)  # another secret does not verify
    # The same secret over HTTP, for clients that are not on the server's machine.
    assert http.get("/v1beta/webhooks:signingSecret").json()["signingSecret"] == secret
    log = http.get(f"/v1beta/operations/{name.rsplit('/', 1)[1]}/webhookDeliveries").json()["deliveries"]
    assert [(d["event"], d["state"], len(d["attempts"])) for d in log] == [("video.generated", "delivered", 1)]


def test_the_webhooks_resource_pings_rotates_and_deletes(live: LiveServer, gates: Gates,
                                                         receiver: WebhookReceiver) -> None:
    http = live.client(live.create_key(project="resource"))
    created = http.post("/v1beta/webhooks", json={"uri": receiver.url,
                                                  "subscribedEvents": ["video.generated", "video.failed"]})
    assert created.status_code == 200, created.text
    webhook = created.json()
    secret = webhook["newSigningSecret"]
    assert webhook["state"] == "enabled" and webhook["name"].startswith("webhooks/")
    assert "newSigningSecret" not in http.get(f"/v1beta/{webhook['name']}").json()  # shown once
    assert [w["name"] for w in http.get("/v1beta/webhooks").json()["webhooks"]] == [webhook["name"]]

    ping = http.post(f"/v1beta/{webhook['name']}:ping").json()["delivery"]
    assert ping["state"] == "delivered" and ping["attempts"][0]["statusCode"] == 200
    receiver.wait_for("webhook.ping")[0].verify(secret)

    rotated = http.post(f"/v1beta/{webhook['name']}:rotateSigningSecret").json()["newSigningSecret"]
    assert rotated != secret
    name = http.post(CREATE, json=body("rotated")).json()["name"]
    gates.open("rotated", 0)
    [event] = receiver.wait_for("video.generated")
    assert event.verify(rotated)["data"]["name"] == name
    assert event.verify(secret)["data"]["name"] == name  # the old secret signs too, for a day

    assert http.request("DELETE", f"/v1beta/{webhook['name']}").status_code == 200
    assert http.get(f"/v1beta/{webhook['name']}").status_code == 404


def test_failed_and_cancelled_operations_send_their_events(live: LiveServer, gates: Gates,
                                                          receiver: WebhookReceiver) -> None:
    http = live.client(live.create_key(project="outcomes"))
    hook = {"webhookConfig": {"uris": [receiver.url]}}
    failing = http.post(CREATE, json=body("neveropened", **hook)).json()["name"]  # the 3 s deadline fails it
    [failed] = receiver.wait_for("video.failed")
    assert failed.payload["data"]["name"] == failing
    assert failed.payload["data"]["error"]["code"] == 4  # DEADLINE_EXCEEDED, as the operation reports it
    assert failed.payload["data"]["usage"]["costUsd"] == 0
    cancelling = http.post(CREATE, json=body("cancelled", **hook)).json()["name"]
    gates.wait_started("cancelled", 0)
    http.post(f"/v1beta/{cancelling}:cancel")
    [cancelled] = receiver.wait_for("video.cancelled")
    assert cancelled.payload["data"]["name"] == cancelling and cancelled.payload["data"]["videos"] == []


def test_failed_attempts_are_retried_and_logged_then_the_endpoint_is_disabled(
        live: LiveServer, gates: Gates, receiver: WebhookReceiver) -> None:
    http = live.client(live.create_key(project="flaky"))
    webhook = http.post("/v1beta/webhooks", json={"uri": receiver.url}).json()
    receiver.statuses = [500, 503]
    first = http.post(CREATE, json=body("flakyone")).json()["name"]
    gates.open("flakyone", 0)
    receiver.wait_for("video.generated", count=3)  # two failures, then delivered
    log = http.get(f"/v1beta/{webhook['name']}/deliveries").json()["deliveries"]
    assert len(log) == 1 and log[0]["operation"] == first.rsplit("/", 1)[1] and log[0]["state"] == "delivered"
    assert [a["statusCode"] for a in log[0]["attempts"]] == [500, 503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message, three attempts

    receiver.statuses = [500] * 10
    http.post(CREATE, json=body("flakytwo"))
    gates.open("flakytwo", 0)
    deadline = time.monotonic() + 30
    while http.get(f"/v1beta/{webhook['name']}").json()["state"] == "enabled" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert http.get(f"/v1beta/{webhook['name']}").json()["state"] == "disabled_due_to_failed_deliveries"
    enabled = http.request("PATCH", f"/v1beta/{webhook['name']}", json={"state": "enabled"}).json()
    assert enabled["state"] == "enabled"


def test_retries_follow_the_webhook_as_it_is_now(live: LiveServer, gates: Gates, receiver: WebhookReceiver) -> None:
    http = live.client(live.create_key(project="moving"))
    broken = WebhookReceiver()
    broken.statuses = [500] * 100
    webhook = http.post("/v1beta/webhooks", json={"uri": broken.url}).json()
    try:
        http.post(CREATE, json=body("movingone"))
        gates.open("movingone", 0)
        broken.wait_for("video.generated")  # the first attempt failed
        # The operator fixes the URI: the retry goes to the new one.
        http.request("PATCH", f"/v1beta/{webhook['name']}", json={"uri": receiver.url})
        [moved] = receiver.wait_for("video.generated")
        assert moved.headers["webhook-id"] == broken.received[0].headers["webhook-id"]

        # Disabled, its queued retries stop; nothing more arrives anywhere.
        http.request("PATCH", f"/v1beta/{webhook['name']}", json={"uri": broken.url})
        http.post(CREATE, json=body("movingtwo"))
        gates.open("movingtwo", 0)
        broken.wait_for("video.generated", count=2)
        http.request("PATCH", f"/v1beta/{webhook['name']}", json={"state": "disabled"})
        time.sleep(2)  # four retry periods of the fast schedule
        sent = len(broken.received)
        time.sleep(2)
        assert len(broken.received) == sent
        log = http.get(f"/v1beta/{webhook['name']}/deliveries").json()["deliveries"]
        assert log[0]["state"] == "failed" and log[1]["state"] == "delivered"
    finally:
        broken.close()


def test_deliveries_survive_a_server_restart(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")
    server = LiveServer(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "c.json"),
                        webhook_allowlist="127.0.0.1", webhook_retry_seconds=json.dumps([1.0] * 20),
                        webhook_timeout_seconds=1)  # a claim cut off by the stop lapses within seconds
    receiver = WebhookReceiver()
    port, url = receiver.port, receiver.url
    receiver.close()  # nothing listens: the first attempts fail
    server.start()
    try:
        http = server.client(server.create_key(project="restart"))
        name = http.post(CREATE, json=body("restarted", webhookConfig={"uris": [url]})).json()["name"]
        gates.open("restarted", 0)
        server.wait_done(http, f"/v1beta/{name}")
        op_id = name.rsplit("/", 1)[1]
        deadline = time.monotonic() + 30
        while not http.get(f"/v1beta/operations/{op_id}/webhookDeliveries").json()["deliveries"][0]["attempts"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        server.stop()
        receiver = WebhookReceiver(port=port)
        server.start()
        [delivery] = receiver.wait_for("video.generated")
        assert delivery.payload["data"]["name"] == name
        log = http.get(f"/v1beta/operations/{op_id}/webhookDeliveries").json()["deliveries"][0]
        assert log["state"] == "delivered" and log["attempts"][0]["error"] == "connection refused"
    finally:
        server.stop()
        receiver.close()


def test_webhook_urls_reaching_internal_addresses_are_refused(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data")  # the default: no allowlist
    server.start()
    try:
        http = server.client(server.create_key(project="ssrf"))
        for uri in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/hook", "http://[::1]/",
                    "http://10.0.0.5/hook", "ftp://example.com/hook"):
            refused = http.post("/v1beta/webhooks", json={"uri": uri})
            assert refused.status_code == 400, uri
            assert refused.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "uri"
        assert http.get("/v1beta/webhooks").json()["webhooks"] == []
        refused = http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning",
                            json=body("ssrf", webhookConfig={"uris": ["http://169.254.169.254/"]}))
        assert refused.status_code == 400
        assert refused.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "webhookConfig.uris[0]"
        assert http.get("/v1beta/operations").json().get("operations", []) == []
    finally:
        server.stop()
