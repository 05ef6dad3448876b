"""API keys: generated once, shown once, stored as SHA-256 hashes; a key names a project and tier."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_PREFIX = "ork_"


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
    return NewKey(id=secrets.token_hex(8), plaintext=plaintext, hash=hash_key(plaintext),
                  prefix=plaintext[:10])
