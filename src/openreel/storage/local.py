"""LocalStorage: blobs as files under one directory (the embedded default)."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from openreel.storage.base import Storage, check_key, check_prefix, unavailable

_PARTIAL = ".partial"


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, source: Path, content_type: str) -> int:
        return self._publish(key, lambda partial: shutil.copyfile(source, partial))

    def put_bytes(self, key: str, data: bytes, content_type: str) -> int:
        return self._publish(key, lambda partial: partial.write_bytes(data))

    def _publish(self, key: str, write: Callable[[Path], object]) -> int:
        target = self._path(key)
        # Write then rename, so a reader never sees a half-written blob.
        partial = target.with_name(target.name + _PARTIAL)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(partial)
            os.replace(partial, target)
        except OSError as exc:
            with suppress(OSError):  # on a read-only disk even this fails; the first error matters
                partial.unlink(missing_ok=True)
            raise unavailable(exc) from exc
        return target.stat().st_size

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def open_read(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.exists() else None

    def presigned_url(self, key: str, expires_seconds: int, filename: str) -> str | None:
        check_key(key)
        return None

    def uri(self, key: str) -> str:
        return self._path(key).absolute().as_uri()

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        path.with_name(path.name + _PARTIAL).unlink(missing_ok=True)
        # Folders are per operation and attempt: remove them once empty, up to the root.
        for folder in path.parents:
            if folder == self.root or not folder.is_relative_to(self.root):
                break
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (or already gone)

    def list_keys(self, prefix: str) -> Iterator[str]:
        return self._walk(check_prefix(prefix))

    def _walk(self, prefix: str) -> Iterator[str]:
        # Walk only the deepest folder the prefix names in full ("videos/ab" walks videos/).
        for dirpath, _dirs, names in os.walk(self.root / prefix.rpartition("/")[0]):
            for name in names:
                key = (Path(dirpath) / name).relative_to(self.root).as_posix()
                # A .partial file is a blob still being published: not a key yet.
                if not name.endswith(_PARTIAL) and key.startswith(prefix):
                    yield key

    def check_free_space(self, min_free_bytes: int) -> None:
        free = shutil.disk_usage(self.root).free
        if free < min_free_bytes:
            raise unavailable(OSError(errno.ENOSPC, f"disk full: {free // 2**20} MiB free in {self.root}, "
                                                    f"{min_free_bytes // 2**20} MiB required"))

    def check_writable(self) -> None:
        try:
            with tempfile.TemporaryFile(dir=self.root) as probe:
                probe.write(b"openreel")
                probe.flush()
                os.fsync(probe.fileno())
        except OSError as exc:
            raise unavailable(exc) from exc

