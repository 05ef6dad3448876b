"""Webhooks as data: the Gemini API's webhook resource, events, and outbox deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from openreel.domain.operation import OperationState, Surface


class WebhookState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    DISABLED_DUE_TO_FAILED_DELIVERIES = "disabled_due_to_failed_deliveries"


class EventType(StrEnum):
    VIDEO_GENERATED = "video.generated"  # Gemini's own event
    VIDEO_FAILED = "video.failed"  # openreel's (Google sends no event for these), and OpenAI's
    VIDEO_CANCELLED = "video.cancelled"
    VIDEO_COMPLETED = "video.completed"  # OpenAI's, for videos made through /v1/videos
    INTERACTION_COMPLETED = "interaction.completed"  # the Interactions API's
    INTERACTION_FAILED = "interaction.failed"
    PING = "webhook.ping"  # what :ping sends

    @classmethod
    def for_outcome(cls, state: OperationState, surface: Surface) -> EventType:
        """The event of an outcome, named as the front the operation was made through names it:
        an endpoint receives only the events (and so the payload shapes) it subscribed to."""
        if surface is Surface.OPENAI:  # OpenAI's videos are completed or failed (a cancelled one failed)
            return cls.VIDEO_COMPLETED if state is OperationState.SUCCEEDED else cls.VIDEO_FAILED
        if surface is Surface.INTERACTIONS:
            return cls.INTERACTION_COMPLETED if state is OperationState.SUCCEEDED else cls.INTERACTION_FAILED
        return {OperationState.SUCCEEDED: cls.VIDEO_GENERATED, OperationState.FAILED: cls.VIDEO_FAILED,
                OperationState.CANCELLED: cls.VIDEO_CANCELLED}[state]


SUBSCRIBABLE_EVENTS = (EventType.VIDEO_GENERATED, EventType.VIDEO_FAILED, EventType.VIDEO_CANCELLED,
                       EventType.VIDEO_COMPLETED, EventType.INTERACTION_COMPLETED, EventType.INTERACTION_FAILED)


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
