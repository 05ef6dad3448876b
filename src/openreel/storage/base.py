"""The Storage interface. Keys are relative, slash-separated paths such as videos/<op>/0.mp4."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path

_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class Storage(ABC):
    @abstractmethod
    def put_file(self, key: str, source: Path, content_type: str) -> int:
        """Store the file at key (replacing any), returning its size in bytes."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The whole blob; raises FileNotFoundError if absent."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """A path the API can stream from directly, or None when the blob is remote."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""


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
