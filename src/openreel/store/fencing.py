"""Fencing: the condition every write a worker makes through its claim carries, and what it
means when such a write finds no claim.

A claim gives the worker a fencing token; every later write of that worker is conditional on
the operation still being RUNNING under that same token. A worker whose lease expired and was
re-claimed elsewhere, or whose operation was cancelled, can therefore no longer change it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from openreel.domain.operation import OperationState
from openreel.errors import Cancelled, ClaimLost, Deleted
from openreel.store.tables import operations


def fenced(op_id: str, token: int) -> tuple[Any, ...]:
    """The WHERE clauses of a write that holds only while the claim with `token` does."""
    return (operations.c.id == op_id, operations.c.fencing_token == token,
            operations.c.state == OperationState.RUNNING.value)


def why_not_held(conn: Connection, op_id: str) -> Cancelled:
    """What a fenced write that found no claim means: the caller deleted or cancelled the
    operation, or it ended otherwise (the sweeper gave up on it): nobody will go on with it;
    or another worker took it over (its remote job must then be left alone)."""
    state = conn.execute(select(operations.c.state).where(operations.c.id == op_id)).scalar_one_or_none()
    if state is None:
        return Deleted("The operation was deleted.")
    if state == OperationState.CANCELLED.value:
        return Cancelled("The operation was cancelled.")
    if state in (OperationState.FAILED.value, OperationState.SUCCEEDED.value):
        return Cancelled(f"The operation has already ended ({state}).")
    return ClaimLost("The operation was taken over by another worker.")
