"""The Storage contract: every backend (local folder, S3 with and without a key prefix) passes
these same tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openreel.storage.base import Storage

VIDEO = os.urandom(3 * 1024 * 1024 + 17)  # not a whole number of chunks


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    path = tmp_path / "video.mp4"
    path.write_bytes(VIDEO)
    return path


def test_put_file_stores_the_file_and_returns_its_size(storage: Storage, video_file: Path) -> None:
    assert storage.put_file("videos/op/0.mp4", video_file, "video/mp4") == len(VIDEO)
    assert storage.read_bytes("videos/op/0.mp4") == VIDEO
    assert storage.size("videos/op/0.mp4") == len(VIDEO)


def test_put_bytes_stores_the_bytes_and_returns_their_size(storage: Storage) -> None:
    assert storage.put_bytes("inputs/op/image", b"\x89PNG data", "image/png") == 9
    assert storage.read_bytes("inputs/op/image") == b"\x89PNG data"


def test_put_replaces_an_existing_blob(storage: Storage, video_file: Path) -> None:
    storage.put_file("videos/op/0.mp4", video_file, "video/mp4")
    storage.put_bytes("videos/op/0.mp4", b"shorter", "video/mp4")
    assert storage.read_bytes("videos/op/0.mp4") == b"shorter"
    assert storage.size("videos/op/0.mp4") == 7


def test_empty_blob_round_trips(storage: Storage) -> None:
    storage.put_bytes("empty", b"", "application/octet-stream")
    assert storage.read_bytes("empty") == b""
    assert list(storage.iter_chunks("empty")) == []


def test_open_read_streams_the_blob_in_bounded_reads(storage: Storage, video_file: Path) -> None:
    storage.put_file("videos/op/0.mp4", video_file, "video/mp4")
    blob = storage.open_read("videos/op/0.mp4")
    parts = []
    try:
        while part := blob.read(64 * 1024):
            assert len(part) <= 64 * 1024
            parts.append(part)
    finally:
        blob.close()
    assert b"".join(parts) == VIDEO


def test_open_read_without_size_reads_everything(storage: Storage) -> None:
    storage.put_bytes("thumbs/op/0.jpg", b"jpeg bytes", "image/jpeg")
    blob = storage.open_read("thumbs/op/0.jpg")
    try:
        assert blob.read() == b"jpeg bytes"
        assert blob.read(10) == b""
    finally:
        blob.close()


def test_iter_chunks_yields_the_blob_in_chunks_of_at_most_the_size_asked(storage: Storage, video_file: Path) -> None:
    storage.put_file("videos/op/0.mp4", video_file, "video/mp4")
    chunks = list(storage.iter_chunks("videos/op/0.mp4", chunk_bytes=1024 * 1024))
    assert len(chunks) == 4
    assert all(len(chunk) <= 1024 * 1024 for chunk in chunks)
    assert b"".join(chunks) == VIDEO


def test_download_to_copies_the_blob_into_a_file(storage: Storage, video_file: Path, tmp_path: Path) -> None:
    storage.put_file("videos/op/0.mp4", video_file, "video/mp4")
    target = tmp_path / "copy.mp4"
    storage.download_to("videos/op/0.mp4", target)
    assert target.read_bytes() == VIDEO


MISSING_READS: dict[str, Callable[[Storage, Path], Any]] = {
    "read_bytes": lambda s, _: s.read_bytes("videos/none/0.mp4"),
    "open_read": lambda s, _: s.open_read("videos/none/0.mp4"),
    "size": lambda s, _: s.size("videos/none/0.mp4"),
    # Raised by the call itself, before any chunk is asked for, so an API can still answer 404.
    "iter_chunks": lambda s, _: s.iter_chunks("videos/none/0.mp4"),
    "download_to": lambda s, tmp: s.download_to("videos/none/0.mp4", tmp / "copy.mp4"),
}


@pytest.mark.parametrize("read", MISSING_READS.values(), ids=MISSING_READS.keys())
def test_reading_a_missing_blob_raises_file_not_found(storage: Storage, tmp_path: Path,
                                                      read: Callable[[Storage, Path], Any]) -> None:
    storage.put_bytes("videos/other/0.mp4", b"x", "video/mp4")
    with pytest.raises(FileNotFoundError):
        read(storage, tmp_path)


def test_delete_removes_the_blob_and_a_second_delete_is_fine(storage: Storage) -> None:
    storage.put_bytes("videos/op/0.mp4", b"x", "video/mp4")
    storage.put_bytes("videos/op/1.mp4", b"y", "video/mp4")
    storage.delete("videos/op/0.mp4")
    storage.delete("videos/op/0.mp4")
    storage.delete("videos/never/0.mp4")
    with pytest.raises(FileNotFoundError):
        storage.read_bytes("videos/op/0.mp4")
    assert storage.read_bytes("videos/op/1.mp4") == b"y"


def test_list_keys_yields_every_key_starting_with_the_prefix(storage: Storage) -> None:
    for key in ("videos/a/0.mp4", "videos/a/1.mp4", "videos/ab/0.mp4", "inputs/a/image"):
        storage.put_bytes(key, b"x", "application/octet-stream")
    assert sorted(storage.list_keys("videos/a/")) == ["videos/a/0.mp4", "videos/a/1.mp4"]
    assert sorted(storage.list_keys("videos/a")) == ["videos/a/0.mp4", "videos/a/1.mp4", "videos/ab/0.mp4"]
    assert sorted(storage.list_keys("")) == ["inputs/a/image", "videos/a/0.mp4", "videos/a/1.mp4", "videos/ab/0.mp4"]
    assert list(storage.list_keys("thumbs/")) == []


def test_list_keys_no_longer_yields_deleted_blobs(storage: Storage) -> None:
    storage.put_bytes("videos/a/0.mp4", b"x", "video/mp4")
    storage.delete("videos/a/0.mp4")
    assert list(storage.list_keys("videos/")) == []


def test_has_keys_says_whether_a_folder_holds_any_blob(storage: Storage) -> None:
    assert not storage.has_keys("videos/")
    storage.put_bytes("videos/a/0.mp4", b"x", "video/mp4")
    assert storage.has_keys("videos/")
    assert not storage.has_keys("inputs/")


UNSAFE_KEYS = ["../escape", "/etc/passwd", "videos/./0.mp4", "videos//0.mp4", "videos/a b.mp4"]
KEYED_CALLS: dict[str, Callable[[Storage, str], Any]] = {
    "put_bytes": lambda s, key: s.put_bytes(key, b"x", "video/mp4"),
    "read_bytes": lambda s, key: s.read_bytes(key),
    "open_read": lambda s, key: s.open_read(key),
    "size": lambda s, key: s.size(key),
    "local_path": lambda s, key: s.local_path(key),
    "presigned_url": lambda s, key: s.presigned_url(key, 60, "video.mp4"),
    "uri": lambda s, key: s.uri(key),
    "delete": lambda s, key: s.delete(key),
}


@pytest.mark.parametrize("call", KEYED_CALLS.values(), ids=KEYED_CALLS.keys())
@pytest.mark.parametrize("key", UNSAFE_KEYS)
def test_unsafe_keys_are_refused(storage: Storage, call: Callable[[Storage, str], Any], key: str) -> None:
    with pytest.raises(ValueError, match="unsafe storage key"):
        call(storage, key)


@pytest.mark.parametrize("prefix", ["../", "/", "videos/../", "videos//"])
def test_unsafe_prefixes_are_refused_at_the_call(storage: Storage, prefix: str) -> None:
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.list_keys(prefix)


def test_put_file_refuses_an_unsafe_key(storage: Storage, video_file: Path) -> None:
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.put_file("../escape.mp4", video_file, "video/mp4")


def test_check_writable_and_check_free_space_pass_on_a_healthy_store(storage: Storage) -> None:
    storage.check_writable()
    storage.check_free_space(1024)
    assert list(storage.list_keys("")) == []  # the probe leaves nothing behind


def test_uri_names_where_the_blob_lives(storage: Storage) -> None:
    storage.put_bytes("videos/op/0.mp4", b"x", "video/mp4")
    uri = storage.uri("videos/op/0.mp4")
    assert uri.startswith(("file:///", "s3://"))
    assert uri.endswith("/videos/op/0.mp4")
