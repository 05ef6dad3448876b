"""prefetch(): items arrive in order, errors cross the thread, and closing never hangs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from openreel.concurrency import prefetch

# A hang detector, not a timing assertion: a healthy close returns in milliseconds.
HANG_SECONDS = 10


def _returns(action: Callable[[], None]) -> bool:
    """Run `action` in a daemon thread; False if it is still running after HANG_SECONDS."""
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    return not thread.is_alive()


def test_yields_every_item_in_order() -> None:
    assert list(prefetch(range(200), 3)) == list(range(200))


def test_an_empty_source_ends_at_once() -> None:
    assert list(prefetch([], 1)) == []


def test_an_error_in_the_source_reaches_the_consumer_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 0
        yield 1
        raise ValueError("frame 2 failed")

    received: list[int] = []
    with pytest.raises(ValueError, match="frame 2 failed"):
        for item in prefetch(failing(), 1):
            received.append(item)
    assert received == [0, 1]


def test_closing_after_the_source_is_exhausted_returns() -> None:
    # The repro. Whether it hung depended on a race; the next test pins the bad order.
    def repro() -> None:
        g = prefetch(iter([0, 1]), 1)
        assert next(g) == 0
        g.close()

    assert _returns(repro), "closing prefetch() hung"


def test_closing_while_the_end_marker_waits_for_room_returns() -> None:
    exhausted = threading.Event()

    def source() -> Iterator[int]:
        yield 0
        yield 1  # fills the queue (depth 1) while the consumer holds 0
        exhausted.set()  # the producer's next step is handing over the end marker

    def repro() -> None:
        g = prefetch(source(), 1)
        assert next(g) == 0
        assert exhausted.wait(HANG_SECONDS)
        g.close()

    assert _returns(repro), "closing prefetch() hung"


def test_closing_while_an_error_waits_for_room_returns() -> None:
    failing = threading.Event()

    def source() -> Iterator[int]:
        yield 0
        yield 1
        failing.set()
        raise ValueError("late failure")

    def repro() -> None:
        g = prefetch(source(), 1)
        assert next(g) == 0
        assert failing.wait(HANG_SECONDS)
        g.close()

    assert _returns(repro), "closing prefetch() hung"


def test_closing_an_endless_source_returns() -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            yield n
            n += 1

    def repro() -> None:
        g = prefetch(endless(), 2)
        assert [next(g) for _ in range(5)] == [0, 1, 2, 3, 4]
        g.close()

    assert _returns(repro), "closing prefetch() hung"
