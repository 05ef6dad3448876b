"""storage_from_settings picks the backend by URL, and refuses any other URL saying what works."""

from __future__ import annotations

from pathlib import Path

import pytest

from openreel.settings import Settings
from openreel.storage.factory import BucketUri, storage_from_settings
from openreel.storage.local import LocalStorage
from tests.s3_server import MotoServer


def test_default_is_local_storage_inside_data_dir(tmp_path: Path) -> None:
    store = storage_from_settings(Settings(data_dir=tmp_path, storage_url=""))
    assert isinstance(store, LocalStorage)
    assert store.root == (tmp_path / "videos").resolve()


def test_file_url_is_local_storage_at_that_path(tmp_path: Path) -> None:
    store = storage_from_settings(Settings(storage_url=f"file://{tmp_path}/blobs"))
    assert isinstance(store, LocalStorage)
    assert store.root == tmp_path / "blobs"


@pytest.mark.parametrize(("url", "prefix"), [("s3://videos-bucket", ""), ("s3://videos-bucket/", ""),
                                             ("s3://videos-bucket/team/openreel/", "team/openreel")])
def test_s3_url_is_s3_storage_with_settings_options(url: str, prefix: str) -> None:
    from openreel.storage.s3 import S3Options, S3Storage
    store = storage_from_settings(Settings(storage_url=url, s3_endpoint_url="http://minio:9000", s3_region="auto",
                                           s3_addressing_style="path"))
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == ("videos-bucket", prefix)
    assert store.options == S3Options("http://minio:9000", "auto", "path")


def test_empty_s3_settings_mean_boto3_defaults() -> None:
    from openreel.storage.s3 import S3Options, S3Storage
    store = storage_from_settings(Settings(storage_url="s3://videos-bucket", s3_endpoint_url="", s3_region=""))
    assert isinstance(store, S3Storage)
    assert store.options == S3Options(None, None, "auto")


def test_s3_storage_from_settings_works_against_the_server(s3: MotoServer, bucket: str) -> None:
    store = storage_from_settings(Settings(storage_url=f"s3://{bucket}/openreel", s3_endpoint_url=s3.endpoint_url,
                                           s3_addressing_style="path"))
    store.check_writable()
    store.put_bytes("videos/op/0.mp4", b"mp4", "video/mp4")
    assert s3.client().get_object(Bucket=bucket, Key="openreel/videos/op/0.mp4")["Body"].read() == b"mp4"


@pytest.mark.parametrize("url", ["gs://videos-bucket", "http://minio:9000/videos", "videos-bucket", "memory://"])
def test_other_urls_are_refused_naming_the_accepted_forms(url: str) -> None:
    with pytest.raises(ValueError, match=r"file:///path or s3://bucket"):
        storage_from_settings(Settings(storage_url=url))


@pytest.mark.parametrize("url", ["s3://Videos", "s3://ab", "s3://under_score", "s3://" + "a" * 64, "s3://-videos",
                                 "s3://videos..bucket", "s3://user:pass@videos", "s3://videos:9000", "s3://"])
def test_invalid_bucket_names_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="does not name a valid bucket"):
        storage_from_settings(Settings(storage_url=url))


@pytest.mark.parametrize("url", ["s3://videos/a b", "s3://videos/../x", "s3://videos/a?x=1", "s3://videos/a#b",
                                 "s3://videos/a//b"])
def test_unusable_prefixes_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unusable path"):
        storage_from_settings(Settings(storage_url=url))


def test_bucket_uri_parses_scheme_bucket_and_prefix() -> None:
    assert BucketUri.parse("gs://veo_out.example/runs/abc/") == BucketUri("gs", "veo_out.example", "runs/abc")
    assert str(BucketUri("gs", "veo-out", "runs/abc")) == "gs://veo-out/runs/abc"
    assert str(BucketUri("s3", "veo-out", "")) == "s3://veo-out"
