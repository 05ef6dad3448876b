"""The seed guide's client: VideoGenerationModel.from_pretrained(id).generate_video(...) returns an
Operation; operation.result(timeout).videos[i].save(path) writes the MP4."""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openreel.client import config as client_config
from openreel.client.exceptions import DeadlineExceeded, OpenreelAPIError, from_operation_error
from openreel.client.storyboard import Scene, storyboard_body
from openreel.client.transport import Transport
from openreel.client.wire import (ParsedOperation, Route, VideoRef, download_path, parse_operation,
                                  request_body, route_for, storyboard_route)

_MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}


class Image:
    """An input image (image-to-video, last frame, reference)."""

    def __init__(self, image_bytes: bytes, mime_type: str | None = None) -> None:
        self.image_bytes = image_bytes
        self.mime_type = mime_type or next((m for magic, m in _MAGIC.items() if image_bytes.startswith(magic)),
                                           "image/png")

    @classmethod
    def load_from_file(cls, location: str | Path) -> Image:
        return cls(Path(location).read_bytes())

    def to_wire(self) -> dict[str, str]:
        return {"bytesBase64Encoded": base64.b64encode(self.image_bytes).decode("ascii"), "mimeType": self.mime_type}


class GeneratedVideo:
    """One generated MP4: its uri (when the server gave one) and its bytes, fetched on first use."""

    def __init__(self, ref: VideoRef, transport: Transport | None) -> None:
        self.uri = ref.uri
        self.mime_type = ref.mime_type
        self._bytes = ref.data
        self._transport = transport

    @property
    def video_bytes(self) -> bytes:
        if self._bytes is None:
            path = download_path(self.uri or "")
            if path is None or self._transport is None:
                raise OpenreelAPIError(f"this video lives at {self.uri} and cannot be downloaded by the client")
            self._bytes = self._transport.download(path)
        return self._bytes

    def save(self, location: str | Path) -> None:
        Path(location).write_bytes(self.video_bytes)


@dataclass
class GenerationResponse:
    videos: list[GeneratedVideo]
    rai_media_filtered_count: int = 0
    rai_media_filtered_reasons: list[str] = field(default_factory=list)


class OperationState:
    """What the sync and async operations share: the last polled state and how to read it."""

    poll_interval = 2.0

    def __init__(self, body: dict[str, Any], route: Route) -> None:
        self._route = route
        self._state: ParsedOperation = parse_operation(body)

    @property
    def name(self) -> str:
        return self._state.name

    @property
    def metadata(self) -> dict[str, Any]:
        """State, progressPercent, queuePosition, create/update time, as of the last poll."""
        return self._state.metadata

    def _finished_error(self) -> OpenreelAPIError | None:
        return None if self._state.error is None else from_operation_error(self._state.error)

    def _response(self, videos: list[GeneratedVideo]) -> GenerationResponse:
        return GenerationResponse(videos, self._state.rai_filtered_count, list(self._state.rai_filtered_reasons))

    def _deadline_error(self, timeout: float | None) -> DeadlineExceeded:
        return DeadlineExceeded(f"operation {self.name} not done after {timeout} s")


class Operation(OperationState):
    """A long-running generation. Polls the server when asked whether it is done."""

    def __init__(self, body: dict[str, Any], route: Route, transport: Transport) -> None:
        super().__init__(body, route)
        self._transport = transport

    def refresh(self) -> None:
        method, path, body = self._route.poll(self.name)
        self._state = parse_operation(self._transport.request(method, path, json=body))

    def done(self) -> bool:
        if not self._state.done:
            self.refresh()
        return self._state.done

    def exception(self) -> OpenreelAPIError | None:
        """The error the operation finished with, or None (also while it runs)."""
        return self._finished_error() if self.done() else None

    def result(self, timeout: float | None = None) -> GenerationResponse:
        """Wait for the videos; raises DeadlineExceeded after `timeout` seconds, or the error
        the operation failed with."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done():
            if deadline is not None and time.monotonic() >= deadline:
                raise self._deadline_error(timeout)
            wait = self.poll_interval if deadline is None else min(self.poll_interval, max(deadline - time.monotonic(), 0))
            time.sleep(wait)
        error = self.exception()
        if error is not None:
            raise error
        return self._response([GeneratedVideo(ref, self._transport) for ref in self._state.videos])

    def cancel(self) -> None:
        self._transport.request("POST", self._route.cancel_path(self.name))
        self.refresh()


def generation_request(prompt: str | None = None, *, negative_prompt: str | None = None,
                       aspect_ratio: str | None = None, duration_seconds: int | None = None,
                       generate_audio: bool | None = None, enhance_prompt: bool | None = None,
                       number_of_videos: int | None = None, sample_count: int | None = None,
                       temperature: float | None = None, seed: int | None = None, image: Image | None = None,
                       last_frame: Image | None = None, reference_images: list[Image] | None = None,
                       reference_type: str = "asset", resolution: str | None = None,
                       person_generation: str | None = None, storage_uri: str | None = None,
                       webhook_url: str | None = None, character: str | None = None,
                       style_reference: str | None = None) -> dict[str, Any]:
    """The wire body for generate_video's arguments (shared by the sync and async models);
    `character` and `style_reference` name a saved character or style (characters/ID, styles/ID)."""
    instance: dict[str, Any] = {"prompt": prompt}
    if character is not None:
        instance["character"] = character
    if style_reference is not None:
        instance["styleReference"] = style_reference
    if image is not None:
        instance["image"] = image.to_wire()
    if last_frame is not None:
        instance["lastFrame"] = last_frame.to_wire()
    if reference_images:
        instance["referenceImages"] = [{"image": ref.to_wire(), "referenceType": reference_type}
                                       for ref in reference_images]
    samples = sample_count if number_of_videos is None else number_of_videos  # 0 is a value, to be refused
    parameters = {"negativePrompt": negative_prompt, "aspectRatio": aspect_ratio,
                  "durationSeconds": duration_seconds, "generateAudio": generate_audio,
                  "enhancePrompt": enhance_prompt, "sampleCount": samples,
                  "temperature": temperature, "seed": seed, "resolution": resolution,
                  "personGeneration": person_generation, "storageUri": storage_uri}
    return request_body(instance, parameters, webhook_url)


class VideoGenerationModel:
    def __init__(self, model_name: str, config: client_config.ClientConfig | None = None) -> None:
        self.model_name = model_name
        self.config = config or client_config.current()
        self._route = route_for(self.config, model_name)
        self._transport = Transport(self.config)

    @classmethod
    def from_pretrained(cls, model_name: str) -> VideoGenerationModel:
        return cls(model_name)

    def generate_video(self, prompt: str | None = None, **options: Any) -> Operation:
        """Submit a generation; the arguments are the seed guide's (see generation_request)."""
        body = self._transport.request("POST", self._route.create_path, json=generation_request(prompt, **options))
        return Operation(body, self._route, self._transport)

    def generate_storyboard(self, scenes: Sequence[Scene | dict[str, Any]], **options: Any) -> Operation:
        """Submit one video made of `scenes` in order; the options are what they share (see
        storyboard_body): style, aspect_ratio, resolution, seed, generate_audio, ..."""
        route = storyboard_route(self._route)
        body = self._transport.request("POST", route.create_path, json=storyboard_body(scenes, **options))
        return Operation(body, route, self._transport)

