"""Destinations: where a Vertex request's storageUri delivers its videos. Google writes them to
gs://bucket/prefix/; openreel writes them, through each store's S3 API, to the buckets an
operator listed in writable_buckets. The storage_url's own bucket is writable only when listed,
and then never under openreel's own prefix."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openreel.settings import Settings
from openreel.storage.base import Storage, check_key
from openreel.storage.factory import BucketUri, s3_options

if TYPE_CHECKING:
    from openreel.storage.s3 import S3Storage

GCS_S3_ENDPOINT = "https://storage.googleapis.com"


@dataclass(frozen=True)
class Destination:
    storage: Storage  # keys are relative to the storageUri's path
    base_uri: str  # the storageUri without its trailing slash, e.g. gs://veo-out/runs/abc

    def object_uri(self, key: str) -> str:
        """The blob at key as the caller names it, in the storageUri's own scheme."""
        return f"{self.base_uri}/{check_key(key)}"


class Destinations:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        allowed = [_listed_bucket(entry.strip()) for entry in settings.writable_buckets.split(",") if entry.strip()]
        self.allowed = frozenset(allowed)
        # openreel's own prefix (when its storage is a bucket that is also listed) stays its own:
        # a caller's storageUri may not write over other operations' videos and inputs.
        own = settings.resolved_storage_url
        self._own = BucketUri.parse(own, ("s3",)) if own.startswith("s3://") else None
        # One client per bucket, made on first use: clients are costly to make and thread-safe.
        self._buckets: dict[BucketUri, S3Storage] = {}
        self._lock = threading.Lock()

    def resolve(self, storage_uri: str) -> Destination:
        """The destination storage_uri names; raises ValueError, with a reason a caller can act
        on, when it is not a bucket URI or names a bucket openreel may not write."""
        target = BucketUri.parse(storage_uri)
        bucket = _bucket_only(target)
        if bucket not in self.allowed:
            writable = ", ".join(sorted(str(b) for b in self.allowed)) or "none"
            raise ValueError(f"openreel may not write to {bucket}: the writable buckets are {writable} "
                             "(the server's OPENREEL_WRITABLE_BUCKETS setting adds more)")
        own = self._own
        if own is not None and bucket == _bucket_only(own) and _overlaps(target.prefix, own.prefix):
            raise ValueError(f"{storage_uri} overlaps where openreel keeps its own files "
                             f"({own}): name another prefix of that bucket")
        return Destination(self._storage(bucket).under(target.prefix), str(target))

    def _storage(self, bucket: BucketUri) -> S3Storage:
        from openreel.storage.s3 import S3Storage  # boto3 loads only once a storageUri is used

        with self._lock:
            if bucket not in self._buckets:
                endpoint = ((self._settings.gcs_endpoint_url or GCS_S3_ENDPOINT) if bucket.scheme == "gs"
                            else self._settings.s3_endpoint_url)
                self._buckets[bucket] = S3Storage(bucket.bucket, "", s3_options(self._settings, endpoint))
            return self._buckets[bucket]


def _bucket_only(uri: BucketUri) -> BucketUri:
    return BucketUri(uri.scheme, uri.bucket, "")


def _listed_bucket(entry: str) -> BucketUri:
    bucket = BucketUri.parse(entry)
    if bucket.prefix:
        raise ValueError(f"writable_buckets entry {entry!r} has a path: list whole buckets (s3://name or gs://name)")
    return bucket


def _overlaps(prefix: str, own_prefix: str) -> bool:
    """Whether keys under prefix and under own_prefix can meet ("" is the whole bucket)."""
    a, b = prefix.strip("/"), own_prefix.strip("/")
    return not a or not b or a == b or a.startswith(b + "/") or b.startswith(a + "/")
