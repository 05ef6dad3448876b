"""LimitStore: an operator's custom rate limits, one row per subject ("project:P" or "key:ID").

A row's `limits` is a JSON object over the tier's limits: a name present with null means no limit
at all, a name left out keeps the tier's value (quota/limits.py reads and checks them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from openreel.store.clock import utcnow
from openreel.store.sql import SqlStore
from openreel.store.tables import custom_limits

LimitValues = dict[str, int | None]


class LimitStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def set(self, subject: str, limits: LimitValues) -> None:
        """Replace the subject's limits (an empty dict keeps a row that overrides nothing)."""
        values = {"limits": dict(limits), "updated_at": utcnow()}
        try:
            with self.store.writing() as conn:
                changed = conn.execute(update(custom_limits).where(custom_limits.c.subject == subject)
                                       .values(**values))
                if changed.rowcount == 0:
                    conn.execute(custom_limits.insert().values(subject=subject, **values))
        except IntegrityError:  # a concurrent first set inserted the row: this one updates it
            with self.store.writing() as conn:
                conn.execute(update(custom_limits).where(custom_limits.c.subject == subject).values(**values))

    def get(self, subject: str) -> LimitValues | None:
        """The subject's limits, or None when it has none of its own."""
        return self.get_many([subject]).get(subject)

    def get_many(self, subjects: Iterable[str]) -> dict[str, LimitValues]:
        """The limits of those of `subjects` that have any, in one query."""
        with self.store.reading() as conn:
            rows = conn.execute(select(custom_limits.c.subject, custom_limits.c.limits)
                                .where(custom_limits.c.subject.in_(list(subjects)))).all()
        return {row.subject: _values(row.limits) for row in rows}

    def clear(self, subject: str) -> bool:
        """Forget the subject's limits; whether it had any."""
        with self.store.writing() as conn:
            return bool(conn.execute(delete(custom_limits).where(custom_limits.c.subject == subject)).rowcount)

    def list(self) -> dict[str, LimitValues]:
        """Every subject's limits, by subject."""
        with self.store.reading() as conn:
            rows = conn.execute(select(custom_limits.c.subject, custom_limits.c.limits)
                                .order_by(custom_limits.c.subject)).all()
        return {row.subject: _values(row.limits) for row in rows}


def _values(raw: Any) -> LimitValues:
    # Written only through quota/limits.py, which checks every value; anything else found here (a
    # row edited by hand) is dropped rather than trusted.
    if not isinstance(raw, dict):
        return {}
    return {name: value for name, value in raw.items()
            if value is None or (type(value) is int and value >= 0)}
