"""Test support: the app served in this process, for the fast tier of HTTP tests.

`InProcessServer` builds `create_app(settings)`, runs its lifespan (so `app.state.runtime` and the
in-process worker threads exist exactly as under `openreel serve`) and answers requests through
`httpx.ASGITransport`: no subprocess, no port, no uvicorn.

Why a sync facade rather than async tests: the tests stay ordinary functions that read top to
bottom, Hypothesis `@given` tests work unchanged, and `InProcessServer` offers the same
`data_dir`, `create_key`, `client` and `wait_done` as `tests.support.LiveServer`, so a test moves
between the tiers by changing its fixture. An anyio blocking portal runs one event loop in a
background thread for the whole server; the lifespan is entered and left in one task of that
loop, and every request is sent on it.

What stays on LiveServer: anything needing a real process or socket (kill, restart, the Google
SDK or a browser in a subprocess, signals), anything uvicorn adds (its headers, HTTP parsing),
and server-sent events, because ASGITransport returns a response only once the app has finished
sending it. An unhandled exception in a route arrives as the 500 envelope, as from a real server
(api/request_context.py answers it); its traceback is in the log.
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from openreel.api.app import create_app
from openreel.auth import Tier
from openreel.runtime import Runtime
from openreel.settings import Settings


class _ExplicitSettings(Settings):
    """Settings from keyword arguments only: an OPENREEL_* variable in the shell changes no test."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def explicit_settings(data_dir: Path, **fields: Any) -> Settings:
    return _ExplicitSettings(data_dir=data_dir, **fields)


ADMIN_KEY = "admin-" + "s3cret" * 6


def admin_settings(data_dir: Path, **fields: Any) -> Settings:
    """A server with the admin API on (ADMIN_KEY) and no workers: accepted operations stay queued,
    so nothing waits on a render."""
    return explicit_settings(data_dir, workers=0, admin_key=ADMIN_KEY, **fields)


class InProcessClient:
    """httpx-style get/post/delete that send to the in-process app and return httpx.Response."""

    def __init__(self, portal: BlockingPortal, http: httpx.AsyncClient) -> None:
        self._portal, self._http = portal, http

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(partial(self._http.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


class InProcessServer:
    """`create_app(settings)` with its lifespan running; use as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        self.app = create_app(settings)
        self._stack = ExitStack()
        self._portal: BlockingPortal | None = None

    def __enter__(self) -> InProcessServer:
        with ExitStack() as stack:
            self._portal = stack.enter_context(start_blocking_portal())
            stack.enter_context(self._portal.wrap_async_context_manager(self.app.router.lifespan_context(self.app)))
            self._stack = stack.pop_all()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.close()  # closes the clients, then runs the lifespan's shutdown, then stops the loop
        self._portal = None

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def create_key(self, project: str = "my-proj", tier: str = "enterprise") -> str:
        return self.runtime.keys.create(project, Tier(tier)).plaintext

    def client(self, key: str | None = None) -> InProcessClient:
        """A client sending `key` as x-goog-api-key; with no key, an anonymous caller."""
        assert self._portal is not None, "use InProcessServer as a context manager"
        headers = {"x-goog-api-key": key} if key is not None else {}
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://openreel.local",
                                 headers=headers)
        self._stack.callback(self._portal.call, http.aclose)
        return InProcessClient(self._portal, http)

    def made_video(self, http: InProcessClient, create_path: str, body: dict[str, Any],
                   timeout: float = 300) -> tuple[dict[str, Any], bytes]:
        """Create on the Gemini surface (`create_path`, e.g. /v1beta/models/m:predictLongRunning),
        wait until it is done, and download its first video: the finished operation and the MP4."""
        created = http.post(create_path, json=body)
        assert created.status_code == 200, created.text
        done = self.wait_done(http, f"/v1beta/{created.json()['name']}", timeout=timeout)
        assert "error" not in done, done
        uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
        file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
        return done, http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content

    def wait_done(self, http: InProcessClient, poll_path: str, timeout: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body: dict[str, Any] = http.get(poll_path).json()
            if body.get("done"):
                return body
            time.sleep(0.1)
        raise TimeoutError(f"{poll_path} not done after {timeout}s")
