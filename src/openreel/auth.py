"""API keys: generated once, shown once, stored as SHA-256 hashes; a key names a project and tier."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

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
    return NewKey(id=secrets.token_hex(8), plaintext=plaintext, hash=hash_key(plaintext),
                  prefix=plaintext[:10])
