"""KeyService: create, list and revoke API keys, and resolve a presented key to the calling Principal.

Every request presents a key, and most requests are polls, so resolved keys are remembered in
process for KEY_CACHE_SECONDS: a key revoked in the database stops working within that time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from openreel.auth import PROJECT_ID_RULE, NewKey, Principal, Tier, hash_key, is_project_id, new_key
from openreel.errors import InvalidArgument, NotFound, Unauthenticated
from openreel.protocol.rpc import error_info
from openreel.store.sql import ApiKeyRecord, SqlStore

KEY_CACHE_SECONDS = 10.0
_KEY_CACHE_ENTRIES = 10_000


class KeyService:
    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._known: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def create(self, project: str, tier: Tier) -> NewKey:
        if not is_project_id(project):
            raise InvalidArgument.for_field("project", f"use {PROJECT_ID_RULE}")
        key = new_key()
        self.store.add_api_key(key.id, key.hash, key.prefix, project, tier.value)
        return key

    def list_keys(self) -> list[ApiKeyRecord]:
        """Every key, revoked ones included, oldest first. Records hold no secret: only hashes are stored."""
        return self.store.list_api_keys()

    def revoke(self, key_id: str) -> ApiKeyRecord:
        """Revoke a key by its id (revoking it again changes nothing); NotFound when no key has it.
        Servers that resolved the key less than KEY_CACHE_SECONDS ago accept it until then."""
        record = self.store.revoke_api_key(key_id, datetime.now(UTC))
        if record is None:
            raise NotFound(f"No API key has the id '{key_id}'.")
        return record

    def cached(self, presented: str) -> Principal | None:
        """The Principal for a key resolved less than KEY_CACHE_SECONDS ago, without I/O."""
        entry = self._known.get(hash_key(presented))
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def authenticate(self, presented: str) -> Principal:
        digest = hash_key(presented)
        record = self.store.find_api_key(digest)
        if record is None:
            raise Unauthenticated("API key not valid. Please pass a valid API key.",
                                  details=[error_info("API_KEY_INVALID")])
        if record.revoked_at is not None:
            # 401, like an unknown key: a revoked key no longer identifies anyone.
            raise Unauthenticated("This API key has been revoked. Please pass a valid API key.",
                                  details=[error_info("API_KEY_INVALID")])
        principal = Principal(project=record.project, tier=Tier(record.tier), key_id=record.id)
        with self._lock:
            if len(self._known) >= _KEY_CACHE_ENTRIES:
                self._known.clear()  # bounded: a flood of distinct valid keys costs lookups, not memory
            self._known[digest] = (time.monotonic() + KEY_CACHE_SECONDS, principal)
        return principal
