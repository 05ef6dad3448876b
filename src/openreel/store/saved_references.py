"""SavedReferenceStore: a project's characters and styles, one row each (their images are in
storage; the row lists their keys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from openreel.domain.saved_references import SavedImage, SavedKind, SavedReference
from openreel.store.sql import SqlStore
from openreel.store.tables import saved_references


class SavedReferenceStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def add(self, saved: SavedReference) -> None:
        with self.store.writing() as conn:
            conn.execute(saved_references.insert().values(
                id=saved.id, project=saved.project, kind=saved.kind.value, display_name=saved.display_name,
                images=[{"key": image.storage_key, "mimeType": image.mime_type} for image in saved.images],
                created_at=saved.created_at))

    def get(self, project: str, kind: SavedKind, ref_id: str) -> SavedReference | None:
        """The project's reference of this kind with this id; None for another project's."""
        with self.store.reading() as conn:
            row = conn.execute(select(saved_references).where(
                saved_references.c.id == ref_id, saved_references.c.project == project,
                saved_references.c.kind == kind.value)).first()
        return None if row is None else _saved(row)

    def oldest_first(self, project: str, kind: SavedKind, limit: int, after: str | None = None) -> list[SavedReference]:
        """Oldest first, `limit` of them, from the one after id `after`."""
        query = select(saved_references).where(saved_references.c.project == project,
                                               saved_references.c.kind == kind.value)
        if after is not None:
            query = query.where(saved_references.c.id > after)
        with self.store.reading() as conn:
            rows = conn.execute(query.order_by(saved_references.c.id).limit(limit)).all()
        return [_saved(row) for row in rows]

    def delete(self, project: str, kind: SavedKind, ref_id: str) -> bool:
        with self.store.writing() as conn:
            return bool(conn.execute(delete(saved_references).where(
                saved_references.c.id == ref_id, saved_references.c.project == project,
                saved_references.c.kind == kind.value)).rowcount)


def _saved(row: Any) -> SavedReference:
    return SavedReference(id=row.id, project=row.project, kind=SavedKind(row.kind), display_name=row.display_name,
                          images=tuple(SavedImage(image["key"], image["mimeType"]) for image in row.images),
                          created_at=row.created_at)
