"""Webhooks as data: the Gemini API's webhook resource, events, and outbox deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from openreel.domain.operation import OperationState


class WebhookState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    DISABLED_DUE_TO_FAILED_DELIVERIES = "disabled_due_to_failed_deliveries"


class EventType(StrEnum):
    VIDEO_GENERATED = "video.generated"  # Gemini's own event
    VIDEO_FAILED = "video.failed"  # openreel's: Google sends no event for these
    VIDEO_CANCELLED = "video.cancelled"
    PING = "webhook.ping"  # what :ping sends

    @classmethod
    def for_outcome(cls, state: OperationState) -> EventType:
        return {OperationState.SUCCEEDED: cls.VIDEO_GENERATED, OperationState.FAILED: cls.VIDEO_FAILED,
                OperationState.CANCELLED: cls.VIDEO_CANCELLED}[state]


SUBSCRIBABLE_EVENTS = (EventType.VIDEO_GENERATED, EventType.VIDEO_FAILED, EventType.VIDEO_CANCELLED)


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class Webhook:
    id: str
    project: str
    uri: str
    subscribed_events: tuple[EventType, ...]
    state: WebhookState
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One event for one endpoint: its id is the webhook-id header, the same on every retry."""

    id: str
    project: str
    operation_id: str | None
    webhook_id: str | None  # None: a per-request webhook (webhookConfig), signed with the project's secret
    uri: str
    event_type: EventType
    payload: dict[str, Any]
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DeliveryAttempt:
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
