"""The upstream engine end to end: a gateway openreel forwarding to a second openreel on loopback,
whose keys are on the free tier (2 requests per minute, 1 at a time), so its 429s really happen.
What is counted comes from the remote's own records: its operations and its engine's calls."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from openreel_gated import REFUSAL, WITHHELD
from tests.gates import MODEL, gated_body
from tests.lossy_front import LossyFront
from tests.oauth_token_server import TokenServer
from tests.s3_server import MotoServer
from tests.support import LiveServer, assert_signed_copy, decode_mp4, media_packets
from tests.upstream import (SHORT_MODEL, Remote, most_at_once, most_in_any_minute, upstream_entry,
                            wait_all_done)


@pytest.fixture(scope="module")
def cloud_storage() -> Iterator[MotoServer]:
    """An S3-protocol server standing in for Cloud Storage: the remote writes a storageUri's gs://
    bucket through its S3 interoperability API, and the engine reads objects back through the XML
    API's GET, which moto's path-style endpoint answers the same way."""
    with MotoServer() as server:
        server.create_bucket("veo-out")
        # Reads carry Google credentials, which moto cannot check: it lets them read this bucket.
        server.client().put_bucket_policy(Bucket="veo-out", Policy=json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::veo-out/*"}]}))
        yield server


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory, cloud_storage: MotoServer) -> Iterator[Remote]:
    server = Remote(tmp_path_factory.mktemp("upstream-remote"))
    server.server.env |= cloud_storage.env() | {"OPENREEL_WRITABLE_BUCKETS": "gs://veo-out",
                                                "OPENREEL_GCS_ENDPOINT_URL": cloud_storage.endpoint_url,
                                                "OPENREEL_S3_ADDRESSING_STYLE": "path"}
    server.start()
    try:
        yield server
    finally:
        server.server.stop()


def _gateway(tmp_path: Path, entries: list[str], **settings: Any) -> tuple[LiveServer, str]:
    catalog = tmp_path / "gateway-catalog.toml"
    catalog.write_text("\n".join(entries))
    gateway = LiveServer(tmp_path / "gateway", catalog_path=catalog, workers=4, **settings)
    return gateway, gateway.create_key(project="gateway", tier="enterprise")


def _deliver_one(remote: Remote, tmp_path: Path, entry: str, tag: str) -> None:
    """Through a gateway serving `entry` (model "veo"), one video that is the remote's, byte for byte."""
    gateway, key = _gateway(tmp_path, [entry])
    gateway.start()
    try:
        with gateway.client(key) as http:
            done = gateway.wait_done(http, f"/v1beta/{_submit(http, 'veo', tag)}", timeout=120)
            assert "response" in done, done
            assert_signed_copy(_video(http, done), remote.made(tag), engine="upstream", model="veo",
                               came_from="gated")
    finally:
        gateway.stop()


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
    # Both remote keys are on the free tier. One entry is told those limits (and goes through
    # Vertex express mode, so that the remote's access log tells its calls apart); the other is
    # not told them, and meets the remote's 429s.
    limited_key, unlimited_key = remote.key("limited"), remote.key("unlimited")
    gateway, key = _gateway(tmp_path, [
        upstream_entry("veo-limited", remote, limited_key, surface="vertex", rpm=2, concurrent=1),
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
                # The remote's MP4, packet for packet: no re-encode on the way, only openreel's
                # content credentials added.
                assert media_packets(stored) == media_packets(remote.made(tag))
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
    # Told the limits, the gateway never sent a create the remote refused; not told them, it did,
    # backed off, and still delivered.
    assert remote.answered(f"/v1/publishers/google/models/{MODEL}:predictLongRunning", 429) == 0
    assert remote.answered(f"/v1beta/models/{MODEL}:predictLongRunning", 429) > 0
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
            phase = _wait_phase(http, name, "at the remote")
            assert phase.startswith("running at the remote: ")  # the remote openreel's own percent
            gateway.stop(kill=True)
            gateway.start()
            remote.gates.open("restart-a", 0)
            done = gateway.wait_done(http, f"/v1beta/{name}", timeout=120)
            assert "response" in done, done
            assert done["metadata"]["attempt"] == 2
            assert_signed_copy(_video(http, done), remote.made("restart-a"), engine="upstream", model="veo",
                               came_from="gated")
    finally:
        gateway.stop()
    assert remote.calls("restart-a") == 1 and len(remote.operations(remote_key)) == 1


def test_remote_jobs_of_operations_ended_while_no_worker_polled_them_are_stopped(remote: Remote,
                                                                                 tmp_path: Path) -> None:
    remote_key = remote.key("left-behind", tier="standard")
    gateway, key = _gateway(tmp_path, [upstream_entry("veo", remote, remote_key)])
    gateway.start()
    try:
        with gateway.client(key) as http:
            names = {tag: _submit(http, "veo", tag) for tag in ("leftcancelled", "leftdeleted")}
            for tag, name in names.items():
                remote.gates.wait_started(tag, 0)
                _wait_phase(http, name, "at the remote")  # the remote job's name is saved
            # The gateway dies; an API-only process takes the caller's cancel and delete: no
            # worker polls the remote jobs to stop them.
            gateway.stop(kill=True)
            gateway.start(workers=0)
            assert http.post(f"/v1beta/{names['leftcancelled']}:cancel").status_code == 200
            assert http.delete(f"/v1beta/{names['leftdeleted']}").status_code == 200
            gateway.stop()
            assert [op.get("done", False) for op in remote.operations(remote_key)] == [False, False]
            gateway.start()  # a process with workers stops them
            deadline = time.monotonic() + 60
            while [op["metadata"]["state"] for op in remote.operations(remote_key)] != ["CANCELLED"]:
                assert time.monotonic() < deadline, remote.operations(remote_key)
                time.sleep(0.2)
    finally:
        gateway.stop()
    # The cancelled one is cancelled at the remote; the deleted one is cancelled and deleted there.
    assert remote.calls("leftcancelled") == 1 and remote.calls("leftdeleted") == 1


def _wait_phase(http: httpx.Client, name: str, part: str) -> str:
    """The operation's progressPhase, once it says `part`."""
    deadline = time.monotonic() + 30
    while part not in (phase := http.get(f"/v1beta/{name}").json()["metadata"].get("progressPhase", "")):
        assert time.monotonic() < deadline, phase
        time.sleep(0.1)
    return phase


def test_a_create_whose_answer_was_lost_is_sent_again_and_the_remote_makes_one_operation(remote: Remote,
                                                                                        tmp_path: Path) -> None:
    remote_key = remote.key("lost-answer", tier="standard")
    remote.gates.open("lostanswer", 0)
    with LossyFront(remote.server.url, drop=1) as front:
        _deliver_one(remote, tmp_path, upstream_entry("veo", remote, remote_key, base_url=front.url), "lostanswer")
    # Sent twice with one Idempotency-Key: the remote answered the second with the first's operation.
    assert front.dropped == 1 and len(front.creates) == 2
    assert len({create["idempotency-key"] for create in front.creates}) == 1
    assert remote.calls("lostanswer") == 1 and len(remote.operations(remote_key)) == 1


def test_remote_failures_and_safety_outcomes_arrive_unchanged(remote: Remote, tmp_path: Path) -> None:
    remote_key = remote.key("outcomes", tier="elevated")
    gateway, key = _gateway(tmp_path, [
        upstream_entry("veo", remote, remote_key),
        upstream_entry("veo-short", remote, remote_key, remote_model=SHORT_MODEL),
        upstream_entry("veo-wrong-key", remote, "not-a-key-of-the-remote"),
        # A remote that sends more than an entry allows is cut off, not let to fill memory or disk.
        upstream_entry("veo-small-videos", remote, remote_key, max_video_bytes=1000),
        upstream_entry("veo-small-answers", remote, remote_key, max_answer_bytes=50)])
    for tag in ("refused", "withheld", "short", "bigvideo", "biganswer"):
        remote.gates.open(tag, 0)
    gateway.start()
    try:
        with gateway.client(key) as http:
            refused = _submit(http, "veo", "refused refuse this")
            withheld = _submit(http, "veo", "withheld withhold one", parameters={
                "durationSeconds": 4, "resolution": "720p", "sampleCount": 2})
            too_long = _submit(http, "veo-short", "short", parameters={"durationSeconds": 8, "resolution": "720p"})
            wrong_key = _submit(http, "veo-wrong-key", "wrongkey")
            big_video = _submit(http, "veo-small-videos", "bigvideo")
            big_answer = _submit(http, "veo-small-answers", "biganswer")
            failed, filtered, refused_here, unauthenticated, video_cut, answer_cut = wait_all_done(
                http, [refused, withheld, too_long, wrong_key, big_video, big_answer], timeout=120, seen=[])
            # Someone cancels the remote job at the remote: the local operation ends the same way.
            cancelled_there = _submit(http, "veo", "cancelledthere")
            remote.gates.wait_started("cancelledthere", 0)
            (running,) = [op for op in remote.operations(remote_key) if not op.get("done")]
            with remote.server.client(remote_key) as direct:
                assert direct.post(f"/v1beta/{running['name']}:cancel").status_code == 200
            ended_there = gateway.wait_done(http, f"/v1beta/{cancelled_there}", timeout=60)
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

    assert ended_there["error"] == {"code": 1, "message": "The operation was cancelled.", "details": []}
    error = unauthenticated["error"]
    assert error["code"] == 16 and '[models."veo-wrong-key"]' in error["message"] and "api_key" in error["message"]
    assert video_cut["error"]["code"] == 13 and "max_video_bytes (1000 bytes)" in video_cut["error"]["message"]
    assert answer_cut["error"]["code"] == 13 and "max_answer_bytes (50 bytes)" in answer_cut["error"]["message"]


def test_vertex_with_a_service_account_token_and_a_cancel_that_reaches_the_remote(remote: Remote,
                                                                                   tmp_path: Path) -> None:
    project = "vertex-proj"
    remote_key = remote.key(project, tier="standard")
    # google-auth treats a token as stale 225 s before it expires: this one is fresh for a second,
    # so the calls made after the first video make it mint another.
    with TokenServer(access_token=remote_key, expires_in=226) as tokens:
        account = tokens.write_service_account(tmp_path / "service-account.json", project)
        gateway, key = _gateway(tmp_path, [
            upstream_entry("veo-vertex", remote, None, surface="vertex", project=project, location="us-central1",
                           credentials_file=str(account)),
            upstream_entry("veo-gemini", remote, remote_key)])
        remote.gates.open("vertexok", 0)
        remote.gates.open("stripped", 0)
        gateway.start()
        try:
            with gateway.client(key) as http:
                finished = _submit(http, "veo-vertex", "vertexok")
                done = gateway.wait_done(http, f"/v1beta/{finished}", timeout=120)
                assert "response" in done, done
                assert_signed_copy(_video(http, done), remote.made("vertexok"), engine="upstream",
                                   model="veo-vertex", came_from="gated")
                minted = len(tokens.minted)
                time.sleep(1.5)  # the token is stale now
                cancelled = _submit(http, "veo-vertex", "vertexcancel")
                deleted = _submit(http, "veo-vertex", "vertexdelete")

                remote.gates.wait_started("vertexcancel", 0)
                assert http.post(f"/v1beta/{cancelled}:cancel").status_code == 200
                assert gateway.wait_done(http, f"/v1beta/{cancelled}", timeout=60)["error"]["code"] == 1
                remote.gates.wait_started("vertexdelete", 0)
                assert http.delete(f"/v1beta/{deleted}").status_code == 200

                # A Vertex caller asking for no sound, served by a remote whose videos always have it:
                # the sound track is dropped, the picture is the remote's own, packet for packet.
                vertex = "/v1/projects/gateway/locations/us-central1/publishers/google/models/veo-gemini"
                created = http.post(f"{vertex}:predictLongRunning", json=gated_body("stripped") | {
                    "parameters": {"durationSeconds": 4, "resolution": "720p", "generateAudio": False}})
                assert created.status_code == 200, created.text
                name = created.json()["name"]
                deadline = time.monotonic() + 120
                while not (polled := http.post(f"{vertex}:fetchPredictOperation", json={"operationName": name})
                           .json()).get("done"):
                    assert time.monotonic() < deadline
                    time.sleep(0.3)
                stripped = base64.b64decode(polled["response"]["videos"][0]["bytesBase64Encoded"])
        finally:
            gateway.stop()
        assert not tokens.refused and minted >= 1 and len(tokens.minted) > minted
        assert {claims["iss"] for claims in tokens.minted} == {f"gateway@{project}.iam.gserviceaccount.com"}

    ops = remote.operations(remote_key)
    # The deleted operation's remote one is deleted too, once cancelled.
    assert remote.calls("vertexdelete") == 1
    assert sorted(op["metadata"]["state"] for op in ops) == ["CANCELLED", "SUCCEEDED", "SUCCEEDED"]
    assert ops[0]["name"].startswith(f"projects/{project}/locations/us-central1/publishers/google/models/")
    assert decode_mp4(stripped).audio_codec is None and decode_mp4(remote.made("stripped")).audio_codec == "aac"
    assert _video_packets(stripped) == _video_packets(remote.made("stripped"))


def _video_packets(mp4: bytes) -> list[bytes]:
    with av.open(io.BytesIO(mp4)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


def test_an_operation_waits_in_the_queue_for_the_remote_then_fails_at_its_deadline(remote: Remote,
                                                                                 tmp_path: Path) -> None:
    remote_key = remote.key("deadline", tier="standard")
    gateway, key = _gateway(tmp_path, [upstream_entry("veo", remote, remote_key, concurrent=1, max_wait_seconds=6)])
    gateway.start(log_level="info")
    try:
        with gateway.client(key) as http:
            holder = _submit(http, "veo", "holder")
            remote.gates.wait_started("holder", 0)  # the one remote slot is taken
            waiter = _submit(http, "veo", "waiter")
            deadline = time.monotonic() + 30
            while not (metadata := http.get(f"/v1beta/{waiter}").json()["metadata"]).get("waitReason"):
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert metadata["state"] == "QUEUED" and metadata["queuePosition"] == 0
            assert "1 concurrent operations" in metadata["waitReason"]
            failed = gateway.wait_done(http, f"/v1beta/{waiter}", timeout=60)
            assert failed["error"]["code"] == 4 and "max_wait_seconds (6 s)" in failed["error"]["message"]
            waited = datetime.fromisoformat(failed["metadata"]["updateTime"].replace("Z", "+00:00")) - \
                datetime.fromisoformat(failed["metadata"]["createTime"].replace("Z", "+00:00"))
            assert waited.total_seconds() >= 6
            remote.gates.open("holder", 0)
            assert "response" in gateway.wait_done(http, f"/v1beta/{holder}", timeout=60)
    finally:
        gateway.stop()
    assert remote.calls("waiter") == 0  # never sent
    # The server's log says so too: at --log-level info, openreel's own INFO lines print.
    assert "deferred for" in gateway.log_path.read_text()


def test_vertex_express_mode_with_videos_the_remote_wrote_to_cloud_storage(remote: Remote, cloud_storage: MotoServer,
                                                                         tmp_path: Path) -> None:
    remote_key = remote.key("express", tier="standard")
    remote.gates.open("express", 0)
    _deliver_one(remote, tmp_path, upstream_entry(
        "veo", remote, remote_key, surface="vertex", storage_uri="gs://veo-out/deliveries/",
        gcs_base_url=cloud_storage.endpoint_url), "express")
    (made,) = remote.operations(remote_key)
    assert made["name"].startswith("publishers/google/models/")  # express mode: no project in the path
    listed = cloud_storage.client().list_objects_v2(Bucket="veo-out", Prefix="deliveries/")["Contents"]
    assert [o["Key"] for o in listed] == [f"deliveries/{made['name'].rsplit('/', 1)[1]}/sample_0.mp4"]
