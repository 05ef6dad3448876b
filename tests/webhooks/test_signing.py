from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from openreel.webhooks.signing import new_message_id, new_signing_secret, signed_headers

BODY = json.dumps({"type": "operation.completed", "data": {"name": "models/veo/operations/abc"}}).encode()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_new_secret_is_whsec_prefixed_base64_of_at_least_24_bytes() -> None:
    secret = new_signing_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24
    assert new_signing_secret() != secret


def test_new_message_id_is_msg_prefixed_and_unique() -> None:
    ids = {new_message_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("msg_") and len(i) > 20 for i in ids)


def test_headers_carry_id_and_unix_timestamp() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc)
    headers = signed_headers([new_signing_secret()], "msg_1", moment, BODY)
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_receiver_holding_either_rotation_secret_verifies() -> None:
    old, new = new_signing_secret(), new_signing_secret()
    headers = signed_headers([old, new], new_message_id(), _now(), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert all(part.startswith("v1,") for part in headers["webhook-signature"].split(" "))
    for secret in (old, new):
        assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)


def test_tampered_body_fails_verification() -> None:
    secret = new_signing_secret()
    headers = signed_headers([secret], new_message_id(), _now(), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"completed", b"failed"), headers)


def test_wrong_secret_fails_verification() -> None:
    headers = signed_headers([new_signing_secret()], new_message_id(), _now(), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(BODY, headers)


def test_body_bytes_are_signed_exactly_including_non_ascii() -> None:
    body = json.dumps({"prompt": "café ☕"}, ensure_ascii=False).encode()
    secret = new_signing_secret()
    headers = signed_headers([secret], new_message_id(), _now(), body)
    assert Webhook(secret).verify(body, headers) == {"prompt": "café ☕"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(json.dumps({"prompt": "café ☕"}).encode(), headers)  # same JSON, other bytes


def test_non_utc_timestamp_signs_the_same_instant() -> None:
    secret = new_signing_secret()
    moment = _now().astimezone(timezone(timedelta(hours=-7)))
    headers = signed_headers([secret], new_message_id(), moment, BODY)
    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    Webhook(secret).verify(BODY, headers)


def test_signature_made_at_enqueue_time_goes_stale_so_sign_per_attempt() -> None:
    secret = new_signing_secret()
    headers = signed_headers([secret], new_message_id(), _now() - timedelta(minutes=10), BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


@pytest.mark.parametrize(
    ("secrets", "moment", "body"),
    [
        ([], _now(), BODY),
        (["whsec_" + base64.b64encode(b"k" * 24).decode()], datetime(2026, 1, 1), BODY),
        ([new_signing_secret()], _now(), b"\xff\xfe not utf-8"),
    ],
    ids=["no-secrets", "naive-timestamp", "not-utf8"],
)
def test_bad_inputs_raise_value_error(secrets: list[str], moment: datetime, body: bytes) -> None:
    with pytest.raises(ValueError):
        signed_headers(secrets, "msg_1", moment, body)
