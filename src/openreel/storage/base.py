"""The Storage interface. Keys are relative, slash-separated paths such as videos/<op>/0.mp4.

Videos can be large: put_file and open_read stream, and only small blobs (input images, JPEG
thumbnails) go through put_bytes and read_bytes."""

from __future__ import annotations

import errno
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from openreel.errors import ServiceUnavailable
from openreel.protocol.rpc import retry_info

log = logging.getLogger(__name__)
STORAGE_RETRY_SECONDS = 30.0
CHUNK_BYTES = 1024 * 1024

_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class Readable(Protocol):
    """An open blob: read(n) returns at most n bytes, b"" at the end."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class Storage(ABC):
    @abstractmethod
    def put_file(self, key: str, source: Path, content_type: str) -> int:
        """Store the file at key (replacing any), streaming it; return its size in bytes.
        Readers never see a partly written blob."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> int:
        """Store data at key (replacing any), returning its size in bytes."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The whole blob, for small ones only; raises FileNotFoundError if absent."""

    @abstractmethod
    def open_read(self, key: str) -> Readable:
        """The blob opened for streaming; raises FileNotFoundError if absent (before any byte is
        read, so an API answer can still be a 404). The caller closes it."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The blob's size in bytes; raises FileNotFoundError if absent."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """A path the API can stream from directly, or None when the blob is remote."""

    @abstractmethod
    def presigned_url(self, key: str, expires_seconds: int, filename: str) -> str | None:
        """A URL anyone holding it can GET the blob from until it expires (downloaded as
        `filename`), or None when this backend has no such URLs (local disk)."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """Where the blob lives, as a URI people recognise (file:///..., s3://bucket/key)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""

    @abstractmethod
    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every blob key that starts with prefix, in no particular order."""

    def delete_best_effort(self, keys: list[str]) -> None:
        """Delete the blobs, logging (not raising) any that cannot be deleted now: for clean-up
        that runs while another error is on its way to the caller, or after the operation that
        owned the blobs is gone."""
        for key in keys:
            try:
                self.delete(key)
            except (OSError, StorageUnavailable) as exc:
                log.warning("could not delete %s (%s)", key, exc)

    def has_keys(self, prefix: str) -> bool:
        """Whether any blob's key starts with prefix (a folder such as "videos/")."""
        return next(iter(self.list_keys(prefix)), None) is not None

    def iter_chunks(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The blob as a stream of chunks; FileNotFoundError is raised at the call, not at the
        first chunk."""
        blob = self.open_read(key)

        def chunks() -> Iterator[bytes]:
            try:
                while chunk := blob.read(chunk_bytes):
                    yield chunk
            finally:
                blob.close()

        return chunks()

    def download_to(self, key: str, target: Path) -> None:
        """Copy the blob into a local file, streaming; raises FileNotFoundError if absent."""
        with target.open("wb") as out:
            for chunk in self.iter_chunks(key):
                out.write(chunk)

    @abstractmethod
    def check_free_space(self, min_free_bytes: int) -> None:
        """Raise StorageFull when less than min_free_bytes are left (cheap: called per create)."""

    @abstractmethod
    def check_writable(self) -> None:
        """Raise StorageUnavailable unless a blob can be written now (a real probe write)."""


class StorageUnavailable(ServiceUnavailable):
    """Blobs cannot be written right now (read-only, missing, or failing storage)."""

    category = "storage"


class StorageFull(StorageUnavailable):
    """Less free space than a new video needs."""


def unavailable(exc: OSError) -> StorageUnavailable:
    """Map an OSError from a write to the error the caller sees (503 with RetryInfo)."""
    kind = StorageFull if exc.errno in (errno.ENOSPC, errno.EDQUOT) else StorageUnavailable
    return kind(f"Storage cannot take new data ({exc.strerror or exc}). Retry later.",
                details=[retry_info(STORAGE_RETRY_SECONDS)])


def unavailable_because(reason: str) -> StorageUnavailable:
    """The error for a storage that cannot be reached or used now (503 with RetryInfo)."""
    return StorageUnavailable(f"Storage is unavailable ({reason}). Retry later.",
                              details=[retry_info(STORAGE_RETRY_SECONDS)])


def is_safe_key(key: str) -> bool:
    """Whether key stays inside the storage root (no '..', absolute paths or odd characters)."""
    return bool(_SAFE_KEY.match(key)) and not any(part in (".", "..") for part in key.split("/"))


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root ('..', absolute paths, odd characters)."""
    if not is_safe_key(key):
        raise ValueError(f"unsafe storage key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """Refuse key prefixes that check_key would refuse; "" (everything) and a trailing "/" (a
    folder) are fine."""
    if prefix:
        check_key(prefix.removesuffix("/"))
    return prefix
