"""KeyService: create, list, revoke and expire API keys, and resolve a presented key to the calling
Principal.

Every request presents a key, and most requests are polls, so resolved keys are remembered in
process for KEY_CACHE_SECONDS: a key revoked in the database stops working within that time (at
once on the server that revoked it), and an expiring key is remembered only until it expires.

Timing: a presented key is hashed (SHA-256) and looked up by that hash through a unique index,
then the stored hash is compared again with hmac.compare_digest. The lookup's timing can at most
tell an attacker how many leading characters of *the hash of the string they sent* match a stored
hash; a hash prefix brings nobody closer to a key (keys are 190 random bits, and SHA-256 has no
known way from a digest back to its input). The constant-time comparison makes the final decision
independent of how the database compares strings (collations, padding), and keeps it constant-time
should the lookup ever become a scan."""

from __future__ import annotations

import hmac
import threading
import time
from datetime import UTC, datetime

from openreel.auth import PROJECT_ID_RULE, NewKey, Principal, Tier, hash_key, is_project_id, new_key
from openreel.domain.naming import is_resource_id
from openreel.errors import InvalidArgument, NotFound, Unauthenticated
from openreel.protocol.rpc import error_info
from openreel.store.keys import ApiKeyRecord, KeyStore
from openreel.store.sql import SqlStore

KEY_CACHE_SECONDS = 10.0
_KEY_CACHE_ENTRIES = 10_000


class KeyService:
    def __init__(self, store: SqlStore) -> None:
        self.store = KeyStore(store)
        self._known: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def create(self, project: str, tier: Tier, expires_at: datetime | None = None) -> NewKey:
        """A new key for `project`; with `expires_at` (aware, in the future) it stops working then."""
        if not is_project_id(project):
            raise InvalidArgument.for_field("project", f"use {PROJECT_ID_RULE}")
        if expires_at is not None:
            try:
                # In UTC now: a time at the calendar's edge (9999-12-31T23:59-23:59) fails here, not in the database.
                expires_at = expires_at.astimezone(UTC) if expires_at.tzinfo is not None else None
            except OverflowError:
                expires_at = None
            if expires_at is None or expires_at <= datetime.now(UTC):
                raise InvalidArgument.for_field("expireTime", "must be a moment in the future, with its time zone")
        key = new_key()
        self.store.add_api_key(key.id, key.hash, key.prefix, project, tier.value, expires_at)
        return key

    def get(self, key_id: str) -> ApiKeyRecord:
        record = self.store.get_api_key(key_id) if is_resource_id(key_id) else None
        if record is None:
            raise NotFound(f"No API key has the id '{key_id}'.")
        return record

    def list_keys(self, project: str | None = None) -> list[ApiKeyRecord]:
        """Every key (of one project, when given), revoked and expired ones included, oldest first.
        Records hold no secret: only hashes are stored."""
        if project is not None and not is_project_id(project):
            raise InvalidArgument.for_field("project", f"use {PROJECT_ID_RULE}")
        return self.store.list_api_keys(project)

    def revoke(self, key_id: str) -> ApiKeyRecord:
        """Revoke a key by its id (revoking it again changes nothing); NotFound when no key has it.
        Other servers that resolved the key less than KEY_CACHE_SECONDS ago accept it until then."""
        record = self.store.revoke_api_key(key_id, datetime.now(UTC)) if is_resource_id(key_id) else None
        if record is None:
            raise NotFound(f"No API key has the id '{key_id}'.")
        with self._lock:
            self._known.pop(record.key_hash, None)
        return record

    def cached(self, presented: str) -> Principal | None:
        """The Principal for a key resolved less than KEY_CACHE_SECONDS ago, without I/O."""
        entry = self._known.get(hash_key(presented))
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def authenticate(self, presented: str) -> Principal:
        digest = hash_key(presented)
        record = self.store.find_api_key(digest)
        if record is None or not hmac.compare_digest(record.key_hash.encode(), digest.encode()):
            raise Unauthenticated("API key not valid. Please pass a valid API key.",
                                  details=[error_info("API_KEY_INVALID")])
        # 401, like an unknown key: a revoked or expired key no longer identifies anyone.
        if record.revoked_at is not None:
            raise Unauthenticated("This API key has been revoked. Please pass a valid API key.",
                                  details=[error_info("API_KEY_INVALID")])
        now = datetime.now(UTC)
        if record.expires_at is not None and record.expires_at <= now:
            raise Unauthenticated(f"This API key expired at {record.expires_at:%Y-%m-%dT%H:%M:%SZ}. "
                                  "Please pass a valid API key.", details=[error_info("API_KEY_INVALID")])
        principal = Principal(project=record.project, tier=Tier(record.tier), key_id=record.id)
        remember = KEY_CACHE_SECONDS
        if record.expires_at is not None:
            remember = min(remember, (record.expires_at - now).total_seconds())
        with self._lock:
            if len(self._known) >= _KEY_CACHE_ENTRIES:
                self._known.clear()  # bounded: a flood of distinct valid keys costs lookups, not memory
            self._known[digest] = (time.monotonic() + remember, principal)
        return principal
