"""WorkQueue: how the API and the sweepers tell workers that an operation is ready to run.

The database is the authority on state: an operation is QUEUED in the store before any message
about it exists, and a worker runs it only after claiming it there (a lease and a fencing token).
A message only says "an operation of model M is ready" (naming the one it was sent for, for the
logs and Flower); the worker that receives it claims the oldest queued operation of M, as the
embedded workers do, so one handed back after its worker died goes first. Each queued operation
is sent one message, so a model's workers get as many messages as it has queued operations.
Losing a message delays the work until a sweeper sends another (worker/sweeper.py); delivering
one twice, or late, is harmless: the extra delivery finds nothing left to claim and drops itself.

Two implementations:
- LocalQueue (queue/local.py): in-process wake-ups for the embedded deployment's worker threads,
  which poll the store anyway;
- CeleryQueue (queue/celery.py): Celery on Redis (or RabbitMQ, or SQS), one queue per model, for
  `openreel worker` processes on other machines.
"""

from __future__ import annotations

from typing import Protocol

LOCAL_URLS = ("", "local", "local://", "memory://")


class WorkQueue(Protocol):
    @property
    def in_process(self) -> bool:
        """True when this process's own worker threads are the consumers (the embedded mode)."""

    def dispatch(self, operation_id: str, model: str) -> bool:
        """Say that the operation is ready for a worker serving `model`. False when the message
        could not be sent (the broker is away): the caller leaves it to the sweepers."""

    def backlog(self, model: str) -> int | None:
        """How many messages wait for the model's workers, or None when the queue cannot say."""

    def wake_all(self) -> None:
        """Wake this process's waiting consumers (it is shutting down)."""

    def close(self) -> None: ...


def queue_from_url(url: str, visibility_timeout_seconds: float) -> WorkQueue:
    """The queue an OPENREEL_QUEUE_URL names: empty (or local://) for in-process workers; a
    Celery broker URL (redis://, rediss://, amqp://, sqs://) for worker processes anywhere.
    `visibility_timeout_seconds` must be longer than the longest job (see queue/celery.py)."""
    if url.strip() in LOCAL_URLS:
        from openreel.queue.local import LocalQueue
        return LocalQueue()
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss", "amqp", "amqps", "pyamqp", "sqs"):
        try:
            from openreel.queue.celery import CeleryQueue
        except ImportError as exc:
            raise ValueError(f"OPENREEL_QUEUE_URL names a Celery broker, and Celery is not installed ({exc.name}): "
                             f"pip install 'openreel[scale]'") from None
        return CeleryQueue(url, visibility_timeout_seconds)
    raise ValueError(f"OPENREEL_QUEUE_URL must be empty (in-process workers) or a Celery broker URL "
                     f"(redis://, rediss://, amqp://, sqs://), not a {scheme}:// URL")
