"""The Storage interface. Keys are relative, slash-separated paths such as videos/<op>/0.mp4."""

from __future__ import annotations

import errno
import re
from abc import ABC, abstractmethod
from pathlib import Path

from openreel.errors import ServiceUnavailable
from openreel.protocol.rpc import retry_info

STORAGE_RETRY_SECONDS = 30.0

_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class Storage(ABC):
    @abstractmethod
    def put_file(self, key: str, source: Path, content_type: str) -> int:
        """Store the file at key (replacing any), returning its size in bytes."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> int:
        """Store data at key (replacing any), returning its size in bytes."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The whole blob; raises FileNotFoundError if absent."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """A path the API can stream from directly, or None when the blob is remote."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""

    @abstractmethod
    def has_keys(self, prefix: str) -> bool:
        """Whether any blob's key starts with prefix (a folder such as "videos/")."""

    @abstractmethod
    def check_free_space(self, min_free_bytes: int) -> None:
        """Raise StorageFull when less than min_free_bytes are left (cheap: called per create)."""

    @abstractmethod
    def check_writable(self) -> None:
        """Raise StorageUnavailable unless a blob can be written now (a real probe write)."""


class StorageUnavailable(ServiceUnavailable):
    """Blobs cannot be written right now (read-only, missing, or failing storage)."""


class StorageFull(StorageUnavailable):
    """Less free space than a new video needs."""


def unavailable(exc: OSError) -> StorageUnavailable:
    """Map an OSError from a write to the error the caller sees (503 with RetryInfo)."""
    kind = StorageFull if exc.errno in (errno.ENOSPC, errno.EDQUOT) else StorageUnavailable
    return kind(f"Storage cannot take new data ({exc.strerror or exc}). Retry later.",
                details=[retry_info(STORAGE_RETRY_SECONDS)])


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root ('..', absolute paths, odd characters)."""
    if not _SAFE_KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"unsafe storage key: {key!r}")
    return key


def storage_from_url(url: str) -> Storage:
    if url.startswith("file://"):
        from openreel.storage.local import LocalStorage
        return LocalStorage(Path(url.removeprefix("file://")))
    raise ValueError(f"unsupported storage URL {url!r}: use file:///path")
