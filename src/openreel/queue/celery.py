"""CeleryQueue: dispatch through Celery on Redis (or RabbitMQ, or SQS, through Celery's own
transports) to `openreel worker` processes, one queue per model ("openreel.<model id>"), so a
worker consumes only the models it has loaded.

The settings are those for long GPU jobs:
- late acks: a message is acknowledged when its job has ended, not when it was received, so a
  worker that dies mid-job leaves it to be delivered again;
- no prefetch (multiplier 1): a busy worker does not sit on messages an idle one could run;
- a visibility timeout longer than the longest job: Redis hands an unacknowledged message to
  another worker only after it; handed on while its job still runs, it would be a wasted
  delivery (the store fences the job itself);
- task_reject_on_worker_lost, for Celery's prefork pool: a job whose child process died goes back
  to the queue. `openreel worker` runs jobs on threads; a worker process that dies is noticed by
  its lease expiring (worker/sweeper.py).

A message is only a token of work (queue/base.py): the store decides who runs what, so a
redelivered or duplicate message finds nothing left to claim and drops itself, and a lost one is
re-sent by the sweepers.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery

from kombu.utils.url import maybe_sanitize_url

log = logging.getLogger(__name__)

TASK_NAME = "openreel.run_operation"
QUEUE_PREFIX = "openreel."
# Sending a message waits this little for a broker that is away: the operation is in the store,
# and the sweepers send it again once the broker is back.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.0, "interval_step": 0.2, "interval_max": 0.5}


def queue_name(model: str) -> str:
    return QUEUE_PREFIX + model


def celery_app(broker_url: str, visibility_timeout_seconds: float) -> Celery:
    app = Celery("openreel", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Only Celery's prefork pool reads it (`openreel worker` runs jobs on threads): a child
        # must not fork a process that initialised CUDA.
        worker_pool_start_method="spawn",
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=queue_name("default"),
        task_publish_retry_policy=_PUBLISH_RETRY,
        broker_transport_options={"visibility_timeout": int(visibility_timeout_seconds),
                                  "socket_connect_timeout": 2, "socket_timeout": 5},
        broker_connection_retry_on_startup=True,
        # A worker keeps its connection's messages while it reconnects; the store fences any
        # job that another worker took meanwhile.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # For Flower and `celery events`: which worker runs what.
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
    )
    return app


class CeleryQueue:
    in_process = False

    def __init__(self, broker_url: str, visibility_timeout_seconds: float) -> None:
        self.broker = maybe_sanitize_url(broker_url)  # for log lines: never the password
        self.app = celery_app(broker_url, visibility_timeout_seconds)

    def dispatch(self, operation_id: str, model: str) -> bool:
        try:
            self.app.send_task(TASK_NAME, args=[operation_id, model], queue=queue_name(model))
        except Exception as exc:  # the broker is away: the sweepers send it again
            log.warning("could not queue %s at %s (%s); the sweeper will send it again",
                        operation_id, self.broker, type(exc).__name__)
            return False
        return True

    def backlog(self, model: str) -> int | None:
        """How many messages wait in the model's queue, or None when the broker cannot say."""
        try:
            with self.app.connection_for_write() as conn:
                declared: Any = conn.default_channel.queue_declare(queue_name(model), passive=True)
                return int(declared.message_count)
        except Exception:
            return None

    def wake_all(self) -> None:
        pass  # the consumers are other processes; a Celery worker stops on its own signals

    def close(self) -> None:
        self.app.close()
