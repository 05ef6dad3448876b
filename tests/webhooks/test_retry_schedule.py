from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openreel.settings import Settings
from openreel.webhooks.retry_schedule import RetrySchedule

# The schedule a server uses unless OPENREEL_WEBHOOK_RETRY_SECONDS says otherwise.
DEFAULT = RetrySchedule.from_seconds(
    Settings.model_fields["webhook_retry_seconds"].get_default(call_default_factory=True))
RETRY_DELAYS = DEFAULT.delays


def next_attempt_delay(failed_attempts: int, rng: random.Random | None = None) -> timedelta | None:
    return DEFAULT.next_delay(failed_attempts, rng)


def test_default_schedule_starts_fast_and_grows() -> None:
    assert RETRY_DELAYS[0] == timedelta(seconds=5)
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)
    assert DEFAULT.max_attempts == len(RETRY_DELAYS) + 1


def test_default_schedule_retries_for_more_than_a_day_even_with_shortest_jitter() -> None:
    assert DEFAULT.shortest_span > timedelta(hours=24)
    rng = random.Random(1)
    total = timedelta(0)
    attempt = 1
    while (delay := next_attempt_delay(attempt, rng)) is not None:
        total += delay
        attempt += 1
    assert total > timedelta(hours=24)
    assert attempt == DEFAULT.max_attempts


@given(failed=st.integers(min_value=1, max_value=len(RETRY_DELAYS)), seed=st.integers())
def test_jittered_delay_stays_within_twenty_percent(failed: int, seed: int) -> None:
    delay = next_attempt_delay(failed, random.Random(seed))
    nominal = RETRY_DELAYS[failed - 1]
    assert delay is not None
    assert nominal * 0.8 <= delay <= nominal * 1.2


def test_jitter_spreads_delays() -> None:
    rng = random.Random(7)
    assert len({next_attempt_delay(3, rng) for _ in range(20)}) == 20


def test_exhausted_schedule_returns_none() -> None:
    assert next_attempt_delay(len(RETRY_DELAYS)) is not None
    assert next_attempt_delay(len(RETRY_DELAYS) + 1) is None
    assert next_attempt_delay(100) is None


def test_custom_fast_schedule_without_jitter_is_exact() -> None:
    fast = RetrySchedule([timedelta(milliseconds=10), timedelta(milliseconds=20)], jitter=0)
    assert [fast.next_delay(n) for n in (1, 2, 3)] == [timedelta(milliseconds=10), timedelta(milliseconds=20), None]
    assert fast.max_attempts == 3


@pytest.mark.parametrize("failed", [0, -1])
def test_failed_attempts_below_one_is_an_error(failed: int) -> None:
    with pytest.raises(ValueError):
        DEFAULT.next_delay(failed)


@pytest.mark.parametrize(
    ("delays", "jitter"),
    [([timedelta(seconds=1)], 1.0), ([timedelta(seconds=1)], -0.1), ([timedelta(seconds=-1)], 0.2)],
)
def test_invalid_schedule_is_refused(delays: list[timedelta], jitter: float) -> None:
    with pytest.raises(ValueError):
        RetrySchedule(delays, jitter)
