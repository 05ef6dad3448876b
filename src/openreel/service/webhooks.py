"""WebhookService: the Gemini API's webhooks resource for the caller's project, and the
project's signing secret for per-request webhooks (webhookConfig)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openreel.auth import Principal
from openreel.domain.naming import is_resource_id, new_resource_id
from openreel.domain.webhooks import (SUBSCRIBABLE_EVENTS, Delivery, DeliveryAttempt, DeliveryState, EventType, Webhook,
                                      WebhookState)
from openreel.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from openreel.protocol.rpc import rfc3339
from openreel.store.clock import utcnow
from openreel.store.webhooks import WebhookStore
from openreel.webhooks.dispatcher import WebhookDispatcher
from openreel.webhooks.signing import new_message_id, new_signing_secret
from openreel.webhooks.ssrf import AddressPolicy

# After a rotation the old secret signs beside the new one for this long.
ROTATION_GRACE = timedelta(hours=24)
MAX_WEBHOOKS_PER_PROJECT = 20
_USER_STATES = (WebhookState.ENABLED, WebhookState.DISABLED)
_FIELDS = frozenset({"uri", "subscribedEvents", "subscribed_events", "state"})


class WebhookService:
    def __init__(self, store: WebhookStore, policy: AddressPolicy, dispatcher: WebhookDispatcher) -> None:
        self.store, self.policy, self.dispatcher = store, policy, dispatcher

    def create(self, principal: Principal, body: dict[str, Any]) -> tuple[Webhook, str]:
        """The new webhook and its signing secret, which is shown this once."""
        changes = self._read(body, creating=True)
        if len(self.store.list_for(principal.project)) >= MAX_WEBHOOKS_PER_PROJECT:
            raise FailedPrecondition(f"Project '{principal.project}' already has {MAX_WEBHOOKS_PER_PROJECT} "
                                     "webhooks, the most it may have: delete one first.")
        now = utcnow()
        webhook = Webhook(id=new_resource_id(), project=principal.project, uri=changes["uri"],
                          subscribed_events=changes.get("subscribed_events", (EventType.VIDEO_GENERATED,)),
                          state=changes.get("state", WebhookState.ENABLED), created_at=now, updated_at=now)
        secret = new_signing_secret()
        self.store.create(webhook, secret)
        return webhook, secret

    def list_for(self, principal: Principal) -> list[Webhook]:
        return self.store.list_for(principal.project)

    def get(self, principal: Principal, webhook_id: str) -> Webhook:
        webhook = self.store.get(principal.project, webhook_id) if is_resource_id(webhook_id) else None
        if webhook is None:
            raise NotFound(f"Webhook 'webhooks/{webhook_id}' was not found.")
        return webhook

    def update(self, principal: Principal, webhook_id: str, body: dict[str, Any]) -> Webhook:
        self.get(principal, webhook_id)
        updated = self.store.update(principal.project, webhook_id, **self._read(body, creating=False))
        if updated is None:
            raise NotFound(f"Webhook 'webhooks/{webhook_id}' was not found.")
        return updated

    def delete(self, principal: Principal, webhook_id: str) -> None:
        self.get(principal, webhook_id)
        if not self.store.delete(principal.project, webhook_id):
            raise NotFound(f"Webhook 'webhooks/{webhook_id}' was not found.")

    def rotate_secret(self, principal: Principal, webhook_id: str) -> tuple[Webhook, str]:
        webhook = self.get(principal, webhook_id)
        secret = new_signing_secret()
        self.store.rotate_secret(principal.project, webhook_id, secret, ROTATION_GRACE)
        return webhook, secret

    def ping(self, principal: Principal, webhook_id: str) -> tuple[Delivery, list[DeliveryAttempt]]:
        """Send one signed webhook.ping now and report how the endpoint answered (not retried,
        and not counted against the endpoint)."""
        webhook = self.get(principal, webhook_id)
        if webhook.state is not WebhookState.ENABLED:
            raise FailedPrecondition(f"Webhook 'webhooks/{webhook_id}' is {webhook.state.value}; enable it "
                                     "(PATCH state=enabled) before pinging it.")
        now = utcnow()
        payload = {"type": EventType.PING.value, "timestamp": rfc3339(now),
                   "data": {"webhook": f"webhooks/{webhook_id}"}}
        delivery = Delivery(id=new_message_id(), project=principal.project, operation_id=None, webhook_id=webhook_id,
                            uri=webhook.uri, event_type=EventType.PING, payload=payload, state=DeliveryState.PENDING,
                            attempts=0, next_attempt_at=None, last_status_code=None, last_error=None,
                            created_at=now, updated_at=now)
        self.store.enqueue(delivery)
        self.dispatcher.deliver(delivery, retry=False)
        return self.store.deliveries(principal.project, webhook_id=webhook_id, delivery_id=delivery.id)[0]

    def deliveries(self, principal: Principal, *, webhook_id: str | None = None,
                   operation_id: str | None = None) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
        """The delivery log of one of the caller's webhooks or operations, newest first."""
        if webhook_id is not None:
            self.get(principal, webhook_id)  # NotFound for another project's
        return self.store.deliveries(principal.project, webhook_id=webhook_id, operation_id=operation_id)

    def project_secret(self, project: str) -> str:
        return self.store.project_secret(project, new_signing_secret)

    def check_uri(self, uri: str, field: str) -> None:
        """400 naming the field unless webhooks may be sent to uri (scheme, host, address)."""
        if (problem := self._uri_problem(uri)) is not None:
            raise InvalidArgument.for_field(field, problem)

    def _uri_problem(self, uri: str) -> str | None:
        try:
            self.policy.check_url(uri)
        except ValueError as exc:
            return str(exc)
        return None

    def _read(self, body: dict[str, Any], creating: bool) -> dict[str, Any]:
        violations = [FieldViolation(name, "unknown field") for name in body if name not in _FIELDS]
        changes: dict[str, Any] = {}
        uri = body.get("uri")
        if uri is not None or creating:
            if not isinstance(uri, str) or not uri:
                violations.append(FieldViolation("uri", "required: the https:// URL to deliver events to"))
            elif (problem := self._uri_problem(uri)) is not None:
                violations.append(FieldViolation("uri", problem))
            else:
                changes["uri"] = uri
        events = body.get("subscribedEvents", body.get("subscribed_events"))
        if events is not None:
            known = [e.value for e in SUBSCRIBABLE_EVENTS]
            if not isinstance(events, list) or not events or any(e not in known for e in events):
                violations.append(FieldViolation("subscribedEvents", f"a non-empty list of {known}"))
            else:
                changes["subscribed_events"] = tuple(EventType(e) for e in dict.fromkeys(events))
        if "state" in body:
            allowed = [s.value for s in _USER_STATES]
            if body["state"] not in allowed:
                violations.append(FieldViolation("state", f"one of {allowed}"))
            else:
                changes["state"] = WebhookState(body["state"])
        if violations:
            raise InvalidArgument.from_violations(violations)
        return changes
