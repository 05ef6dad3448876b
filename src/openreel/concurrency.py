"""prefetch(): run an iterator ahead in a background thread, so two pipeline stages (say
rendering and encoding) use two cores. PIL, numpy and FFmpeg release the GIL in their loops."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetch(items: Iterable[T], depth: int) -> Iterator[T]:
    """Yield what `items` yields, computed up to `depth` items ahead in a thread. An exception
    in the thread is re-raised here; closing this generator stops the thread."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    abandon = threading.Event()

    def put(item: object) -> bool:
        # Every hand-over gives up once the consumer is gone: it joins this thread on close, so
        # a put that waited for room in a queue nobody reads would hang it forever.
        while not abandon.is_set():
            try:
                ready.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        abandon.set()
        thread.join()
