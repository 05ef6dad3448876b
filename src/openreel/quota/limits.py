"""Custom limits (the seed guide's "Enterprise: Custom"): an operator's rate limits for one project
or one key, over the key's tier. For each limit, a key's own value wins over its project's, which
wins over the tier's; a value of None means no limit at all.

LimitResolver answers every create call's "what are this caller's limits?", so it remembers each
answer for LIMITS_CACHE_SECONDS instead of querying the database each time. A change made through
this resolver (the admin API of this server) applies at once here; a change made elsewhere (the
CLI, another replica) applies within LIMITS_CACHE_SECONDS."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping

from openreel.auth import PROJECT_ID_RULE, Principal, Tier, is_project_id
from openreel.errors import FieldViolation, InvalidArgument
from openreel.quota.tiers import TierLimits
from openreel.store.limits import LimitStore, LimitValues

LIMITS_CACHE_SECONDS = 5.0
_CACHE_ENTRIES = 10_000
LIMIT_NAMES = tuple(f.name for f in dataclasses.fields(TierLimits))


def project_subject(project: str) -> str:
    return f"project:{project}"


def checked_project_subject(project: str) -> str:
    """project_subject for a project an operator typed: InvalidArgument unless a key could have it."""
    if not is_project_id(project):
        raise InvalidArgument.for_field("project", f"use {PROJECT_ID_RULE}")
    return project_subject(project)


def key_subject(key_id: str) -> str:
    return f"key:{key_id}"


def check_limits(values: Mapping[str, object]) -> LimitValues:
    """`values` as custom limits, or InvalidArgument naming every unknown name and bad value.
    A limit is a whole number >= 0 (0 refuses every request) or None (no limit)."""
    violations = []
    for name, value in values.items():
        if name not in LIMIT_NAMES:
            violations.append(FieldViolation(name, f"unknown limit; use one of {', '.join(LIMIT_NAMES)}"))
        elif value is not None and not (type(value) is int and value >= 0):
            violations.append(FieldViolation(name, "must be a whole number >= 0, or null for no limit"))
    if violations:
        raise InvalidArgument.from_violations(violations)
    return {name: value for name, value in values.items() if value is None or isinstance(value, int)}


def apply_limits(base: TierLimits, *layers: LimitValues | None) -> TierLimits:
    """`base` with each layer's values put over it, later layers winning."""
    for layer in layers:
        if layer:
            base = dataclasses.replace(base, **{n: v for n, v in layer.items() if n in LIMIT_NAMES})
    return base


class LimitResolver:
    """Effective limits per caller (cached), and the place custom limits are changed."""

    def __init__(self, store: LimitStore, tiers: Mapping[Tier, TierLimits]) -> None:
        self.store = store
        self.tiers = dict(tiers)
        self._known: dict[tuple[Tier, str, str | None], tuple[float, TierLimits]] = {}
        self._lock = threading.Lock()
        # Bumped by every change: an answer read before a change is not remembered after it.
        self._generation = 0

    def for_principal(self, principal: Principal) -> TierLimits:
        """The caller's limits: its tier's, then its project's custom limits, then its key's."""
        cache_key = (principal.tier, principal.project, principal.key_id)
        entry = self._known.get(cache_key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        generation = self._generation
        limits = self.resolve(principal)
        with self._lock:
            if len(self._known) >= _CACHE_ENTRIES:
                self._known.clear()
            if generation == self._generation:
                self._known[cache_key] = (time.monotonic() + LIMITS_CACHE_SECONDS, limits)
        return limits

    def resolve(self, principal: Principal) -> TierLimits:
        """for_principal, read now (one query), not from the cache."""
        subjects = [project_subject(principal.project)]
        if principal.key_id is not None:
            subjects.append(key_subject(principal.key_id))
        found = self.store.get_many(subjects)
        return apply_limits(self.tiers[principal.tier], *(found.get(s) for s in subjects))

    def get(self, subject: str) -> LimitValues:
        """The subject's own custom limits ({} when it has none), read now, not from the cache."""
        return self.store.get(subject) or {}

    def update(self, subject: str, changes: Mapping[str, object]) -> LimitValues:
        """Set the named limits of a subject, keeping its others; its limits afterwards. Two
        simultaneous updates of one subject: the last one wins (operators' edits are rare)."""
        checked = check_limits(changes)
        merged = {**self.get(subject), **checked}
        self.store.set(subject, merged)
        self._forget()
        return merged

    def replace(self, subject: str, limits: Mapping[str, object]) -> LimitValues:
        """Set exactly these limits for a subject: any other falls back to the next layer."""
        checked = check_limits(limits)
        if checked:
            self.store.set(subject, checked)
        else:
            self.store.clear(subject)
        self._forget()
        return checked

    def clear(self, subject: str) -> bool:
        """Remove the subject's custom limits; whether it had any."""
        had = self.store.clear(subject)
        self._forget()
        return had

    def _forget(self) -> None:
        # One change can touch many cached callers (every key of a project): start afresh.
        with self._lock:
            self._generation += 1
            self._known.clear()
