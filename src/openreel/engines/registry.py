"""Find engines through the `openreel.engines` entry-point group and keep one instance each."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points
from typing import Any

from openreel.engines.base import Engine
from openreel.errors import FailedPrecondition

ENTRY_POINT_GROUP = "openreel.engines"


def available_engines() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


class EngineRegistry:
    """Loads each engine class lazily (heavy engines import torch only when first used)."""

    def __init__(self) -> None:
        self._instances: dict[tuple[str, str], Engine] = {}
        self._lock = threading.Lock()

    def get(self, name: str, options: dict[str, Any]) -> Engine:
        key = (name, repr(sorted(options.items())))
        with self._lock:
            if key not in self._instances:
                matches = entry_points(group=ENTRY_POINT_GROUP, name=name)
                if not matches:
                    raise FailedPrecondition(
                        f"engine '{name}' is not installed; installed engines: "
                        f"{', '.join(available_engines()) or 'none'}")
                engine_class = next(iter(matches)).load()
                self._instances[key] = engine_class(options)
            return self._instances[key]
