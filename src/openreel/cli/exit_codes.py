"""Exit codes scripts can test, one per kind of google.rpc failure."""

from __future__ import annotations

import typer

from openreel.client.exceptions import OpenreelAPIError

EXIT_CODES = {
    "INVALID_ARGUMENT": 2, "FAILED_PRECONDITION": 2, "OUT_OF_RANGE": 2,
    "UNAUTHENTICATED": 3, "PERMISSION_DENIED": 3,
    "NOT_FOUND": 4,
    "RESOURCE_EXHAUSTED": 5,
    "DEADLINE_EXCEEDED": 6,
    "CANCELLED": 7,
    "UNAVAILABLE": 8,
}


def fail(error: OpenreelAPIError) -> typer.Exit:
    """Print the error on one line to stderr and return the Exit to raise."""
    typer.secho(f"error: {error.status}: {error.message}", fg=typer.colors.RED, err=True)
    return typer.Exit(EXIT_CODES.get(error.status, 1))
