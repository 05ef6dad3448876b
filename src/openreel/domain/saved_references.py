"""References a project saves once and names in any request: a character (reference images of one
subject, applied as asset references so it looks the same in every clip that names it) and a
style taken from an example video (representative frames, applied as a style reference)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_DISPLAY_NAME_CHARS = 128


class SavedKind(StrEnum):
    CHARACTER = "character"
    STYLE = "style"

    @property
    def collection(self) -> str:
        """The resource collection: characters/{id}, styles/{id}."""
        return f"{self.value}s"


@dataclass(frozen=True)
class SavedImage:
    storage_key: str
    mime_type: str


@dataclass(frozen=True)
class SavedReference:
    id: str
    project: str
    kind: SavedKind
    display_name: str
    # A character's images as given; a style's frames, the most representative first.
    images: tuple[SavedImage, ...]
    created_at: datetime

    @property
    def name(self) -> str:
        return f"{self.kind.collection}/{self.id}"
