"""What only LocalStorage does: files under its root, published by rename, no presigned URLs."""

from __future__ import annotations

from pathlib import Path

from openreel.storage.local import LocalStorage


def test_blobs_are_files_under_the_root(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "blobs")
    store.put_bytes("videos/op/0.mp4", b"mp4", "video/mp4")
    path = tmp_path / "blobs" / "videos" / "op" / "0.mp4"
    assert path.read_bytes() == b"mp4"
    assert store.local_path("videos/op/0.mp4") == path
    assert store.local_path("videos/op/1.mp4") is None
    assert store.uri("videos/op/0.mp4") == path.absolute().as_uri()


def test_local_storage_has_no_presigned_urls(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    store.put_bytes("videos/op/0.mp4", b"mp4", "video/mp4")
    assert store.presigned_url("videos/op/0.mp4", 900, "op.mp4") is None


def test_blobs_still_being_published_are_not_listed(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    (tmp_path / "videos" / "op").mkdir(parents=True)
    (tmp_path / "videos" / "op" / "0.mp4.partial").write_bytes(b"half")
    assert list(store.list_keys("videos/")) == []
    assert not store.has_keys("videos/")


def test_delete_removes_emptied_folders(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "blobs")
    store.put_bytes("videos/op/0.mp4", b"mp4", "video/mp4")
    store.delete("videos/op/0.mp4")
    assert list((tmp_path / "blobs").iterdir()) == []

