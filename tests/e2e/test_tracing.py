"""One trace per operation: the create request's span, the queue wait, the worker's run with its
generate, encode, upload and finish stages, and the webhook delivery, collected by OpenTelemetry's
in-memory exporter; the receiver gets the trace's traceparent header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.gates import MODEL, Gates, gated_body
from tests.inprocess import InProcessServer, explicit_settings
from tests.webhook_receiver import WebhookReceiver

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"
_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    # OpenTelemetry allows one global provider per process: the first test that needs one sets it.
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    return _EXPORTER


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver()
    yield running
    running.close()


def test_one_operation_is_one_trace_from_submit_to_webhook(tmp_path_factory: pytest.TempPathFactory,
                                                           exporter: InMemorySpanExporter,
                                                           receiver: WebhookReceiver) -> None:
    root = tmp_path_factory.mktemp("tracing")
    gates = Gates(root / "gates")
    settings = explicit_settings(root / "data", catalog_path=gates.write_catalog(root / "catalog.json"),
                                 webhook_allowlist="127.0.0.1")
    with InProcessServer(settings) as app:
        http = app.client(app.create_key(project="traced"))
        exporter.clear()
        created = gated_body("traced", samples=2)
        created["webhookConfig"] = {"uris": [receiver.url]}
        name = http.post(CREATE, json=created).json()["name"]
        gates.open("traced", 0)
        gates.open("traced", 1)
        app.wait_done(http, f"/v1beta/{name}")
        [delivery] = receiver.wait_for("video.generated")
    spans = [s for s in exporter.get_finished_spans() if s.name.startswith("openreel.")]
    [submit] = [s for s in spans if s.name == "openreel.submit"]
    assert submit.context is not None and submit.attributes is not None
    assert submit.attributes["model"] == MODEL and submit.attributes["project"] == "traced"
    trace_id = submit.context.trace_id
    ours = [s for s in spans if s.context is not None and s.context.trace_id == trace_id]
    assert len(ours) == len(spans), "every span of the operation is in its trace"

    def named(name: str) -> list[ReadableSpan]:
        return [s for s in ours if s.name == name]

    [queue], [run], [generate], [finish], [webhook] = (named(n) for n in (
        "openreel.queue", "openreel.run", "openreel.generate", "openreel.finish", "openreel.webhook"))
    assert len(named("openreel.encode")) == 2 and len(named("openreel.upload")) == 2  # one per sample
    # Parents: submit <- queue, run; run <- generate, encode, upload, finish; submit <- webhook.
    for child in (queue, run, webhook):
        assert child.parent is not None and child.parent.span_id == submit.context.span_id
    for child in (generate, *named("openreel.encode"), *named("openreel.upload"), finish):
        assert child.parent is not None and run.context is not None and child.parent.span_id == run.context.span_id
    # In order: the queue wait starts at the create and ends at the claim; the stages follow.
    assert submit.start_time is not None and submit.end_time is not None and queue.start_time is not None
    assert submit.start_time <= queue.start_time <= submit.end_time
    order = [queue, generate, named("openreel.encode")[0], named("openreel.upload")[0],
             named("openreel.encode")[1], named("openreel.upload")[1], finish, webhook]
    starts = [s.start_time or 0 for s in order]
    assert starts == sorted(starts)
    # The receiver can continue the trace.
    assert delivery.headers["traceparent"].split("-")[1] == f"{trace_id:032x}"
