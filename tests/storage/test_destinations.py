"""Destinations: a Vertex storageUri resolves to a bucket openreel may write, through the S3 API
of that bucket's store, and names the written objects in the caller's own scheme."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openreel.settings import Settings
from openreel.storage.destinations import Destinations
from openreel.storage.s3 import S3Storage
from tests.s3_server import MotoServer
from tests.support import free_port


def settings(s3: MotoServer, **fields: Any) -> Settings:
    return Settings(**{"s3_endpoint_url": s3.endpoint_url, "s3_addressing_style": "path", **fields})


def test_own_storage_bucket_is_writable_only_when_listed_and_never_under_openreels_prefix(
        s3: MotoServer, bucket: str) -> None:
    unlisted = Destinations(settings(s3, storage_url=f"s3://{bucket}/openreel"))
    with pytest.raises(ValueError, match="writable buckets are none"):
        unlisted.resolve(f"s3://{bucket}/deliveries/run-1/")
    listed = Destinations(settings(s3, storage_url=f"s3://{bucket}/openreel", writable_buckets=f"s3://{bucket}"))
    destination = listed.resolve(f"s3://{bucket}/deliveries/run-1/")
    destination.storage.put_bytes("op/sample_0.mp4", b"mp4", "video/mp4")
    assert s3.client().get_object(Bucket=bucket, Key="deliveries/run-1/op/sample_0.mp4")["Body"].read() == b"mp4"
    assert destination.object_uri("op/sample_0.mp4") == f"s3://{bucket}/deliveries/run-1/op/sample_0.mp4"
    # Other operations' videos and inputs live under openreel/: no storageUri reaches them.
    for reaching in (f"s3://{bucket}", f"s3://{bucket}/openreel", f"s3://{bucket}/openreel/videos/x/"):
        with pytest.raises(ValueError, match="overlaps where openreel keeps its own files"):
            listed.resolve(reaching)
    assert listed.resolve(f"s3://{bucket}/openreel-exports/").object_uri("a.mp4").endswith("openreel-exports/a.mp4")


def test_listed_gs_bucket_is_written_through_the_gcs_endpoint(s3: MotoServer, tmp_path: Path) -> None:
    s3.create_bucket("veo-out")
    closed = f"http://127.0.0.1:{free_port()}"  # the S3 endpoint must not be the one used
    destinations = Destinations(settings(s3, s3_endpoint_url=closed, gcs_endpoint_url=s3.endpoint_url,
                                         writable_buckets="s3://team-videos, gs://veo-out"))
    destination = destinations.resolve("gs://veo-out/runs/abc/")
    video = tmp_path / "0.mp4"
    video.write_bytes(b"mp4 bytes")
    destination.storage.put_file("sample_0.mp4", video, "video/mp4")
    assert s3.client().get_object(Bucket="veo-out", Key="runs/abc/sample_0.mp4")["Body"].read() == b"mp4 bytes"
    assert destination.object_uri("sample_0.mp4") == "gs://veo-out/runs/abc/sample_0.mp4"


def test_storage_uri_without_a_path_writes_at_the_bucket_root(s3: MotoServer) -> None:
    s3.create_bucket("team-videos")
    destination = Destinations(settings(s3, writable_buckets="s3://team-videos")).resolve("s3://team-videos")
    destination.storage.put_bytes("op/sample_0.mp4", b"mp4", "video/mp4")
    assert s3.client().head_object(Bucket="team-videos", Key="op/sample_0.mp4")["ContentLength"] == 3
    assert destination.object_uri("op/sample_0.mp4") == "s3://team-videos/op/sample_0.mp4"


def test_one_client_per_bucket_whatever_the_path(s3: MotoServer) -> None:
    destinations = Destinations(settings(s3, writable_buckets="gs://veo-out"))
    first, second = destinations.resolve("gs://veo-out/a/"), destinations.resolve("gs://veo-out/b/")
    assert isinstance(first.storage, S3Storage) and isinstance(second.storage, S3Storage)
    assert first.storage._s3 is second.storage._s3
    assert first.object_uri("x.mp4") == "gs://veo-out/a/x.mp4"
    assert second.object_uri("x.mp4") == "gs://veo-out/b/x.mp4"


def test_unlisted_bucket_is_refused_naming_the_writable_ones(s3: MotoServer) -> None:
    destinations = Destinations(settings(s3, storage_url="s3://own-videos", writable_buckets="gs://veo-out"))
    with pytest.raises(ValueError) as raised:
        destinations.resolve("gs://someone-elses/out/")
    message = str(raised.value)
    assert "gs://someone-elses" in message
    assert "gs://veo-out" in message and "s3://own-videos" not in message  # not listed: not writable
    assert "OPENREEL_WRITABLE_BUCKETS" in message


def test_the_scheme_is_part_of_what_is_allowed(s3: MotoServer) -> None:
    destinations = Destinations(settings(s3, writable_buckets="gs://veo-out"))
    with pytest.raises(ValueError, match="may not write to s3://veo-out"):
        destinations.resolve("s3://veo-out/runs/")


def test_with_no_writable_buckets_every_storage_uri_is_refused(tmp_path: Path) -> None:
    destinations = Destinations(Settings(data_dir=tmp_path, storage_url="", writable_buckets=""))
    with pytest.raises(ValueError, match="writable buckets are none"):
        destinations.resolve("gs://veo-out/runs/")


@pytest.mark.parametrize("uri", ["veo-out/runs/", "https://storage.googleapis.com/veo-out/runs/", "gs://",
                                 "gs:/veo-out/runs", "gs://Veo Out/runs", "gs://veo-out/runs/../x", ""])
def test_malformed_storage_uris_are_refused_saying_what_is_expected(s3: MotoServer, uri: str) -> None:
    destinations = Destinations(settings(s3, writable_buckets="gs://veo-out"))
    with pytest.raises(ValueError, match=r"bucket URI: expected s3://bucket/prefix or gs://bucket/prefix"
                                         r"|does not name a valid bucket|unusable path"):
        destinations.resolve(uri)


def test_a_writable_buckets_entry_with_a_path_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="list whole buckets"):
        Destinations(Settings(writable_buckets="gs://veo-out/runs"))
