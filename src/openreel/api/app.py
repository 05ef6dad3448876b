"""create_app(settings): the FastAPI application with its runtime and in-process workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

import openreel
from openreel.api import files, gemini, operations, stream, vertex
from openreel.api.deps import RuntimeDep
from openreel.api.errors import install_error_handlers
from openreel.api.json_body import JsonBodyMiddleware
from openreel.runtime import Runtime
from openreel.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.build(settings)
        app.state.runtime = runtime
        pool = runtime.worker_pool() if settings.workers > 0 else None
        if pool is not None:
            pool.start()
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()
            runtime.close()

    app = FastAPI(title="openreel", version=openreel.__version__, lifespan=lifespan,
                  description="Self-hosted video generation that speaks Google's Veo API.")
    install_error_handlers(app)
    app.add_middleware(JsonBodyMiddleware)

    @app.get("/healthz", tags=["Health"])
    def healthz(runtime: RuntimeDep) -> dict[str, Any]:
        with runtime.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": openreel.__version__, "workers": settings.workers}

    web = Path(__file__).resolve().parent.parent / "web"
    app.mount("/static", StaticFiles(directory=web), name="static")

    @app.get("/", include_in_schema=False)
    def playground() -> FileResponse:
        return FileResponse(web / "index.html", media_type="text/html")

    # Operations first: its literal /operations paths must win over the models/{model} patterns.
    for router in (stream.router, operations.router, files.router, vertex.router, gemini.router):
        app.include_router(router)
    return app
