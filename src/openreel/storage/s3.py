"""S3Storage: blobs as objects in one bucket, under an optional key prefix, of any store that
speaks the S3 API: AWS S3, Cloudflare R2, MinIO, and GCS through its S3 interoperability.

Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles,
instance roles); nothing here reads or prints them. Every boto3 or botocore error other than
"no such object" becomes StorageUnavailable, so the API answers 503 with RetryInfo, never 500."""

from __future__ import annotations

import copy
import errno
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import boto3  # type: ignore[import-untyped]
import botocore.loaders  # type: ignore[import-untyped]
import botocore.session  # type: ignore[import-untyped]
from boto3.exceptions import Boto3Error  # type: ignore[import-untyped]
from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from openreel.storage.base import Readable, Storage, check_key, check_prefix, unavailable_because

PROBE_PREFIX = ".openreel-probe/"
_NOT_FOUND = frozenset({"NoSuchKey", "NotFound", "404"})  # HEAD answers carry no error code: "404"
_PART_BYTES = 8 * 1024 * 1024
# Above one part, upload_file sends parts read from the file as they go, so memory stays near
# max_concurrency parts however large the video.
_TRANSFER = TransferConfig(multipart_threshold=_PART_BYTES, multipart_chunksize=_PART_BYTES, max_concurrency=4)
# botocore >= 1.36 adds CRC checksums to every upload by default, which GCS's interoperability
# API and several S3-compatible stores reject; send them only where S3 requires them.
_CHECKSUMS = {option: "when_required" for option in ("request_checksum_calculation", "response_checksum_validation")
              if option in Config.OPTION_DEFAULTS}
# Loading S3's service model is most of what a new client costs; one loader caches it for all.
_MODELS = botocore.loaders.create_loader()


@dataclass(frozen=True)
class S3Options:
    """How to reach the S3 API. endpoint_url None: AWS itself; region None: boto3's own lookup
    (AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config)."""

    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: Literal["auto", "path", "virtual"] = "auto"

    def client(self, probe: bool = False) -> Any:
        """A new boto3 S3 client (thread-safe once made, and costly to make: share it). A probe
        client (readiness) answers within seconds when the store hangs: no retries, short waits."""
        timeouts = ({"connect_timeout": 2, "read_timeout": 3, "retries": {"mode": "standard", "max_attempts": 1}}
                    if probe else
                    {"connect_timeout": 5, "read_timeout": 20, "retries": {"mode": "standard", "max_attempts": 2}})
        config = Config(s3={"addressing_style": self.addressing_style}, signature_version="s3v4", **timeouts,
                        **_CHECKSUMS)
        # A session of its own: a boto3 session must not be shared between threads.
        session = botocore.session.get_session()
        session.register_component("data_loader", _MODELS)
        return boto3.session.Session(botocore_session=session).client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)


def attachment(filename: str) -> str:
    """A Content-Disposition value that downloads as filename, quoted safely (RFC 6266)."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message') or 'no message'}"
    return str(exc)


@contextmanager
def _mapped(where: str, key: str) -> Iterator[None]:
    """Raise boto3's errors as the Storage interface's: FileNotFoundError or StorageUnavailable."""
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
            raise FileNotFoundError(errno.ENOENT, "no such blob", key) from exc
        raise unavailable_because(f"{where}: {_reason(exc)}") from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise unavailable_because(f"{where}: {_reason(exc)}") from exc


class _Body:
    """A get_object body as a Readable; a failure mid-stream is StorageUnavailable too."""

    def __init__(self, body: Any, where: str, key: str) -> None:
        self._body, self._where, self._key = body, where, key

    def read(self, size: int = -1, /) -> bytes:
        with _mapped(self._where, self._key):
            return bytes(self._body.read(None if size < 0 else size))

    def close(self) -> None:
        self._body.close()


class S3Storage(Storage):
    def __init__(self, bucket: str, prefix: str = "", options: S3Options | None = None) -> None:
        self.bucket = bucket
        self.options = options or S3Options()
        self._set_prefix(prefix)
        self._s3 = self.options.client()
        self._probe: Any = None  # made on first readiness check
        # Names the bucket and endpoint in every error; never a credential.
        self._where = f"S3 bucket {bucket!r} at {self.options.endpoint_url or 'AWS S3'}"

    def _set_prefix(self, prefix: str) -> None:
        self.prefix = check_key(prefix) if prefix else ""
        self._key_prefix = f"{prefix}/" if prefix else ""

    def under(self, prefix: str) -> S3Storage:
        """The same bucket under a deeper key prefix, sharing this one's client."""
        child = copy.copy(self)
        child._set_prefix("/".join(part for part in (self.prefix, prefix.strip("/")) if part))
        return child

    def _name(self, key: str) -> str:
        return self._key_prefix + check_key(key)

    def put_file(self, key: str, source: Path, content_type: str) -> int:
        name, size = self._name(key), source.stat().st_size
        with _mapped(self._where, key):
            self._s3.upload_file(str(source), self.bucket, name, ExtraArgs={"ContentType": content_type},
                                 Config=_TRANSFER)
        return size

    def put_bytes(self, key: str, data: bytes, content_type: str) -> int:
        name = self._name(key)
        with _mapped(self._where, key):
            self._s3.put_object(Bucket=self.bucket, Key=name, Body=data, ContentType=content_type)
        return len(data)

    def read_bytes(self, key: str) -> bytes:
        with closing(self.open_read(key)) as body:
            return body.read()

    def open_read(self, key: str) -> Readable:
        name = self._name(key)
        with _mapped(self._where, key):
            return _Body(self._s3.get_object(Bucket=self.bucket, Key=name)["Body"], self._where, key)

    def size(self, key: str) -> int:
        # A HEAD answer has no body to tell a missing bucket from a missing object: both read as
        # FileNotFoundError here (check_writable tells them apart).
        name = self._name(key)
        with _mapped(self._where, key):
            return int(self._s3.head_object(Bucket=self.bucket, Key=name)["ContentLength"])

    def local_path(self, key: str) -> Path | None:
        check_key(key)
        return None

    def presigned_url(self, key: str, expires_seconds: int, filename: str) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._name(key), "ResponseContentDisposition": attachment(filename)}
        with _mapped(self._where, key):
            return str(self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds))

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._name(key)}"

    def delete(self, key: str) -> None:
        name = self._name(key)
        with _mapped(self._where, key):
            self._s3.delete_object(Bucket=self.bucket, Key=name)

    def list_keys(self, prefix: str) -> Iterator[str]:
        return self._list(check_prefix(prefix))

    def _list(self, prefix: str) -> Iterator[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key_prefix + prefix)
        with _mapped(self._where, prefix):
            for page in pages:
                for item in page.get("Contents", []):
                    yield str(item["Key"]).removeprefix(self._key_prefix)

    def check_free_space(self, min_free_bytes: int) -> None:
        """Object stores do not fill up: nothing to check."""

    def check_writable(self) -> None:
        if self._probe is None:
            self._probe = self.options.client(probe=True)
        name = self._name(f"{PROBE_PREFIX}{uuid.uuid4().hex}")
        with _mapped(self._where, name):
            self._probe.put_object(Bucket=self.bucket, Key=name, Body=b"openreel", ContentType="text/plain")
            self._probe.delete_object(Bucket=self.bucket, Key=name)
