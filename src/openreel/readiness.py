"""Readiness: can this process serve work right now? The database takes a write, the storage
takes a blob and has room, and (where this process runs workers) its workers are alive. Each
check says why it failed; `/readyz` answers 503 with the reasons, `/healthz` stays a plain
liveness probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openreel.errors import OpenreelError
from openreel.runtime import Runtime


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""


def check_readiness(runtime: Runtime) -> list[Check]:
    return [_database(runtime), _storage(runtime), _workers(runtime), _engines(runtime), _safety(runtime)]


def readiness_body(checks: list[Check]) -> tuple[bool, dict[str, Any]]:
    """Whether every check passed, and the JSON body /readyz answers with."""
    ready = all(check.ok for check in checks)
    return ready, {"status": "ready" if ready else "unavailable",
                   "checks": {c.name: {"ok": c.ok, **({"reason": c.reason} if c.reason else {})} for c in checks}}


def _database(runtime: Runtime) -> Check:
    try:
        runtime.store.check_writable()
    except OpenreelError as exc:
        return Check("database", False, exc.message)
    return Check("database", True)


def _storage(runtime: Runtime) -> Check:
    try:
        runtime.storage.check_free_space(runtime.settings.min_free_disk_bytes)
        runtime.storage.check_writable()
    except OpenreelError as exc:
        return Check("storage", False, exc.message)
    return Check("storage", True)


def _workers(runtime: Runtime) -> Check:
    wanted = runtime.settings.workers
    if runtime.stopping.is_set() and runtime.runs_engines:
        return Check("workers", False, "shutting down")
    if wanted == 0:
        return Check("workers", True, "a worker process: its Celery consumer runs the jobs" if runtime.runs_engines
                     else "API-only replica: no in-process workers")
    live = runtime.pool.live_workers if runtime.pool is not None else 0
    if live == 0:
        return Check("workers", False, f"none of {wanted} worker(s) is running")
    return Check("workers", True, f"{live} of {wanted} running")


def _engines(runtime: Runtime) -> Check:
    """The models this process preloads (OPENREEL_WORKER_MODELS) must have loaded: a worker whose
    model failed to load serves nothing. Otherwise models load on first use, and one that cannot
    serve (its engine or weights missing) is reported, not a reason to take the replica out."""
    served = runtime.settings.served_models
    if served and runtime.runs_engines:
        problems = []
        for model_id in served:
            result = runtime.engines.load_result(runtime.catalog.get(model_id))
            if result is None:
                problems.append(f"{model_id} is loading")
            elif result is not True:
                problems.append(f"{model_id} could not be loaded: {result}")
        if problems:
            return Check("engines", False, "; ".join(problems))
        return Check("engines", True, f"loaded: {', '.join(served)}")
    unavailable = [info for info in runtime.models.all() if info.unavailable]
    total = len(runtime.catalog.all())
    reason = f"{total - len(unavailable)} of {total} models can serve; models load on first use"
    if unavailable:
        reason += "; unavailable: " + "; ".join(f"{i.spec.id} ({i.unavailable})" for i in unavailable[:3]) + (
            f" and {len(unavailable) - 3} more" if len(unavailable) > 3 else "")
    return Check("engines", True, reason)


def _safety(runtime: Runtime) -> Check:
    """Which safety layers run here. A missing optional model leaves the rule layer, which always
    runs, and is said here; a model that is installed and failed to load takes the process out
    (its creates answer 503 rather than go unchecked)."""
    failure = runtime.safety.failure
    if failure is not None:
        return Check("safety", False, failure)
    return Check("safety", True, "; ".join(runtime.safety.layers.notes))
