"""WebhookDispatcher: sends due outbox deliveries, signed, and settles each attempt.

Runs as a thread in every `openreel serve` process (several may share one database: claiming a
delivery is a conditional update, see store/webhooks.py). Deliveries survive restarts because
they live in the database; an attempt cut off by a crash is due again once its claim lapses, so
a receiver may see a message twice and must drop duplicates by its `webhook-id`, as Standard
Webhooks asks of every receiver (at least once, never at most once)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any

import httpx

from openreel.domain.webhooks import Delivery, DeliveryAttempt
from openreel.observability.metrics import Metrics
from openreel.observability.logs import log_context
from openreel.observability.tracing import active as tracing_active
from openreel.observability.tracing import continued, current_traceparent, span
from openreel.store.clock import utcnow
from openreel.store.webhooks import WebhookStore
from openreel.webhooks.retry_schedule import RetrySchedule
from openreel.webhooks.sender import send
from openreel.webhooks.signing import new_signing_secret, signed_headers

log = logging.getLogger(__name__)
PARALLEL_SENDS = 8


class WebhookDispatcher:
    def __init__(self, webhooks: WebhookStore, link_for: Callable[[str], str | None], client: httpx.Client,
                 schedule: RetrySchedule, disable_after: int, poll_seconds: float, timeout_seconds: float,
                 metrics: Metrics) -> None:
        self.metrics = metrics
        # link_for(file_id): a URL the receiver can fetch the video from (None once it expired).
        self.webhooks, self.link_for, self.client, self.schedule = webhooks, link_for, client, schedule
        self.disable_after, self.poll_seconds, self.timeout_seconds = disable_after, poll_seconds, timeout_seconds
        # Long enough for a send to finish (and its outcome to be recorded) before another
        # dispatcher may take the same delivery.
        self.claim_lease = timedelta(seconds=timeout_seconds * 2 + 5)
        self.wake = threading.Event()

    def run_forever(self, stopping: threading.Event) -> None:
        """Claim due deliveries as sending threads come free, so a slow receiver holds one thread
        for at most one attempt's deadline and never the others' deliveries."""
        in_flight: set[Future[None]] = set()
        with ThreadPoolExecutor(PARALLEL_SENDS, thread_name_prefix="webhook-send") as pool:
            while not stopping.is_set():
                due = self._claim(PARALLEL_SENDS - len(in_flight)) if len(in_flight) < PARALLEL_SENDS else []
                in_flight |= {pool.submit(self.deliver, delivery) for delivery in due}
                if due:
                    continue
                if in_flight:
                    _, in_flight = wait(in_flight, timeout=self.poll_seconds, return_when=FIRST_COMPLETED)
                else:
                    self.wake.wait(self.poll_seconds)
                    self.wake.clear()

    def _claim(self, limit: int) -> list[Delivery]:
        try:
            return self.webhooks.claim_due(limit, self.claim_lease)
        except Exception as exc:  # the database is away: try again later
            log.warning("webhooks: cannot read the outbox (%s)", exc)
            return []

    def deliver(self, delivery: Delivery, retry: bool = True) -> None:
        """One attempt, in its operation's trace: sign and send, then record the outcome and when
        to try again (never, and not counted against the endpoint, when not `retry`: a ping)."""
        trace_context = None
        if tracing_active():  # else no span is kept, and the lookup would be a query for nothing
            try:
                trace_context = self.webhooks.trace_context_of(delivery.operation_id)
            except Exception:  # the database is away: the attempt below fails and is retried anyway
                pass
        # The operation's name where the payload carries it (openreel's own shape), else its id.
        operation = delivery.payload.get("data", {}).get("name") or delivery.operation_id
        with log_context(operation=operation, project=delivery.project), continued(trace_context), \
                span("openreel.webhook", event=delivery.event_type.value, attempt=delivery.attempts + 1):
            self._attempt(delivery, retry)

    def _attempt(self, delivery: Delivery, retry: bool) -> None:
        try:
            if delivery.webhook_id is None:
                uri, secrets = delivery.uri, [self.webhooks.project_secret(delivery.project, new_signing_secret)]
            elif (endpoint := self.webhooks.endpoint(delivery.webhook_id)) is not None:
                uri, secrets = endpoint
            else:
                self.webhooks.give_up(delivery, "the webhook was deleted or disabled")
                return
            body = json.dumps(self._with_links(delivery.payload), separators=(",", ":")).encode()
            sent_at = utcnow()
            headers = signed_headers(secrets, delivery.id, sent_at, body)
            if (traceparent := current_traceparent()) is not None:
                headers["traceparent"] = traceparent  # the receiver may continue the trace
            outcome = send(self.client, uri, body, headers,
                           deadline_seconds=self.timeout_seconds)
            attempt = delivery.attempts + 1
            retry_at = None
            # An address the SSRF guard refuses will not become allowed by waiting.
            if not outcome.ok and retry and not (outcome.error or "").startswith("blocked"):
                delay = self.schedule.next_delay(attempt)
                if delay is not None and outcome.retry_after is not None:
                    # A receiver may ask for more time, never for less: "Retry-After: 1" on every
                    # answer must not squeeze a day of retries into seconds.
                    delay = max(delay, outcome.retry_after)
                retry_at = None if delay is None else sent_at + delay
                log.info("webhook %s to %s: attempt %d failed (%s)%s", delivery.id, delivery.webhook_id or "request",
                         attempt, outcome.error, "" if retry_at else "; giving up")
            self.webhooks.record_attempt(
                delivery, DeliveryAttempt(attempt, sent_at, outcome.status_code, outcome.error, outcome.duration_ms),
                outcome.ok, retry_at, self.disable_after if retry else None)
            if retry:  # a ping tests an endpoint for its owner: its failure is no lost event
                self._count(outcome.ok, retry_at is not None)
        except Exception:  # the claim lapses and the delivery is tried again
            log.exception("webhook %s: delivery attempt could not be made", delivery.id)

    def _count(self, ok: bool, will_retry: bool) -> None:
        """An attempt's outcome: delivered, failed with a retry due, or failed for good."""
        self.metrics.webhook_deliveries.labels("delivered" if ok else "retrying" if will_retry else "gave_up").inc()
        if not ok:
            self.metrics.error("webhook")

    def _with_links(self, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload.get("data", {})
        videos = data.get("videos")
        if not videos:
            return payload
        linked = []
        for video in videos:
            url = self.link_for(video["fileId"])
            linked.append(video if url is None else {**video, "uri": url})
        return {**payload, "data": {**data, "videos": linked}}
