"""What only S3Storage does: presigned URLs, multipart uploads that stream, key prefixes in the
bucket, and failures answered as StorageUnavailable (503), against moto over HTTP (and s3rver,
which unlike moto enforces presigned URLs' expiry)."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from openreel.storage.base import StorageUnavailable
from openreel.storage.s3 import S3Options, S3Storage, attachment
from tests.s3_server import REGION, SECRET_ACCESS_KEY, MotoServer
from tests.s3rver_server import S3rverServer, s3rver_available
from tests.storage.conftest import PREFIX, use_credentials
from tests.support import free_port, require_or_skip


def storage(s3: MotoServer, bucket: str, prefix: str = "") -> S3Storage:
    return S3Storage(bucket, prefix, S3Options(s3.endpoint_url, REGION, "path"))


def test_objects_live_under_the_key_prefix_with_their_content_type(s3: MotoServer, bucket: str,
                                                                    tmp_path: Path) -> None:
    video = tmp_path / "0.mp4"
    video.write_bytes(b"mp4 bytes")
    store = storage(s3, bucket, PREFIX)
    store.put_file("videos/op/0.mp4", video, "video/mp4")
    store.put_bytes("thumbs/op/0.jpg", b"jpeg", "image/jpeg")

    raw = s3.client()
    assert sorted(o["Key"] for o in raw.list_objects_v2(Bucket=bucket)["Contents"]) == [
        f"{PREFIX}/thumbs/op/0.jpg", f"{PREFIX}/videos/op/0.mp4"]
    assert raw.head_object(Bucket=bucket, Key=f"{PREFIX}/videos/op/0.mp4")["ContentType"] == "video/mp4"
    assert raw.head_object(Bucket=bucket, Key=f"{PREFIX}/thumbs/op/0.jpg")["ContentType"] == "image/jpeg"
    assert store.uri("videos/op/0.mp4") == f"s3://{bucket}/{PREFIX}/videos/op/0.mp4"
    assert store.local_path("videos/op/0.mp4") is None


def test_objects_outside_the_prefix_are_not_listed(s3: MotoServer, bucket: str) -> None:
    s3.client().put_object(Bucket=bucket, Key="someone-else/videos/x.mp4", Body=b"x")
    store = storage(s3, bucket, PREFIX)
    store.put_bytes("videos/op/0.mp4", b"x", "video/mp4")
    assert list(store.list_keys("")) == ["videos/op/0.mp4"]


def test_presigned_url_downloads_the_blob_as_the_filename(s3: MotoServer, bucket: str) -> None:
    store = storage(s3, bucket, PREFIX)
    store.put_bytes("videos/op/0.mp4", b"mp4 bytes", "video/mp4")
    url = store.presigned_url("videos/op/0.mp4", 60, "abc123.mp4")
    assert url is not None
    answer = httpx.get(url)  # no credentials: the URL alone grants access
    assert answer.status_code == 200
    assert answer.content == b"mp4 bytes"
    assert answer.headers["content-disposition"] == 'attachment; filename="abc123.mp4"'
    assert SECRET_ACCESS_KEY not in url


def test_presigned_url_is_signed_for_the_seconds_asked(s3: MotoServer, bucket: str) -> None:
    store = storage(s3, bucket)
    store.put_bytes("videos/op/0.mp4", b"x", "video/mp4")
    query = parse_qs(urlsplit(store.presigned_url("videos/op/0.mp4", 900, "v.mp4") or "").query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["900"]


def test_presigned_url_answers_403_once_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    # On s3rver, which (unlike moto) refuses a presigned URL past its X-Amz-Expires, as AWS does.
    if not s3rver_available():
        require_or_skip("s3rver is not installed (npm ci --prefix tests/js)")
    with S3rverServer("expiring") as s3rver:
        use_credentials(monkeypatch, s3rver.env())
        store = S3Storage("expiring", "", S3Options(s3rver.endpoint_url, REGION, "path"))
        store.put_bytes("videos/op/0.mp4", b"mp4", "video/mp4")
        # X-Amz-Date counts whole seconds: 2 s leaves at least 1 s for the first fetch.
        url = store.presigned_url("videos/op/0.mp4", 2, "v.mp4")
        assert url is not None
        assert httpx.get(url).status_code == 200
        time.sleep(3.1)
        expired = httpx.get(url)
        assert expired.status_code == 403, expired.text


def test_attachment_quotes_awkward_filenames() -> None:
    assert attachment('a"b.mp4') == "attachment; filename=\"a_b.mp4\"; filename*=UTF-8''a%22b.mp4"
    assert attachment("café.mp4") == "attachment; filename=\"caf_.mp4\"; filename*=UTF-8''caf%C3%A9.mp4"


def test_large_put_file_goes_up_in_parts_without_holding_the_file_in_memory(s3: MotoServer, bucket: str,
                                                                           tmp_path: Path) -> None:
    size = 30 * 1024 * 1024
    video = tmp_path / "big.mp4"
    with video.open("wb") as out:
        for _ in range(size // 2**20):
            out.write(os.urandom(2**20))
    store = storage(s3, bucket)

    tracemalloc.start()
    try:
        assert store.put_file("videos/op/0.mp4", video, "video/mp4") == size
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < size // 3, f"peak {peak / 2**20:.1f} MiB while uploading a {size / 2**20:.0f} MiB file"
    etag = s3.client().head_object(Bucket=bucket, Key="videos/op/0.mp4")["ETag"]
    assert etag.strip('"').endswith("-4")  # a multipart object of 4 parts (8 MiB each)
    assert store.size("videos/op/0.mp4") == size
    with video.open("rb") as original:
        for chunk in store.iter_chunks("videos/op/0.mp4"):
            assert chunk == original.read(len(chunk))


def assert_unavailable_names_bucket_not_secret(error: StorageUnavailable, bucket: str, endpoint: str) -> None:
    assert error.http_code == 503
    assert error.details[0]["@type"].endswith("RetryInfo")
    assert bucket in error.message and endpoint in error.message
    assert SECRET_ACCESS_KEY not in error.message
    assert SECRET_ACCESS_KEY not in str(error.__cause__)


def test_unreachable_endpoint_is_unavailable(s3: MotoServer, tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    store = S3Storage("videos", "", S3Options(endpoint, REGION, "path"))
    with pytest.raises(StorageUnavailable) as raised:
        store.check_writable()
    assert_unavailable_names_bucket_not_secret(raised.value, "videos", endpoint)
    with pytest.raises(StorageUnavailable):
        store.read_bytes("videos/op/0.mp4")
    with pytest.raises(StorageUnavailable):
        list(store.list_keys("videos/"))
    video = tmp_path / "0.mp4"
    video.write_bytes(b"x")
    with pytest.raises(StorageUnavailable):
        store.put_file("videos/op/0.mp4", video, "video/mp4")


def test_missing_bucket_is_unavailable_not_missing_blob(s3: MotoServer) -> None:
    store = storage(s3, "no-such-bucket-here")
    with pytest.raises(StorageUnavailable) as raised:
        store.check_writable()
    assert_unavailable_names_bucket_not_secret(raised.value, "no-such-bucket-here", s3.endpoint_url)
    assert "NoSuchBucket" in raised.value.message
    with pytest.raises(StorageUnavailable):
        store.read_bytes("videos/op/0.mp4")
    with pytest.raises(StorageUnavailable):
        store.has_keys("videos/")


def test_denied_writes_are_unavailable(s3: MotoServer, bucket: str) -> None:
    s3.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    with pytest.raises(StorageUnavailable) as raised:
        storage(s3, bucket).check_writable()
    assert_unavailable_names_bucket_not_secret(raised.value, bucket, s3.endpoint_url)
