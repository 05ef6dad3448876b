"""How long the upstream engine waits after a remote's 429 or 503: at least what the remote asked
(google.rpc.RetryInfo or Retry-After, in seconds or as an HTTP date), else growing exponentially
with jitter, never past the entry's cap."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from openreel.engines.upstream import UpstreamEngine
from openreel.engines.upstream.remote import remote_error

OPTIONS = {"surface": "gemini", "api_key": "k", "remote_model": "veo-3.1-generate-preview",
           "first_backoff_seconds": 2.0, "max_backoff_seconds": 60.0}


def _answer(status: int, headers: dict[str, str] | None = None, details: list[dict[str, str]] | None = None,
            ) -> httpx.Response:
    body = {"error": {"code": status, "status": "RESOURCE_EXHAUSTED", "message": "slow down", "details": details or []}}
    return httpx.Response(status, headers=headers, json=body)


def _in_90_seconds() -> str:
    # Built when the test runs, not when it is collected: a full run can reach this test minutes later.
    return email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)


@pytest.mark.parametrize(("answer", "asked"), [
    (_answer(429, details=[{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"}]), 12.5),
    (_answer(503, headers={"Retry-After": "7"}), 7.0),
    (lambda: _answer(429, headers={"Retry-After": _in_90_seconds()}), 90.0),
    (_answer(429, headers={"Retry-After": "inf"}), None),
    (_answer(429, details=[{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1000000000000s"}]),
     86400.0),
    (_answer(429, headers={"Retry-After": "soon"}), None),
    (_answer(429, headers={"Retry-After": "-5"}), 0.0),
    (_answer(429), None),
])
def test_the_wait_the_remote_asked_for_is_read_from_retry_info_or_retry_after(
        answer: httpx.Response | Callable[[], httpx.Response], asked: float | None) -> None:
    error = remote_error(answer() if callable(answer) else answer)
    assert error.retryable and error.status == "RESOURCE_EXHAUSTED" and error.message == "slow down"
    # (An HTTP date has whole seconds, and the test takes a moment to run: up to 2 s less.)
    assert error.retry_after == (None if asked is None else pytest.approx(asked - 1, abs=1))


def test_backoff_grows_with_jitter_up_to_the_cap_and_never_undercuts_the_remote() -> None:
    engine = UpstreamEngine(OPTIONS)
    waits = [[engine._backoff(retry, None) for retry in range(8)] for _ in range(20)]
    for retry in range(5):
        assert all(2.0 * 2**retry * 0.5 <= run[retry] <= 2.0 * 2**retry for run in waits)
    assert all(run[7] <= 60.0 for run in waits)
    assert len({run[0] for run in waits}) > 1  # jittered: workers told to wait do not return in lockstep
    assert all(engine._backoff(0, 45.0) >= 45.0 for _ in range(20))
