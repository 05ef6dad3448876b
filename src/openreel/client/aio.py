"""The async twin: AsyncVideoGenerationModel.generate_video(...) -> AsyncOperation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from openreel.client import config as client_config
from openreel.client.exceptions import OpenreelAPIError
from openreel.client.model import GeneratedVideo, GenerationResponse, OperationState, generation_request
from openreel.client.storyboard import Scene, storyboard_body
from openreel.client.transport import AsyncTransport
from openreel.client.wire import Route, VideoRef, download_path, parse_operation, route_for, storyboard_route


class AsyncOperation(OperationState):
    def __init__(self, body: dict[str, Any], route: Route, transport: AsyncTransport) -> None:
        super().__init__(body, route)
        self._transport = transport

    async def refresh(self) -> None:
        method, path, body = self._route.poll(self.name)
        self._state = parse_operation(await self._transport.request(method, path, json=body))

    async def done(self) -> bool:
        if not self._state.done:
            await self.refresh()
        return self._state.done

    async def exception(self) -> OpenreelAPIError | None:
        return self._finished_error() if await self.done() else None

    async def result(self, timeout: float | None = None) -> GenerationResponse:
        """Wait for the videos and fetch their bytes, so .save() needs no further I/O."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not await self.done():
            if deadline is not None and time.monotonic() >= deadline:
                raise self._deadline_error(timeout)
            await asyncio.sleep(self.poll_interval)
        error = await self.exception()
        if error is not None:
            raise error
        refs = []
        for ref in self._state.videos:
            data = ref.data
            path = download_path(ref.uri or "")
            if data is None and path is not None:
                data = await self._transport.download(path)
            refs.append(VideoRef(ref.uri, data, ref.mime_type))
        return self._response([GeneratedVideo(ref, None) for ref in refs])

    async def cancel(self) -> None:
        await self._transport.request("POST", self._route.cancel_path(self.name))
        await self.refresh()


class AsyncVideoGenerationModel:
    def __init__(self, model_name: str, config: client_config.ClientConfig | None = None) -> None:
        self.model_name = model_name
        self.config = config or client_config.current()
        self._route = route_for(self.config, model_name)
        self._transport = AsyncTransport(self.config)

    @classmethod
    def from_pretrained(cls, model_name: str) -> AsyncVideoGenerationModel:
        return cls(model_name)

    async def generate_video(self, prompt: str | None = None, **options: Any) -> AsyncOperation:
        body = await self._transport.request("POST", self._route.create_path,
                                             json=generation_request(prompt, **options))
        return AsyncOperation(body, self._route, self._transport)

    async def generate_storyboard(self, scenes: Sequence[Scene | dict[str, Any]], **options: Any) -> AsyncOperation:
        """One video made of `scenes` in order (see VideoGenerationModel.generate_storyboard)."""
        route = storyboard_route(self._route)
        body = await self._transport.request("POST", route.create_path, json=storyboard_body(scenes, **options))
        return AsyncOperation(body, route, self._transport)
