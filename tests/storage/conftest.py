"""Storage backends under test: a local folder, and S3Storage against moto's real S3 API over
HTTP (one server for the session; each test gets a bucket of its own)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from openreel.storage.base import Storage
from openreel.storage.local import LocalStorage
from tests.s3_server import REGION, MotoServer
from tests.support import import_or_require

PREFIX = "team/openreel"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    import_or_require("moto.server", "moto[server] is not installed (pip install -e '.[test]')")
    with MotoServer() as server:
        yield server


def use_credentials(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Let boto3 in this process find a test server's credentials (the AWS_ entries of its
    env()), and nothing from the developer's own AWS setup."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    for name, value in env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)


@pytest.fixture
def s3(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """The moto server, with boto3 in this process using its test credentials."""
    use_credentials(monkeypatch, moto_server.env())
    return moto_server


@pytest.fixture
def bucket(s3: MotoServer) -> str:
    return s3.create_bucket(f"test-{uuid.uuid4().hex[:12]}")


def s3_storage(s3: MotoServer, bucket: str, prefix: str = "") -> Storage:
    from openreel.storage.s3 import S3Options, S3Storage
    return S3Storage(bucket, prefix, S3Options(s3.endpoint_url, REGION, "path"))


@pytest.fixture(params=["local", "s3", "s3-prefixed"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn; the contract suite runs against all of them."""
    if request.param == "local":
        return LocalStorage(tmp_path / "blobs")
    s3_server: MotoServer = request.getfixturevalue("s3")
    prefix = PREFIX if request.param == "s3-prefixed" else ""
    return s3_storage(s3_server, request.getfixturevalue("bucket"), prefix)
