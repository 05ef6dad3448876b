"""Request inputs (images, a video to extend) are kept in storage once, under their operation's
keys; the operation row holds only the keys. Polls, listings and streams never touch the bytes;
the worker loads them back just before the engine needs them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from openreel.domain.request import GenerationRequest, ImageInput, ReferenceImage
from openreel.storage.base import Storage


def input_prefix(op_id: str) -> str:
    return f"inputs/{op_id}/"


def _images(request: GenerationRequest) -> list[ImageInput]:
    images = [request.image, request.last_frame, *(ref.image for ref in request.reference_images),
              *(ref.image for scene in request.scenes for ref in scene.reference_images)]
    return [image for image in images if image is not None]


def _map_images(request: GenerationRequest, change: Callable[[ImageInput, str], ImageInput]) -> GenerationRequest:
    """The request with change(image, name) applied to every input image."""
    def one(image: ImageInput | None, name: str) -> ImageInput | None:
        return None if image is None else change(image, name)

    def references(refs: tuple[ReferenceImage, ...], prefix: str) -> tuple[ReferenceImage, ...]:
        return tuple(ReferenceImage(change(ref.image, f"{prefix}reference_{i}"), ref.reference_type)
                     for i, ref in enumerate(refs))

    return dataclasses.replace(
        request, image=one(request.image, "image"), last_frame=one(request.last_frame, "last_frame"),
        reference_images=references(request.reference_images, ""),
        scenes=tuple(dataclasses.replace(scene, reference_images=references(scene.reference_images, f"scene_{n}_"))
                     for n, scene in enumerate(request.scenes)))


class InputBlobs:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def save(self, op_id: str, request: GenerationRequest) -> tuple[GenerationRequest, list[str]]:
        """Write the request's input bytes to storage; return the request holding keys instead,
        and the keys written (so a refused create can remove them again)."""
        written: list[str] = []

        def put(data: bytes, name: str, mime_type: str) -> str:
            key = input_prefix(op_id) + name
            self.storage.put_bytes(key, data, mime_type)
            written.append(key)
            return key

        def put_image(image: ImageInput, name: str) -> ImageInput:
            if image.data is None:
                return image
            return ImageInput(None, image.mime_type, storage_key=put(image.data, name, image.mime_type))

        try:
            stored = _map_images(request, put_image)
            video = request.video
            if video is not None and video.data is not None:
                key = put(video.data, "video", video.mime_type)
                stored = dataclasses.replace(stored, video=dataclasses.replace(video, data=None, storage_key=key))
        except BaseException:
            self.delete(written)
            raise
        return stored, written

    def load(self, request: GenerationRequest) -> GenerationRequest:
        """The request with every stored input's bytes read back, as engines expect it."""
        def get_image(image: ImageInput, _name: str) -> ImageInput:
            if image.storage_key is None or image.data is not None:
                return image
            return dataclasses.replace(image, data=self.storage.read_bytes(image.storage_key))

        loaded = _map_images(request, get_image)
        video = request.video
        if video is not None and video.storage_key is not None and video.data is None:
            loaded = dataclasses.replace(loaded, video=dataclasses.replace(
                video, data=self.storage.read_bytes(video.storage_key)))
        return loaded

    def delete(self, keys: list[str]) -> None:
        """Remove stored inputs, best effort: this runs while another error is on its way to the
        caller (a refused create), and must not replace it."""
        self.storage.delete_best_effort(keys)

    @staticmethod
    def keys(request: GenerationRequest) -> list[str]:
        """The storage keys of the request's stored inputs."""
        keys = [image.storage_key for image in _images(request) if image.storage_key]
        if request.video is not None and request.video.storage_key:
            keys.append(request.video.storage_key)
        return keys
