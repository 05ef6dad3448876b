"""Which deliveries an operation's outcome makes, and what they say.

The payload follows Standard Webhooks' recommended envelope, {"type", "timestamp", "data"} (an
OpenAI video's is OpenAI's event, {"id", "object", "created_at", "type", "data": {"id"}}). It is
stored without video URLs: the dispatcher adds each video's `uri` when it sends, so that a
presigned URL is fresh on every attempt rather than expired by the fifth retry a day later."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from openreel.billing.report import usage_metadata
from openreel.domain.naming import vertex_gcs_uri
from openreel.domain.operation import Operation, Surface
from openreel.domain.webhooks import Delivery, DeliveryState, EventType
from openreel.protocol import interactions, openai_videos
from openreel.protocol.rpc import operation_error, rfc3339
from openreel.store.webhooks import WebhookStore
from openreel.webhooks.signing import new_message_id


def outcome_payload(op: Operation, event: EventType) -> dict[str, Any]:
    """The event in the shape of the front the operation was made through: OpenAI's event for a
    /v1/videos video, an interaction event for an interaction, else openreel's own."""
    if op.surface is Surface.OPENAI:
        return openai_videos.event(op, event_id="evt_" + op.id)
    if op.surface is Surface.INTERACTIONS:
        return interactions.event(op)
    data: dict[str, Any] = {"name": op.name, "model": op.model, "state": op.state.value, "done": True,
                            "createTime": rfc3339(op.created_at)}
    if op.finished_at is not None:
        data["finishTime"] = rfc3339(op.finished_at)
    videos = []
    for video in op.videos:
        entry: dict[str, Any] = {"fileId": video.id, "mimeType": video.mime_type, "sizeBytes": video.size_bytes}
        if op.request.storage_uri:
            entry["gcsUri"] = vertex_gcs_uri(op.request.storage_uri, op.id, video.sample_index)
        if op.files_expire_at is not None:
            entry["expireTime"] = rfc3339(op.files_expire_at)
        videos.append(entry)
    data["videos"] = videos
    if op.error is not None:
        data["error"] = operation_error(op.error.grpc_code, op.error.message)
    if op.request.webhook is not None and op.request.webhook.user_metadata:
        data["userMetadata"] = op.request.webhook.user_metadata
    if op.usage is not None:
        data["usage"] = usage_metadata(op.usage)
    return {"type": event.value, "timestamp": rfc3339(op.finished_at or op.updated_at), "data": data}


def outcome_deliveries(conn: Connection, op: Operation) -> list[Delivery]:
    """One delivery per endpoint that wants this outcome: the project's webhooks subscribed to
    the event, and every URI of the request's own webhookConfig."""
    event = EventType.for_outcome(op.state, op.surface)
    payload = outcome_payload(op, event)
    now = op.finished_at or op.updated_at
    targets: list[tuple[str | None, str]] = list(WebhookStore.subscribers(conn, op.project, event))
    if op.request.webhook is not None:
        targets += [(None, uri) for uri in op.request.webhook.uris]
    return [Delivery(id=new_message_id(), project=op.project, operation_id=op.id, webhook_id=webhook_id, uri=uri,
                     event_type=event, payload=payload, state=DeliveryState.PENDING, attempts=0,
                     next_attempt_at=now, last_status_code=None, last_error=None, created_at=now, updated_at=now)
            for webhook_id, uri in targets]


class WebhookOutbox:
    """A finish listener (SqlStore.finish_listeners): the outcome's deliveries are written in the
    transaction that finishes the operation, so none is lost and none is sent for an outcome that
    did not happen."""

    def __call__(self, conn: Connection, op: Operation) -> None:
        WebhookStore.add_deliveries(conn, outcome_deliveries(conn, op))
