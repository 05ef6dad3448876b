"""WebhookStore: webhook endpoints, signing secrets and the delivery outbox.

Deliveries of an operation's outcome are added inside the transaction that finishes the
operation (an outbox), so an event is recorded exactly when its cause is. Dispatchers, in any
number of processes, take due deliveries by moving their next attempt into the future with a
conditional update: two dispatchers never send one attempt twice at the same time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from openreel.domain.webhooks import Delivery, DeliveryAttempt, DeliveryState, EventType, Webhook, WebhookState
from openreel.store.clock import utcnow
from openreel.store.sql import SqlStore
from openreel.store.tables import operations, project_secrets, webhook_attempts, webhook_deliveries, webhooks


def _webhook(row: Row[Any]) -> Webhook:
    return Webhook(id=row.id, project=row.project, uri=row.uri,
                   subscribed_events=tuple(EventType(e) for e in row.subscribed_events),
                   state=WebhookState(row.state), created_at=row.created_at, updated_at=row.updated_at)


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(id=row.id, project=row.project, operation_id=row.operation_id, webhook_id=row.webhook_id,
                    uri=row.uri, event_type=EventType(row.event_type), payload=row.payload,
                    state=DeliveryState(row.state), attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                    last_status_code=row.last_status_code, last_error=row.last_error,
                    created_at=row.created_at, updated_at=row.updated_at)


def delivery_values(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "project": delivery.project, "operation_id": delivery.operation_id,
            "webhook_id": delivery.webhook_id, "uri": delivery.uri, "event_type": delivery.event_type.value,
            "payload": delivery.payload, "state": delivery.state.value, "attempts": delivery.attempts,
            "next_attempt_at": delivery.next_attempt_at, "created_at": delivery.created_at,
            "updated_at": delivery.updated_at}


class WebhookStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def trace_context_of(self, operation_id: str | None) -> str | None:
        """The traceparent of the operation a delivery reports on, so its delivery joins its trace."""
        if operation_id is None:
            return None
        with self.store.reading() as conn:
            found: str | None = conn.execute(select(operations.c.trace_context).where(
                operations.c.id == operation_id)).scalar_one_or_none()
        return found

    # -- endpoints ---------------------------------------------------------------------------

    def create(self, webhook: Webhook, secret: str) -> None:
        with self.store.writing() as conn:
            conn.execute(webhooks.insert().values(
                id=webhook.id, project=webhook.project, uri=webhook.uri,
                subscribed_events=[e.value for e in webhook.subscribed_events], state=webhook.state.value,
                signing_secret=secret, consecutive_failures=0, created_at=webhook.created_at,
                updated_at=webhook.updated_at))

    def get(self, project: str, webhook_id: str) -> Webhook | None:
        with self.store.reading() as conn:
            row = conn.execute(select(webhooks).where(webhooks.c.project == project,
                                                      webhooks.c.id == webhook_id)).first()
        return None if row is None else _webhook(row)

    def list_for(self, project: str) -> list[Webhook]:
        with self.store.reading() as conn:
            rows = conn.execute(select(webhooks).where(webhooks.c.project == project)
                                .order_by(webhooks.c.created_at, webhooks.c.id)).all()
        return [_webhook(row) for row in rows]

    def update(self, project: str, webhook_id: str, **changes: Any) -> Webhook | None:
        """Change uri, subscribed_events or state; enabling again forgets past failures."""
        values: dict[str, Any] = {"updated_at": utcnow()}
        if "uri" in changes:
            values["uri"] = changes["uri"]
        if "subscribed_events" in changes:
            values["subscribed_events"] = [e.value for e in changes["subscribed_events"]]
        if "state" in changes:
            values["state"] = changes["state"].value
            if changes["state"] is WebhookState.ENABLED:
                values["consecutive_failures"] = 0
        with self.store.writing() as conn:
            conn.execute(update(webhooks).where(webhooks.c.project == project, webhooks.c.id == webhook_id)
                         .values(**values))
            row = conn.execute(select(webhooks).where(webhooks.c.project == project,
                                                      webhooks.c.id == webhook_id)).first()
        return None if row is None else _webhook(row)

    def delete(self, project: str, webhook_id: str) -> bool:
        """Remove the endpoint; its deliveries still pending will not be sent."""
        now = utcnow()
        with self.store.writing() as conn:
            gone = conn.execute(webhooks.delete().where(webhooks.c.project == project,
                                                        webhooks.c.id == webhook_id)).rowcount == 1
            if gone:
                _give_up_pending(conn, webhook_id, "the webhook was deleted", now)
        return gone

    def rotate_secret(self, project: str, webhook_id: str, new_secret: str, grace: timedelta) -> bool:
        """Sign with new_secret from now on; the old one still signs beside it for `grace`, so
        receivers can switch without dropping an event."""
        now = utcnow()
        with self.store.writing() as conn:
            row = conn.execute(select(webhooks.c.signing_secret).where(
                webhooks.c.project == project, webhooks.c.id == webhook_id)).first()
            if row is None:
                return False
            conn.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(
                signing_secret=new_secret, previous_secret=row.signing_secret,
                previous_secret_expires_at=now + grace, updated_at=now))
        return True

    def endpoint(self, webhook_id: str) -> tuple[str, list[str]] | None:
        """Where a delivery to this webhook goes now and the secrets that sign it (two during a
        rotation), or None when the webhook was deleted or is not enabled: retries follow the
        endpoint as it is when they are sent, not as it was when the event happened."""
        with self.store.reading() as conn:
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
        if row is None or row.state != WebhookState.ENABLED.value:
            return None
        keep_previous = (row.previous_secret is not None and row.previous_secret_expires_at is not None
                         and row.previous_secret_expires_at > utcnow())
        return row.uri, [row.signing_secret, *([row.previous_secret] if keep_previous else [])]

    def project_secret(self, project: str, new_secret: Callable[[], str]) -> str:
        """The project's signing secret for per-request webhooks, made on first use. Two first
        uses at once (two dispatcher threads, or a dispatcher and the API) agree on one secret:
        the insert that loses the race reads the winner's."""
        query = select(project_secrets.c.signing_secret).where(project_secrets.c.project == project)
        with self.store.reading() as conn:
            found = conn.execute(query).scalar()
        if found is not None:
            return str(found)
        try:
            with self.store.writing() as conn:
                conn.execute(project_secrets.insert().values(project=project, signing_secret=new_secret(),
                                                             created_at=utcnow()))
        except IntegrityError:
            pass  # made meanwhile by another caller
        with self.store.reading() as conn:
            return str(conn.execute(query).scalar_one())

    # -- the outbox --------------------------------------------------------------------------

    @staticmethod
    def subscribers(conn: Connection, project: str, event: EventType) -> list[tuple[str, str]]:
        """(id, uri) of the project's enabled endpoints subscribed to the event, inside the
        finishing transaction."""
        rows = conn.execute(select(webhooks.c.id, webhooks.c.uri, webhooks.c.subscribed_events).where(
            webhooks.c.project == project, webhooks.c.state == WebhookState.ENABLED.value)).all()
        return [(row.id, row.uri) for row in rows if event.value in row.subscribed_events]

    @staticmethod
    def add_deliveries(conn: Connection, deliveries: list[Delivery]) -> None:
        if deliveries:
            conn.execute(webhook_deliveries.insert(), [delivery_values(d) for d in deliveries])

    def enqueue(self, delivery: Delivery) -> None:
        with self.store.writing() as conn:
            self.add_deliveries(conn, [delivery])

    def claim_due(self, limit: int, lease: timedelta) -> list[Delivery]:
        """Pending deliveries whose attempt is due, each pushed `lease` into the future so no
        other dispatcher takes it meanwhile (if this one dies, it is due again after the lease)."""
        now = utcnow()
        with self.store.reading() as conn:
            due = conn.execute(select(webhook_deliveries.c.id, webhook_deliveries.c.next_attempt_at).where(
                webhook_deliveries.c.state == DeliveryState.PENDING.value,
                webhook_deliveries.c.next_attempt_at <= now).order_by(
                webhook_deliveries.c.next_attempt_at).limit(limit)).all()
        claimed = []
        for delivery_id, was_due in due:
            with self.store.writing() as conn:
                taken = conn.execute(update(webhook_deliveries).where(
                    webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.next_attempt_at == was_due,
                    webhook_deliveries.c.state == DeliveryState.PENDING.value).values(
                    next_attempt_at=now + lease)).rowcount == 1
                if taken:
                    claimed.append(_delivery(conn.execute(select(webhook_deliveries).where(
                        webhook_deliveries.c.id == delivery_id)).one()))
        return claimed

    def record_attempt(self, delivery: Delivery, attempt: DeliveryAttempt, delivered: bool,
                       retry_at: datetime | None, disable_after: int | None) -> None:
        """Log the attempt and settle what follows: delivered, retried at retry_at, or failed for
        good (retry_at None). An endpoint whose deliveries failed for good `disable_after` times
        in a row is disabled, and its pending deliveries with it (disable_after None: the attempt
        does not count, as for a ping)."""
        now = attempt.at
        state = DeliveryState.DELIVERED if delivered else (
            DeliveryState.PENDING if retry_at is not None else DeliveryState.FAILED)
        with self.store.writing() as conn:
            # Only while this dispatcher's claim holds: the delivery is still pending with the
            # next attempt time its claim set. Given up meanwhile (its webhook deleted or
            # disabled) or claimed again after a lapse, the outcome is no longer this attempt's.
            settled = conn.execute(update(webhook_deliveries).where(
                webhook_deliveries.c.id == delivery.id, webhook_deliveries.c.state == DeliveryState.PENDING.value,
                _same_time(webhook_deliveries.c.next_attempt_at, delivery.next_attempt_at)).values(
                state=state.value, attempts=attempt.attempt, next_attempt_at=retry_at if not delivered else None,
                last_status_code=attempt.status_code, last_error=attempt.error, updated_at=now)).rowcount == 1
            if not settled:
                return
            conn.execute(webhook_attempts.insert().values(
                delivery_id=delivery.id, attempt=attempt.attempt, at=attempt.at, status_code=attempt.status_code,
                error=attempt.error, duration_ms=attempt.duration_ms))
            if delivery.webhook_id is None or disable_after is None:
                return  # a per-request webhook, or a ping: no endpoint's record to keep
            if delivered:
                conn.execute(update(webhooks).where(webhooks.c.id == delivery.webhook_id)
                             .values(consecutive_failures=0))
            elif state is DeliveryState.FAILED:
                # A delivery fails for good only after its whole schedule (more than a day) of
                # retries: a short outage, however many events it delays, disables nothing.
                conn.execute(update(webhooks).where(webhooks.c.id == delivery.webhook_id)
                             .values(consecutive_failures=webhooks.c.consecutive_failures + 1))
                failures = conn.execute(select(webhooks.c.consecutive_failures).where(
                    webhooks.c.id == delivery.webhook_id)).scalar()
                if failures is not None and failures >= disable_after:
                    conn.execute(update(webhooks).where(
                        webhooks.c.id == delivery.webhook_id, webhooks.c.state == WebhookState.ENABLED.value).values(
                        state=WebhookState.DISABLED_DUE_TO_FAILED_DELIVERIES.value, updated_at=now))
                    _give_up_pending(conn, delivery.webhook_id, "the webhook was disabled after failed deliveries",
                                     now)

    def give_up(self, delivery: Delivery, reason: str) -> None:
        """Fail a claimed delivery for good without an attempt (its endpoint is gone or off)."""
        with self.store.writing() as conn:
            conn.execute(update(webhook_deliveries).where(
                webhook_deliveries.c.id == delivery.id, webhook_deliveries.c.state == DeliveryState.PENDING.value,
                _same_time(webhook_deliveries.c.next_attempt_at, delivery.next_attempt_at)).values(
                state=DeliveryState.FAILED.value, next_attempt_at=None, last_error=reason, updated_at=utcnow()))

    def deliveries(self, project: str, *, operation_id: str | None = None, webhook_id: str | None = None,
                   delivery_id: str | None = None, limit: int = 100) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
        """The delivery log, newest first, with every attempt of each delivery."""
        query = select(webhook_deliveries).where(webhook_deliveries.c.project == project)
        if delivery_id is not None:
            query = query.where(webhook_deliveries.c.id == delivery_id)
        if operation_id is not None:
            query = query.where(webhook_deliveries.c.operation_id == operation_id)
        if webhook_id is not None:
            query = query.where(webhook_deliveries.c.webhook_id == webhook_id)
        query = query.order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id).limit(limit)
        with self.store.reading() as conn:
            rows = conn.execute(query).all()
            ids = [row.id for row in rows]
            attempts: dict[str, list[DeliveryAttempt]] = {}
            if ids:
                for a in conn.execute(select(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(ids))
                                      .order_by(webhook_attempts.c.attempt)):
                    attempts.setdefault(a.delivery_id, []).append(
                        DeliveryAttempt(a.attempt, a.at, a.status_code, a.error, a.duration_ms))
        return [(_delivery(row), attempts.get(row.id, [])) for row in rows]


def _same_time(column: Any, value: datetime | None) -> Any:
    return column.is_(None) if value is None else column == value


def _give_up_pending(conn: Connection, webhook_id: str, reason: str, now: datetime) -> None:
    conn.execute(update(webhook_deliveries).where(
        webhook_deliveries.c.webhook_id == webhook_id,
        webhook_deliveries.c.state == DeliveryState.PENDING.value).values(
        state=DeliveryState.FAILED.value, next_attempt_at=None, last_error=reason, updated_at=now))
