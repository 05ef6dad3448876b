"""Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com) for outgoing deliveries.

A delivery carries `webhook-id` (the same on every retry of one message, so receivers can drop
duplicates), `webhook-timestamp` (the moment of this attempt: receivers refuse signatures older
than five minutes, so sign at send time, never at enqueue time) and `webhook-signature`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from secrets import token_bytes, token_urlsafe

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_signing_secret() -> str:
    """A fresh secret, `whsec_` + base64 of 32 random bytes (HMAC-SHA256's key size)."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    """A unique `webhook-id`: `msg_` + 24 URL-safe random characters. Make one per message, not per attempt."""
    return "msg_" + token_urlsafe(18)


def signed_headers(secrets: Sequence[str], message_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for sending `body` exactly as given.

    `webhook-signature` holds one `v1,<base64>` per secret, space-separated: during a rotation the
    old and the new secret both sign, and a receiver holding either one verifies. `timestamp` must be
    timezone-aware. Raises ValueError for no secrets, a naive timestamp, a body that is not UTF-8
    (the spec signs text) or a secret that is not base64.
    """
    if not secrets:
        raise ValueError("at least one signing secret is needed")
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    # Webhook.sign() *replaces* the zone with UTC rather than converting, so an aware non-UTC time
    # would be signed as the wrong instant; converting first makes header and signature agree.
    moment = timestamp.astimezone(timezone.utc)
    text = body.decode("utf-8")  # strict: the receiver verifies these exact bytes as text
    signatures = [Webhook(secret).sign(message_id, moment, text) for secret in secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
