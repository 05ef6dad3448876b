"""Work dispatch. The database is the authority on state; a queue only says "look for work"."""

from openreel.queue.base import WorkQueue, queue_from_url
from openreel.queue.local import LocalQueue

__all__ = ["LocalQueue", "WorkQueue", "queue_from_url"]
