"""create_app(settings): the FastAPI application with its runtime and in-process workers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

import openreel
from openreel.api import (admin, files, gemini, interactions, live, openai_videos, operations, quota, saved_references,
                          storyboards, stream, usage, vertex, webhooks)
from openreel.api.body_limit import BodyLimitMiddleware, image_request_size_limit, request_size_limit
from openreel.api.deps import RuntimeDep
from openreel.api.errors import install_error_handlers
from openreel.api.json_body import JsonBodyMiddleware
from openreel.api.openai_errors import OpenAIErrorMiddleware
from openreel.api.polling import FinishedResponses
from openreel.api.request_context import RequestContextMiddleware
from openreel.observability.log_redaction import install_log_redaction
from openreel.readiness import check_readiness, readiness_body
from openreel.runtime import Runtime
from openreel.settings import Settings


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The app; it builds its Runtime at start-up unless given one (`openreel serve` builds it
    first, so that a data dir it must refuse is reported before the server starts)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_log_redaction()  # here, not in create_app: uvicorn configures logging in between
        nonlocal runtime
        runtime = runtime if runtime is not None else Runtime.build(settings)
        app.state.runtime = runtime
        runtime.start_background()
        # What start-up loaded stays for good: keeping it out of the collector's way removes
        # the tens-of-milliseconds full collections from poll latency.
        gc.freeze()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(title="openreel", version=openreel.__version__, lifespan=lifespan,
                  description="Self-hosted video generation that speaks Google's Veo API.")
    app.state.finished_responses = FinishedResponses()
    install_error_handlers(app)
    app.add_middleware(JsonBodyMiddleware)
    # Added late, so it runs early: no body is read before the key is checked.
    app.add_middleware(BodyLimitMiddleware, max_bytes=request_size_limit(settings),
                       image_max_bytes=image_request_size_limit(settings))
    # Outermost: every line a request causes, refusals and the access line too, has its id.
    app.add_middleware(RequestContextMiddleware)
    # Outside even that: errors under /v1/videos, wherever they arose, leave in OpenAI's envelope.
    app.add_middleware(OpenAIErrorMiddleware)

    @app.get("/healthz", tags=["Health"])
    async def healthz() -> dict[str, Any]:
        """Liveness: the process answers. Whether it can serve work is /readyz."""
        return {"status": "ok", "version": openreel.__version__}

    @app.get("/readyz", tags=["Health"])
    def readyz(runtime: RuntimeDep) -> JSONResponse:
        """Readiness: database, storage and workers, each with the reason when it is not usable."""
        ready, body = readiness_body(check_readiness(runtime))
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["Health"], response_class=PlainTextResponse)
    def metrics(runtime: RuntimeDep) -> Response:
        """This process's Prometheus metrics (observability/metrics.py; docs/monitoring.md). Open like
        the health probes: it holds counts, model ids and project ids, never a key or a prompt."""
        return Response(runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    web = Path(__file__).resolve().parent.parent / "web"
    app.mount("/static", StaticFiles(directory=web), name="static")

    @app.get("/", include_in_schema=False)
    def playground() -> FileResponse:
        return FileResponse(web / "index.html", media_type="text/html")

    # The Gemini poll first: it is the hot path, and no other GET matches its shape. Then the
    # operations routes, whose literal /operations paths must win over the models/{model} patterns.
    for router in (gemini.poll_router, stream.router, live.router, operations.router, files.router, vertex.router,
                   webhooks.router, usage.router, usage.admin_router, admin.router, quota.router, gemini.router,
                   openai_videos.router, interactions.router, storyboards.router, saved_references.router):
        app.include_router(router)
    return app
