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

    def produce() -> None:
        try:
            for item in items:
                while not abandon.is_set():
                    try:
                        ready.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if abandon.is_set():
                    return
            ready.put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            ready.put(exc)

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
