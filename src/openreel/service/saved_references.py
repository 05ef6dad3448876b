"""SavedReferenceService: a project's characters and styles, made, listed, read and deleted, and
turned into the reference images of the requests that name them.

    POST characters {displayName, images: [{bytesBase64Encoded, mimeType}, ...1-3]}
    POST styles     {displayName, video: {bytesBase64Encoded, mimeType} | {uri: a video this server made}}

A style keeps the video's representative frames (media/representative.py), never the video. A
request that names a saved reference gets copies of its images as its own inputs, so deleting the
character later does not change an operation already made.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openreel.auth import Principal
from openreel.domain.naming import new_operation_id
from openreel.domain.request import ImageInput
from openreel.domain.saved_references import MAX_DISPLAY_NAME_CHARS, SavedImage, SavedKind, SavedReference
from openreel.errors import FieldViolation, InvalidArgument, NotFound, ResourceExhausted
from openreel.media.probe import UnreadableVideo
from openreel.media.representative import representative_frames
from openreel.safety.filter import SafetyFilter
from openreel.service.wire_request import InputLimits, SavedImages, read_image, read_video
from openreel.storage.base import Storage
from openreel.store.clock import utcnow
from openreel.store.saved_references import SavedReferenceStore

MAX_CHARACTER_IMAGES = 3
STYLE_FRAMES = 3
# Each project's characters, and its styles, at most: a flood of uploads must not fill the disk.
MAX_SAVED_PER_KIND = 500
MAX_PAGE_SIZE = 100
_KEYS = {SavedKind.CHARACTER: ("displayName", "images"), SavedKind.STYLE: ("displayName", "video")}


class SavedReferenceService:
    def __init__(self, store: SavedReferenceStore, storage: Storage, limits: InputLimits, min_free_bytes: int,
                 video_bytes: Callable[[Principal, str], bytes | None], safety: SafetyFilter) -> None:
        self.store, self.storage, self.limits, self.min_free_bytes = store, storage, limits, min_free_bytes
        self.safety = safety  # images are screened when saved, as a create call's are
        # The bytes of a video this server made for the caller's project (a style's source).
        self.video_bytes = video_bytes

    def create(self, principal: Principal, kind: SavedKind, body: dict[str, Any]) -> SavedReference:
        problems = [FieldViolation(key, f"unknown field; this takes {', '.join(_KEYS[kind])}")
                    for key in body if key not in _KEYS[kind]]
        display_name = body.get("displayName", "")
        if not isinstance(display_name, str) or len(display_name) > MAX_DISPLAY_NAME_CHARS:
            problems.append(FieldViolation("displayName", f"a name of at most {MAX_DISPLAY_NAME_CHARS} characters"))
        images = (self._character_images(body.get("images"), problems) if kind is SavedKind.CHARACTER
                  else self._style_frames(principal, body.get("video"), problems))
        if problems:
            raise InvalidArgument.from_violations(problems)
        field = "images" if kind is SavedKind.CHARACTER else "video"
        self.safety.check_images([(f"{field}[{index}]", image) for index, image in enumerate(images)], principal.project)
        if len(self.store.oldest_first(principal.project, kind, MAX_SAVED_PER_KIND)) >= MAX_SAVED_PER_KIND:
            raise ResourceExhausted(f"A project keeps at most {MAX_SAVED_PER_KIND} {kind.collection}; "
                                    f"delete one to make another.")
        self.storage.check_free_space(self.min_free_bytes)
        ref_id = new_operation_id()  # time-ordered: lists are oldest first
        saved = SavedReference(id=ref_id, project=principal.project, kind=kind, display_name=str(display_name),
                               images=tuple(SavedImage(f"references/{ref_id}/{index}", image.mime_type)
                                            for index, image in enumerate(images)),
                               created_at=utcnow())
        try:
            for image, stored in zip(images, saved.images, strict=True):
                self.storage.put_bytes(stored.storage_key, image.content, image.mime_type)
            self.store.add(saved)
        except BaseException:
            self.storage.delete_best_effort([image.storage_key for image in saved.images])
            raise
        return saved

    def get(self, principal: Principal, kind: SavedKind, ref_id: str) -> SavedReference:
        found = self.store.get(principal.project, kind, ref_id)
        if found is None:
            raise NotFound(f"{kind.collection}/{ref_id} was not found.")
        return found

    def page(self, principal: Principal, kind: SavedKind, page_size: int,
             page_token: str | None) -> tuple[list[SavedReference], str | None]:
        """A page, oldest first, and the token of the next page (None after the last)."""
        size = min(max(page_size, 1), MAX_PAGE_SIZE)
        found = self.store.oldest_first(principal.project, kind, size + 1, page_token or None)
        return found[:size], (found[size - 1].id if len(found) > size else None)

    def delete(self, principal: Principal, kind: SavedKind, ref_id: str) -> None:
        saved = self.get(principal, kind, ref_id)
        if self.store.delete(principal.project, kind, ref_id):
            self.storage.delete_best_effort([image.storage_key for image in saved.images])

    def image(self, principal: Principal, kind: SavedKind, ref_id: str, index: int) -> tuple[bytes, str]:
        saved = self.get(principal, kind, ref_id)
        if not 0 <= index < len(saved.images):
            raise NotFound(f"{saved.name} has no image {index}; it has {len(saved.images)}.")
        image = saved.images[index]
        return self.storage.read_bytes(image.storage_key), image.mime_type

    def _character_images(self, raw: Any, problems: list[FieldViolation]) -> list[ImageInput]:
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_CHARACTER_IMAGES:
            problems.append(FieldViolation("images", f"a list of 1 to {MAX_CHARACTER_IMAGES} images of the character"))
            return []
        images = []
        for index, entry in enumerate(raw):
            image, found = read_image(entry, f"images[{index}]", self.limits)
            problems += found
            if image is not None:
                images.append(image)
        return images

    def _style_frames(self, principal: Principal, raw: Any, problems: list[FieldViolation]) -> list[ImageInput]:
        video, found = read_video(raw, "video", self.limits,
                                  lambda file_id: self.video_bytes(principal, file_id) is not None)
        problems += found
        if raw is None:
            problems.append(FieldViolation("video", "the example video: inline bytes or the uri of a video "
                                                    "this server made"))
        if video is None:
            return []
        data = video.data if video.data is not None else self.video_bytes(principal, video.file_id or "")
        try:
            frames = representative_frames(data or b"", STYLE_FRAMES)
        except UnreadableVideo as exc:
            problems.append(FieldViolation("video", str(exc)))
            return []
        return [ImageInput(_png(frame), "image/png") for frame in frames]


def _png(frame: Any) -> bytes:
    out = io.BytesIO()
    frame.save(out, format="PNG")
    return out.getvalue()


def saved_images(store: SavedReferenceStore, storage: Storage, project: str) -> SavedImages:
    """What a create call of `project` reads a name it was given with (characters/ID or styles/ID,
    or the bare ID): the saved images, copied; None for a name the project has none under."""
    def lookup(kind: SavedKind, name: str) -> tuple[ImageInput, ...] | None:
        ref_id = name.removeprefix(f"{kind.collection}/")
        found = store.get(project, kind, ref_id) if ref_id.isalnum() and len(ref_id) <= 32 else None
        if found is None:
            return None
        return tuple(ImageInput(storage.read_bytes(image.storage_key), image.mime_type) for image in found.images)
    return lookup
