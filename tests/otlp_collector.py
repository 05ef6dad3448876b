"""An OpenTelemetry collector stand-in on a loopback port: it accepts OTLP/HTTP trace exports
(protobuf, as the SDK's OTLP exporter sends them) and keeps every span with its service name."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2


@dataclass(frozen=True)
class ExportedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a root span
    start_ns: int


class OtlpCollector:
    def __init__(self) -> None:
        self.spans: list[ExportedSpan] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                collector._add(trace_service_pb2.ExportTraceServiceRequest.FromString(body))
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _add(self, request: trace_service_pb2.ExportTraceServiceRequest) -> None:
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                self.spans += [ExportedSpan(attributes.get("service.name", ""), s.name, s.trace_id.hex(),
                                            s.span_id.hex(), s.parent_span_id.hex(), s.start_time_unix_nano)
                               for s in scope_spans.spans]

    def wait_for(self, name: str, count: int = 1, timeout: float = 60) -> list[ExportedSpan]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := [s for s in self.spans if s.name == name]) >= count:
                return found
            time.sleep(0.1)
        raise TimeoutError(f"{count} span(s) {name} not exported in {timeout} s; got {[s.name for s in self.spans]}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
