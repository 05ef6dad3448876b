"""Run the app under uvicorn with a bounded, orderly shutdown.

On SIGTERM or SIGINT the runtime stops claiming work at once, running work is handed back to the
queue between frames, and progress streams end, before uvicorn waits for connections to close;
connections still open after `shutdown_timeout_seconds` are closed, so the process always exits.
"""

from __future__ import annotations

import copy
import logging
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOG_LEVELS, LOGGING_CONFIG

from openreel.api.app import create_app
from openreel.observability.logs import json_formatter
from openreel.runtime import Runtime


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        runtime = getattr(self._app.state, "runtime", None)
        if runtime is not None:
            runtime.begin_shutdown()
        super().handle_exit(sig, frame)


def run_server(runtime: Runtime, log_level: str) -> None:
    settings = runtime.settings
    app = create_app(settings, runtime)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=log_level,
                            log_config=_log_config(log_level, settings.log_format),
                            timeout_graceful_shutdown=int(max(1, settings.shutdown_timeout_seconds)))
    _Server(config, app).run()


def _log_config(log_level: str, log_format: str) -> dict[str, Any]:
    """uvicorn's logging, with openreel's own loggers (workers, engines, webhooks, retention)
    printed the same way at the same level: otherwise only their warnings would show. As JSON,
    every line (uvicorn's access and error lines too) is one structured object."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["openreel"] = {"handlers": ["default"], "propagate": False,
                                     "level": LOG_LEVELS.get(log_level.lower(), logging.INFO)}
    if log_format == "json":
        config["formatters"] = {name: {"()": json_formatter} for name in config["formatters"]}
    return config
