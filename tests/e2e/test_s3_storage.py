"""openreel on S3-compatible storage (moto's standalone server, a real S3 API over HTTP): videos,
thumbnails and inputs live in the bucket, downloads stream or redirect to presigned URLs that
expire, Vertex storageUri writes real objects where it says (gs:// through an S3-interop
endpoint, s3:// directly) or is refused, and webhook payloads carry presigned URLs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gates import MODEL, Gates
from tests.images import inline_image
from tests.s3_server import MotoServer
from tests.s3rver_server import S3rverServer, s3rver_available
from tests.support import LiveServer, decode_mp4, require_or_skip
from tests.webhook_receiver import WebhookReceiver

BUCKET = "openreel-videos"
GEMINI_CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"
VERTEX_MODEL = f"/v1/projects/s3proj/locations/us-central1/publishers/google/models/{MODEL}"


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoServer]:
    with MotoServer() as server:
        for bucket in (BUCKET, "veo-out", "team-out", "not-listed"):
            server.create_bucket(bucket)
        yield server


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, s3: MotoServer, gates: Gates) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("s3server")
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"),
                        storage_url=f"s3://{BUCKET}/prod", writable_buckets="gs://veo-out,s3://team-out",
                        gcs_endpoint_url=s3.endpoint_url, webhook_allowlist="127.0.0.1")
    server.env |= s3.env()
    server.start()
    yield server
    server.stop()


def body(tag: str, **parameters: Any) -> dict[str, Any]:
    return {"instances": [{"prompt": f"{tag} flat test frames"}],
            "parameters": {"durationSeconds": 4, "resolution": "720p", **parameters}}


def objects(s3: MotoServer, bucket: str, prefix: str = "") -> list[str]:
    listed = s3.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def read_object(s3: MotoServer, bucket: str, key: str) -> bytes:
    data: bytes = s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def generate(live: LiveServer, gates: Gates, http: httpx.Client, tag: str, path: str = GEMINI_CREATE,
             poll: str = "/v1beta/{name}", **request: Any) -> dict[str, Any]:
    created = http.post(path, json=body(tag, **request.pop("parameters", {})) | request)
    assert created.status_code == 200, created.text
    gates.open(tag, 0)
    return live.wait_done(http, poll.format(name=created.json()["name"]))


def test_videos_thumbnails_and_inputs_live_in_the_bucket(live: LiveServer, s3: MotoServer, gates: Gates) -> None:
    http = live.client(live.create_key(project="s3proj"))
    done = generate(live, gates, http, "inbucket", instances=[{"prompt": "inbucket flat test frames",
                                                              "image": inline_image()}])
    op_id = done["name"].rsplit("/", 1)[1]
    stored = objects(s3, BUCKET, "prod/")
    assert f"prod/videos/{op_id}/attempt-1/sample_0.mp4" in stored
    assert f"prod/videos/{op_id}/attempt-1/sample_0.jpg" in stored
    assert any(key.startswith(f"prod/inputs/{op_id}/") for key in stored)
    assert not (live.data_dir / "videos").exists() or not any((live.data_dir / "videos").rglob("*.mp4"))

    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    download = http.get(uri)  # streamed from the bucket through openreel
    assert download.status_code == 200 and download.headers["content-type"] == "video/mp4"
    assert int(download.headers["content-length"]) == len(download.content)
    assert decode_mp4(download.content).frame_count == 96
    thumbnail = http.get(uri.replace(":download?alt=media", ":thumbnail"))
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"


def test_redirect_mode_hands_out_presigned_urls_that_expire(tmp_path: Path, gates: Gates) -> None:
    # On s3rver, which (unlike moto) refuses a presigned URL past its X-Amz-Expires, as AWS does.
    if not s3rver_available():
        require_or_skip("s3rver is not installed (npm ci --prefix tests/js)")
    with S3rverServer("redirect-videos") as s3:
        server = LiveServer(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "catalog.json"),
                            storage_url="s3://redirect-videos/prod", download_mode="redirect", presigned_url_seconds=2)
        server.env |= s3.env()
        server.start()
        try:
            http = server.client(server.create_key(project="s3proj"))
            done = generate(server, gates, http, "redirected")
            uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
            answer = http.get(uri)
            assert answer.status_code == 302 and answer.headers["cache-control"] == "no-store"
            presigned = answer.headers["location"]
            assert presigned.startswith(s3.endpoint_url) and "X-Amz-Signature=" in presigned
            fetched = httpx.get(presigned)  # no API key: the signature is the permission
            assert fetched.status_code == 200 and decode_mp4(fetched.content).frame_count == 96
            time.sleep(3.5)
            expired = httpx.get(presigned)
            assert expired.status_code == 403 and b"Request has expired" in expired.content
            refreshed = http.get(uri, follow_redirects=True)  # each download signs afresh
            assert refreshed.status_code == 200 and decode_mp4(refreshed.content).frame_count == 96
        finally:
            server.stop()


@pytest.mark.parametrize(("storage_uri", "bucket", "prefix"), [("gs://veo-out/runs/", "veo-out", "runs/"),
                                                               ("s3://team-out", "team-out", "")])
def test_vertex_storage_uri_writes_real_objects(live: LiveServer, s3: MotoServer, gates: Gates,
                                                storage_uri: str, bucket: str, prefix: str) -> None:
    http = live.client(live.create_key(project="s3proj"))
    tag = f"gcs{bucket.replace('-', '')}"
    created = http.post(f"{VERTEX_MODEL}:predictLongRunning", json=body(tag, storageUri=storage_uri))
    assert created.status_code == 200, created.text
    name = created.json()["name"]
    gates.open(tag, 0)
    deadline = time.monotonic() + 120
    while not (done := http.post(f"{VERTEX_MODEL}:fetchPredictOperation", json={"operationName": name}).json()
               ).get("done"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    [video] = done["response"]["videos"]
    op_uuid = name.rsplit("/", 1)[1]
    scheme = storage_uri.split("://")[0]
    assert video == {"gcsUri": f"{scheme}://{bucket}/{prefix}{op_uuid}/sample_0.mp4", "mimeType": "video/mp4"}
    assert decode_mp4(read_object(s3, bucket, f"{prefix}{op_uuid}/sample_0.mp4")).frame_count == 96
    [kept] = done["metadata"]["videoFiles"]  # openreel's own copy, downloadable by file id
    assert decode_mp4(http.get(f"/v1beta/{kept}:download", params={"alt": "media"}).content).frame_count == 96


def test_a_storage_uri_openreel_may_not_write_is_a_400_and_stores_nothing(live: LiveServer, s3: MotoServer) -> None:
    http = live.client(live.create_key(project="s3proj"))
    before = objects(s3, BUCKET)
    for storage_uri in ("gs://not-listed/out/", "s3://not-listed"):
        refused = http.post(f"{VERTEX_MODEL}:predictLongRunning",
                            json={"instances": [{"prompt": "x", "image": inline_image()}],
                                  "parameters": {"storageUri": storage_uri}})
        assert refused.status_code == 400
        violation = refused.json()["error"]["details"][0]["fieldViolations"][0]
        assert violation["field"] == "parameters.storageUri" and "not-listed" in violation["description"]
    assert objects(s3, BUCKET) == before and objects(s3, "not-listed") == []


def test_webhook_payloads_carry_presigned_urls(live: LiveServer, s3: MotoServer, gates: Gates) -> None:
    receiver = WebhookReceiver()
    try:
        http = live.client(live.create_key(project="s3hooks"))
        generate(live, gates, http, "presignedhook", webhookConfig={"uris": [receiver.url]})
        [delivery] = receiver.wait_for("video.generated")
        [video] = delivery.payload["data"]["videos"]
        assert video["uri"].startswith(s3.endpoint_url)
        fetched = httpx.get(video["uri"])  # the receiver needs no openreel key
        assert fetched.status_code == 200 and decode_mp4(fetched.content).frame_count == 96
        assert json.dumps(delivery.payload).count("testing-secret-key") == 0
    finally:
        receiver.close()
