"""Work dispatch. The database is the authority on state; a queue only says "look for work"."""

from openreel.queue.local import LocalQueue

__all__ = ["LocalQueue"]
