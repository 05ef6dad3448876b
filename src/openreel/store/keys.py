"""KeyStore: API key records (hashes only, never the keys themselves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row

from openreel.store.clock import utcnow
from openreel.store.sql import SqlStore
from openreel.store.tables import api_keys


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    prefix: str
    project: str
    tier: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None
    # Not a secret (keys are random, so their hashes reveal nothing), but nothing to print either.
    key_hash: str = field(repr=False)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def _key_record(row: Row[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(row.id, row.prefix, row.project, row.tier, row.created_at, row.revoked_at,
                        row.expires_at, row.key_hash)


class KeyStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def add_api_key(self, key_id: str, key_hash: str, prefix: str, project: str, tier: str,
                    expires_at: datetime | None = None) -> None:
        with self.store.writing() as conn:
            conn.execute(api_keys.insert().values(id=key_id, key_hash=key_hash, prefix=prefix, project=project,
                                                  tier=tier, created_at=utcnow(), expires_at=expires_at))

    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        with self.store.reading() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)).first()
        return None if row is None else _key_record(row)

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        with self.store.reading() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return None if row is None else _key_record(row)

    def get_api_keys(self, key_ids: list[str]) -> list[ApiKeyRecord]:
        """The keys of these ids that exist, in one query."""
        with self.store.reading() as conn:
            return [_key_record(row) for row in conn.execute(select(api_keys).where(api_keys.c.id.in_(key_ids)))]

    def list_api_keys(self, project: str | None = None) -> list[ApiKeyRecord]:
        """Every key (of one project, when given), revoked and expired ones included, oldest first."""
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if project is not None:
            query = query.where(api_keys.c.project == project)
        with self.store.reading() as conn:
            rows = conn.execute(query).all()
        return [_key_record(row) for row in rows]

    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKeyRecord | None:
        """Set revoked_at unless it is already set; the key's record, or None when no key has that id."""
        with self.store.writing() as conn:
            conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                         .values(revoked_at=at))
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return None if row is None else _key_record(row)
