"""VideoLinks: a URL someone outside openreel can fetch a generated video from, for webhook
payloads and usage records. On object storage it is a presigned URL of the object, valid for
Settings.presigned_url_seconds and fetchable with no key at all; on local disk it is openreel's own
download URL, which the receiver fetches with the project's API key."""

from __future__ import annotations

from openreel.domain.naming import gemini_file_uri
from openreel.domain.operation import VideoFile
from openreel.storage.base import Storage
from openreel.store.sql import SqlStore


class VideoLinks:
    def __init__(self, store: SqlStore, storage: Storage, public_url: str, presign_seconds: int) -> None:
        self.store, self.storage, self.public_url, self.presign_seconds = store, storage, public_url, presign_seconds

    def url(self, file_id: str) -> str | None:
        """None once the video is gone: deleted with its operation, or by retention."""
        found = self.store.get_video(file_id)
        return None if found is None else self.url_of(found[0])

    def url_of(self, video: VideoFile) -> str | None:
        if video.expired_at is not None:
            return None
        presigned = self.storage.presigned_url(video.storage_key, self.presign_seconds, f"{video.id}.mp4")
        return presigned if presigned is not None else gemini_file_uri(self.public_url, video.id)
