"""Pick the Storage backend for the settings by URL: file:///path (the embedded default) or
s3://bucket/prefix. Bucket URIs (s3://, gs://) are parsed here once, for storage_url and for the
buckets a Vertex request may deliver to (destinations.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from openreel.settings import Settings
from openreel.storage.base import Storage, is_safe_key

if TYPE_CHECKING:
    from openreel.storage.s3 import S3Options

ACCEPTED_STORAGE_URLS = "file:///path or s3://bucket or s3://bucket/prefix"
# S3's naming rules; GCS also allows underscores.
_BUCKET_NAMES = {"s3": re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
                 "gs": re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")}


@dataclass(frozen=True)
class BucketUri:
    scheme: str  # "s3" or "gs"
    bucket: str
    prefix: str  # "" or "a/b": no slash at either end

    @classmethod
    def parse(cls, uri: str, schemes: tuple[str, ...] = ("s3", "gs")) -> BucketUri:
        """The parts of scheme://bucket/prefix; raises ValueError saying what is wrong with uri."""
        parts = urlsplit(uri)
        if parts.scheme not in schemes or "://" not in uri:
            forms = " or ".join(f"{scheme}://bucket/prefix" for scheme in schemes)
            raise ValueError(f"{uri!r} is not a bucket URI: expected {forms}")
        if not _BUCKET_NAMES[parts.scheme].match(parts.netloc) or ".." in parts.netloc:
            underscores = " or underscores" if parts.scheme == "gs" else ""
            allowed = f"lowercase letters, digits, dots and hyphens{underscores}"
            raise ValueError(f"{uri!r} does not name a valid bucket: {parts.netloc!r} must be 3 to 63 {allowed}")
        prefix = parts.path.strip("/")
        if parts.query or parts.fragment or (prefix and not is_safe_key(prefix)):
            raise ValueError(f"{uri!r} has an unusable path: use letters, digits, '.', '_', '-' and '/', "
                             "with no query or fragment")
        return cls(parts.scheme, parts.netloc, prefix)

    @property
    def bucket_uri(self) -> str:
        return f"{self.scheme}://{self.bucket}"

    def __str__(self) -> str:
        return f"{self.bucket_uri}/{self.prefix}" if self.prefix else self.bucket_uri


def s3_options(settings: Settings, endpoint_url: str) -> S3Options:
    """The S3 client options in settings, for the S3 API at endpoint_url ("": AWS)."""
    from openreel.storage.s3 import S3Options
    return S3Options(endpoint_url=endpoint_url or None, region=settings.s3_region or None,
                     addressing_style=settings.s3_addressing_style)


def storage_from_settings(settings: Settings) -> Storage:
    """The backend storage_url names; raises ValueError for a URL of any other form."""
    url = settings.resolved_storage_url
    if url.startswith("file://"):
        from openreel.storage.local import LocalStorage
        return LocalStorage(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        # Imported only here: boto3 takes a while to import, and file:// deployments never need it.
        from openreel.storage.s3 import S3Storage
        where = BucketUri.parse(url, ("s3",))
        return S3Storage(where.bucket, where.prefix, s3_options(settings, settings.s3_endpoint_url))
    raise ValueError(f"unsupported storage URL {url!r}: use {ACCEPTED_STORAGE_URLS}")
