"""KeyService: create API keys and resolve a presented key to the calling Principal."""

from __future__ import annotations

from openreel.auth import NewKey, Principal, Tier, hash_key, new_key
from openreel.errors import PermissionDenied, Unauthenticated
from openreel.protocol.rpc import error_info
from openreel.store.sql import SqlStore


class KeyService:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def create(self, project: str, tier: Tier) -> NewKey:
        key = new_key()
        self.store.add_api_key(key.id, key.hash, key.prefix, project, tier.value)
        return key

    def authenticate(self, presented: str) -> Principal:
        record = self.store.find_api_key(hash_key(presented))
        if record is None:
            raise Unauthenticated("API key not valid. Please pass a valid API key.",
                                  details=[error_info("API_KEY_INVALID")])
        if record.revoked_at is not None:
            raise PermissionDenied("This API key has been revoked.")
        return Principal(project=record.project, tier=Tier(record.tier), key_id=record.id)
