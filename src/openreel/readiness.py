"""Readiness: can this process serve work right now? The database takes a write, the storage
takes a blob and has room, and (where this process runs workers) its workers are alive. Each
check says why it failed; `/readyz` answers 503 with the reasons, `/healthz` stays a plain
liveness probe."""

from __future__ import annotations

from dataclasses import dataclass

from openreel.errors import OpenreelError
from openreel.runtime import Runtime


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""


def check_readiness(runtime: Runtime) -> list[Check]:
    return [_database(runtime), _storage(runtime), _workers(runtime)]


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
    if wanted == 0:
        return Check("workers", True, "API-only replica: no in-process workers")
    if runtime.stopping.is_set():
        return Check("workers", False, "shutting down")
    live = runtime.pool.live_workers if runtime.pool is not None else 0
    if live == 0:
        return Check("workers", False, f"none of {wanted} worker(s) is running")
    return Check("workers", True, f"{live} of {wanted} running")
