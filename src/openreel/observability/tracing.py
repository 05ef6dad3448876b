"""OpenTelemetry traces: one trace per operation, from the create request through the queue, the
worker's run (generate, encode, upload, finish) to its webhook deliveries, across processes.

The create request's span context is stored on the operation as a W3C traceparent
(Operation.trace_context); the worker that claims it, in whichever process, continues that trace,
and so does the webhook dispatcher, which also sends the traceparent header to the receiver.

Optional: without the `openreel[otel]` extra nothing here costs more than a function call. With
it, `configure_tracing()` exports over OTLP/HTTP (protobuf) when the standard variables ask for it
(OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_TRACES_EXPORTER,
OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED), and the exporter reads the rest
(headers, timeout, compression, certificates) itself. A collector's gRPC port is not spoken: point
the endpoint at its HTTP receiver (4318). A host application that installed its own tracer
provider (or a test's in-memory exporter) gets the spans as they are.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
except ImportError:  # the extra is not installed: every call below is a no-op
    trace = None  # type: ignore[assignment]

TRACER_NAME = "openreel"


def active() -> bool:
    """Whether spans are kept: a tracer provider was installed (ours, the host's, a test's)."""
    return trace is not None and not isinstance(trace.get_tracer_provider(),
                                                 (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


@contextmanager
def span(name: str, start: datetime | None = None, **attributes: Any) -> Iterator[None]:
    """A span around the block, child of the current one; `start` backdates it (the queue wait)."""
    if trace is None:
        yield
        return
    start_ns = None if start is None else int(start.timestamp() * 1e9)
    with trace.get_tracer(TRACER_NAME).start_as_current_span(
            name, start_time=start_ns, attributes={k: v for k, v in attributes.items() if v is not None}):
        yield


def current_traceparent() -> str | None:
    """The current span's context as a W3C traceparent, to store with what is made in it."""
    if trace is None or not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def continued(traceparent: str | None) -> Iterator[None]:
    """Make the stored traceparent the current context for the block (nothing when None)."""
    if trace is None or not traceparent:
        yield
        return
    token = otel_context.attach(TraceContextTextMapPropagator().extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        otel_context.detach(token)


def configure_tracing(default_service_name: str) -> bool:
    """Install an SDK tracer provider exporting over OTLP (or to the console) when the OTEL_*
    variables ask for one and the extra is installed; True when it did."""
    wanted = os.environ.get("OTEL_TRACES_EXPORTER", "").lower()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true" or wanted == "none" or not (wanted or endpoint):
        return False
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
    except ImportError:
        log.warning("OTEL_* variables ask for traces, but the extra is not installed: pip install 'openreel[otel]'")
        return False
    exporter: SpanExporter
    if wanted == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; only when neither names
    # the service (the SDK then says "unknown_service") does ours apply.
    resource = Resource.create()
    service = str(resource.attributes.get("service.name", ""))
    if service.startswith("unknown_service"):
        service = default_service_name
        resource = resource.merge(Resource({"service.name": service}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    log.info("tracing: exporting spans of %s (%s)", service, wanted or f"otlp to {endpoint}")
    return True


def shutdown_tracing() -> None:
    """Flush the spans still buffered (a process that exits must not drop its last traces)."""
    if trace is None:
        return
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()
