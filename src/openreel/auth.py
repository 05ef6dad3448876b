"""API keys: generated once, shown once, stored as SHA-256 hashes; a key names a project and tier.
And the operator's admin key (Settings.admin_key), which is no API key: it names no project."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from openreel.domain.naming import new_resource_id

KEY_PREFIX = "ork_"

# A project is one segment of a Vertex path (projects/P/locations/...): a key for any other name
# could never be used there.
_PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
PROJECT_ID_RULE = "1-63 letters, digits, '-', '_' or '.', starting with a letter or digit"


def is_project_id(project: str) -> bool:
    return _PROJECT_ID.fullmatch(project) is not None


class Tier(StrEnum):
    FREE = "free"
    STANDARD = "standard"
    ELEVATED = "elevated"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the project every operation and video is scoped to."""

    project: str
    tier: Tier
    key_id: str | None


@dataclass(frozen=True)
class NewKey:
    id: str
    plaintext: str
    hash: str
    prefix: str


def hash_key(plaintext: str) -> str:
    # Keys are 190 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_key() -> NewKey:
    plaintext = KEY_PREFIX + secrets.token_urlsafe(24)
    return NewKey(id=new_resource_id(), plaintext=plaintext, hash=hash_key(plaintext),
                  prefix=plaintext[:10])


def is_admin_key(presented: str, admin_key: str) -> bool:
    """Whether `presented` is the configured admin key (never true for an empty one). Both are
    hashed first so that compare_digest sees equal lengths: the time taken reveals neither how
    much of the key matched nor how long it is."""
    if not admin_key:
        return False
    return hmac.compare_digest(_digest(presented), _digest(admin_key))


def _digest(text: str) -> bytes:
    # surrogatepass: a header or variable may hold anything; it must hash, not raise.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
