"""Find engines through the `openreel.engines` entry-point group and keep one instance per model
entry, loaded once and kept loaded between jobs (a pipeline's weights stay on its GPU)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import EntryPoint, entry_points

from openreel.engines.base import Engine
from openreel.engines.capabilities import Capabilities
from openreel.engines.catalog import ModelSpec
from openreel.errors import FailedPrecondition, OpenreelError

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "openreel.engines"


def available_engines() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


class EngineRegistry:
    """Engine classes load lazily, and building one is cheap (the contract keeps heavy imports
    and weights for load()), so the API process can ask any model for its capabilities."""

    def __init__(self) -> None:
        self._instances: dict[tuple[str, str], Engine] = {}
        self._load_locks: dict[tuple[str, str], threading.Lock] = {}
        self._running: dict[tuple[str, str], int] = {}  # jobs in progress per instance
        # What the last load of each instance did: True (loaded), or why it failed (readiness).
        self._load_results: dict[tuple[str, str], bool | str] = {}
        self._lock = threading.Lock()

    def engine(self, spec: ModelSpec) -> Engine:
        key = _key(spec)
        with self._lock:
            if key not in self._instances:
                matches = entry_points(group=ENTRY_POINT_GROUP, name=spec.engine)
                if not matches:
                    raise FailedPrecondition(
                        f"Model {spec.id}: engine '{spec.engine}' is not installed; installed engines: "
                        f"{', '.join(available_engines()) or 'none'}")
                with _naming(spec):
                    self._instances[key] = _built(spec, next(iter(matches)))
            return self._instances[key]

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """What the model can make: its engine's capabilities within its catalog entry's limits.
        FailedPrecondition, naming the model, when it cannot serve: one broken entry must not
        break listing or using the others."""
        engine = self.engine(spec)
        with _naming(spec):
            try:
                capabilities = engine.capabilities().narrowed(spec.limits)
            except OpenreelError:
                raise
            except Exception as exc:  # an engine's bug, or an option it did not check
                log.exception("engine %s could not declare the capabilities of %s", spec.engine, spec.id)
                raise FailedPrecondition(f"engine '{spec.engine}' cannot serve this entry: "
                                         f"{type(exc).__name__}: {exc}") from None
            empty = [name for name, values in (("durations", capabilities.durations),
                                               ("resolutions", capabilities.resolutions),
                                               ("aspect ratios", capabilities.aspect_ratios)) if not values]
            if empty:
                raise FailedPrecondition(f"its catalog entry leaves no {' and no '.join(empty)} the engine "
                                         "can make; widen the entry's limits or fix the engine's options")
            return capabilities

    def loaded(self, spec: ModelSpec) -> Engine:
        """The model's engine, loaded (the first caller loads it; others wait for that)."""
        engine = self.engine(spec)
        key = _key(spec)
        with self._lock:
            loading = self._load_locks.setdefault(key, threading.Lock())
        with loading, _naming(spec):
            try:
                engine.load()
            except Exception as exc:
                self._load_results[key] = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                raise
        self._load_results[key] = True
        return engine

    def load_result(self, spec: ModelSpec) -> bool | str | None:
        """True once the model's engine loaded, the reason its last load failed, or None: not tried."""
        return self._load_results.get(_key(spec))

    def try_begin(self, spec: ModelSpec) -> bool:
        """Take one of the model's engine's job slots (max_concurrent_jobs); False when they are
        all taken. A worker takes one right after its claim, and hands the claim back without
        one: a job waiting for a busy pipeline would use up its deadline and a worker."""
        try:
            self.engine(spec)  # built now, so that its limit counts from the first claim
        except FailedPrecondition:
            pass  # the run fails the operation, saying why
        key = _key(spec)
        with self._lock:
            if self._full(key):
                return False
            self._running[key] = self._running.get(key, 0) + 1
            return True

    def end(self, spec: ModelSpec) -> None:
        """Give back the slot try_begin took."""
        with self._lock:
            self._running[_key(spec)] -= 1

    def at_capacity(self, specs: list[ModelSpec]) -> list[str]:
        """The ids among `specs` whose engine already runs as many jobs as it can take, so that a
        worker claims other work instead."""
        with self._lock:
            return [spec.id for spec in specs if self._full(_key(spec))]

    def _full(self, key: tuple[str, str]) -> bool:
        """Whether the instance runs its max_concurrent_jobs already (caller holds the lock)."""
        engine = self._instances.get(key)
        limit = None if engine is None else getattr(engine, "max_concurrent_jobs", None)
        return limit is not None and self._running.get(key, 0) >= limit

    def close(self) -> None:
        """Free every engine's resources (at process exit)."""
        with self._lock:
            engines = list(self._instances.values())
        for engine in engines:
            try:
                engine.close()
            except Exception:  # one engine failing to close must not keep the others loaded
                log.exception("closing engine %s failed", engine.name)


def _built(spec: ModelSpec, entry_point: EntryPoint) -> Engine:
    """The entry point's engine built with the entry's options; FailedPrecondition for a plugin
    that cannot be imported or built, or that was written for the first engine contract."""
    try:
        engine: Engine = entry_point.load()(spec.options)
    except OpenreelError:
        raise
    except Exception as exc:
        log.exception("engine %s could not be built for %s", spec.engine, spec.id)
        raise FailedPrecondition(f"engine '{spec.engine}' could not be built: {type(exc).__name__}: {exc}") from None
    missing = [name for name in ("capabilities", "load", "close", "generate", "enhance_prompt")
               if not callable(getattr(engine, name, None))]
    if missing:
        raise FailedPrecondition(f"engine '{spec.engine}' lacks {', '.join(missing)}: it was written for the "
                                 "first engine contract (see openreel.engines.base)")
    return engine


@contextmanager
def _naming(spec: ModelSpec) -> Iterator[None]:
    """An engine's FailedPrecondition names what to fix; this adds which model it is about."""
    try:
        yield
    except FailedPrecondition as exc:
        raise FailedPrecondition(f"Model {spec.id}: {exc.message}") from None


def _key(spec: ModelSpec) -> tuple[str, str]:
    # Entries with the same engine and options share one instance (and one copy of the weights).
    return spec.engine, repr(sorted(spec.options.items()))
