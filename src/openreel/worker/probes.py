"""The HTTP endpoints of an `openreel worker` process, on OPENREEL_METRICS_PORT: /metrics for
Prometheus, /healthz and /readyz for an orchestrator's probes (the same checks as the API's: the
database, the storage, and the models this worker preloads)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from openreel.readiness import check_readiness, readiness_body
from openreel.runtime import Runtime

StartResponse = Callable[..., Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never holds the process at exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # probes come every few seconds: their access lines would drown the worker's log


def serve_probes(runtime: Runtime, host: str, port: int) -> WSGIServer:
    """Serve in a daemon thread until .shutdown()."""
    metrics = make_wsgi_app(runtime.metrics.registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "ok"})
        if path == "/readyz":
            ready, body = readiness_body(check_readiness(runtime))
            return _json(start_response, 200 if ready else 503, body)
        return metrics(environ, start_response)  # type: ignore[no-any-return]

    server = make_server(host, port, app, _ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
    return server


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
