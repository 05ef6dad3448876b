"""Operation and file names as Google's clients require them (spec §3.4, §4.2, §3.6)."""

from __future__ import annotations

import re
import secrets
import time
import uuid

from openreel.domain.operation import Surface

_HEX_ID = re.compile(r"^[0-9a-f]{32}$")
_FILE_ID = re.compile(r"^[0-9a-f]{32}[0-9]{1,2}$")
# A video URI ends with its file id: files/ID, or http(s)://HOST/v1beta/files/ID:download?alt=media.
_URI_FILE_ID = re.compile(r"(?:^|/)files/([a-z0-9]+)(?::download)?(?:\?.*)?$")


def new_operation_id() -> str:
    """A UUIDv7 (RFC 9562) in hex: 48 bits of Unix milliseconds, then random bits. Ids sort in
    creation order to the millisecond, so an id alone is a list cursor (OpenAI's `after`) that
    still works once its operation is deleted."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # the RFC 4122 variant
    return f"{value:032x}"


def operation_name(surface: Surface, model_resource: str, op_id: str) -> str:
    """Gemini: models/{m}/operations/{[a-z0-9]+}; Vertex: {model resource}/operations/{uuid};
    the other fronts' operations: operations/{id}, which the native operations API serves."""
    if surface is Surface.GEMINI:
        return f"{model_resource}/operations/{op_id}"
    if surface is Surface.VERTEX:
        return f"{model_resource}/operations/{uuid.UUID(hex=op_id)}"
    return f"operations/{op_id}"


def operation_id_from(name_or_id: str) -> str | None:
    """The stored id behind a full name, a bare UUID or hex id; None if it cannot be one."""
    candidate = name_or_id.rstrip("/").rsplit("/", 1)[-1].replace("-", "").lower()
    return candidate if _HEX_ID.match(candidate) else None


def video_file_id(op_id: str, sample_index: int) -> str:
    # Lower-case alphanumerics only: the SDK extracts the id with [a-z0-9]+.
    return f"{op_id}{sample_index}"


def is_video_file_id(candidate: str) -> bool:
    """Whether a caller's file id can be one video_file_id made (anything else is not found)."""
    return _FILE_ID.match(candidate) is not None


def file_id_from_uri(uri: str) -> str | None:
    """The file id at the end of a video URI (whatever its scheme and host), or None."""
    match = _URI_FILE_ID.search(uri)
    return match.group(1) if match else None


def vertex_object_key(op_id: str, sample_index: int) -> str:
    """Where a Vertex storageUri's video goes under its prefix: {operation uuid}/sample_{i}.mp4."""
    return f"{uuid.UUID(hex=op_id)}/sample_{sample_index}.mp4"


def vertex_gcs_uri(storage_uri: str, op_id: str, sample_index: int) -> str:
    return f"{storage_uri.rstrip('/')}/{vertex_object_key(op_id, sample_index)}"


def gemini_file_uri(public_url: str, file_id: str) -> str:
    """The Gemini download URI of a generated video (the SDKs read the id out of it)."""
    return f"{public_url}/v1beta/files/{file_id}:download?alt=media"


def storage_key(op_id: str, fencing_token: int, sample_index: int) -> str:
    """Where an attempt stores a video: each attempt (claim) under keys of its own."""
    return f"videos/{op_id}/attempt-{fencing_token}/sample_{sample_index}.mp4"


def thumbnail_key(video_key: str) -> str:
    """The stored first-frame JPEG beside a video (listings show it without reading the video)."""
    return video_key.removesuffix(".mp4") + ".jpg"


_RESOURCE_ID = re.compile(r"[0-9a-f]{16}")


def new_resource_id() -> str:
    """The id of an API key or a webhook: 16 random hex digits."""
    return secrets.token_hex(8)


def is_resource_id(value: str) -> bool:
    """Whether value could name a key or webhook; anything else is never sent to the database,
    which may refuse it (PostgreSQL refuses NUL) instead of finding nothing."""
    return _RESOURCE_ID.fullmatch(value) is not None


def video_blob_keys(video_key: str) -> tuple[str, str]:
    """The storage keys a stored video occupies: the MP4 and its thumbnail."""
    return video_key, thumbnail_key(video_key)
