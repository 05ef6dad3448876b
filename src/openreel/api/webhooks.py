"""The Gemini API's webhooks resource (/v1beta/webhooks) and the delivery logs: per webhook, and
per operation for the per-request webhooks of webhookConfig."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from openreel.api.deps import PrincipalDep, RuntimeDep, gemini_version
from openreel.domain.webhooks import Delivery, DeliveryAttempt, Webhook
from openreel.protocol.rpc import rfc3339

router = APIRouter(tags=["Webhooks"])
Version = Annotated[str, Depends(gemini_version)]
JsonObject = Annotated[dict[str, Any], Body()]


def _time(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def webhook_json(webhook: Webhook, new_secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"webhooks/{webhook.id}", "uri": webhook.uri,
                            "subscribedEvents": [e.value for e in webhook.subscribed_events],
                            "state": webhook.state.value, "createTime": _time(webhook.created_at),
                            "updateTime": _time(webhook.updated_at)}
    if new_secret is not None:
        body["newSigningSecret"] = new_secret  # shown in this one answer; GET never shows it
    return body


def delivery_json(delivery: Delivery, attempts: list[DeliveryAttempt]) -> dict[str, Any]:
    return {"id": delivery.id, "event": delivery.event_type.value, "uri": delivery.uri,
            "webhook": None if delivery.webhook_id is None else f"webhooks/{delivery.webhook_id}",
            "operation": delivery.operation_id, "state": delivery.state.value,
            "nextAttemptTime": _time(delivery.next_attempt_at), "createTime": _time(delivery.created_at),
            "attempts": [{"attempt": a.attempt, "time": _time(a.at), "statusCode": a.status_code,
                          "error": a.error, "durationMs": a.duration_ms} for a in attempts]}


@router.post("/{version}/webhooks")
def create_webhook(version: Version, body: JsonObject, principal: PrincipalDep,
                   runtime: RuntimeDep) -> dict[str, Any]:
    webhook, secret = runtime.webhooks.create(principal, body)
    return webhook_json(webhook, secret)


@router.get("/{version}/webhooks")
def list_webhooks(version: Version, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return {"webhooks": [webhook_json(w) for w in runtime.webhooks.list_for(principal)]}


@router.get("/{version}/webhooks/{webhook_id}")
def get_webhook(version: Version, webhook_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    return webhook_json(runtime.webhooks.get(principal, webhook_id))


@router.patch("/{version}/webhooks/{webhook_id}")
def update_webhook(version: Version, webhook_id: str, body: JsonObject, principal: PrincipalDep,
                   runtime: RuntimeDep) -> dict[str, Any]:
    return webhook_json(runtime.webhooks.update(principal, webhook_id, body))


@router.delete("/{version}/webhooks/{webhook_id}")
def delete_webhook(version: Version, webhook_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    runtime.webhooks.delete(principal, webhook_id)
    return {}


@router.post("/{version}/webhooks/{webhook_id}:ping")
def ping_webhook(version: Version, webhook_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Sends one signed webhook.ping now; the answer says how the endpoint replied."""
    delivery, attempts = runtime.webhooks.ping(principal, webhook_id)
    return {"delivery": delivery_json(delivery, attempts)}


@router.post("/{version}/webhooks/{webhook_id}:rotateSigningSecret")
def rotate_signing_secret(version: Version, webhook_id: str, principal: PrincipalDep,
                          runtime: RuntimeDep) -> dict[str, Any]:
    """A new secret, shown once; the old one keeps signing beside it for a day."""
    webhook, secret = runtime.webhooks.rotate_secret(principal, webhook_id)
    return webhook_json(webhook, secret)


@router.get("/{version}/webhooks/{webhook_id}/deliveries")
def webhook_deliveries(version: Version, webhook_id: str, principal: PrincipalDep,
                       runtime: RuntimeDep) -> dict[str, Any]:
    log = runtime.webhooks.deliveries(principal, webhook_id=webhook_id)
    return {"deliveries": [delivery_json(d, a) for d, a in log]}


@router.get("/{version}/operations/{operation_id}/webhookDeliveries")
def operation_deliveries(version: Version, operation_id: str, principal: PrincipalDep,
                         runtime: RuntimeDep) -> dict[str, Any]:
    op = runtime.operations.get(principal, operation_id)
    log = runtime.webhooks.deliveries(principal, operation_id=op.id)
    return {"deliveries": [delivery_json(d, a) for d, a in log]}


@router.get("/{version}/webhooks:signingSecret")
def project_signing_secret(version: Version, principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    """The secret that signs the project's per-request webhooks (webhookConfig, webhook_url)."""
    return {"project": principal.project, "signingSecret": runtime.webhooks.project_secret(principal.project)}
