"""A queued operation added straight to a store, for tests of the store itself."""

from __future__ import annotations

from datetime import UTC, datetime

from openreel.domain.naming import new_operation_id
from openreel.domain.operation import Operation, OperationState, Surface
from openreel.domain.request import GenerationRequest
from openreel.store.sql import SqlStore


def queue_one(store: SqlStore, project: str = "p", surface: Surface = Surface.GEMINI) -> Operation:
    op_id = new_operation_id()
    now = datetime.now(UTC)
    op = Operation(id=op_id, name=f"models/m/operations/{op_id}", surface=surface, model="m",
                   project=project, state=OperationState.QUEUED,
                   request=GenerationRequest(model="m", prompt="p", seed=1), created_at=now, updated_at=now)
    store.add_operation(op)
    return op
