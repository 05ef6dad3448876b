"""Exit codes scripts can test, one per kind of failure, and the one-line error every command prints.

    0  success
    1  anything else: INTERNAL, UNKNOWN, UNIMPLEMENTED (a bug, or a server older than this CLI:
       please report it)
    2  INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, and local problems: an --image or
       --prompts-file that cannot be read, an -o that cannot be written, a --server or
       --database-url that is not a usable URL
    3  UNAUTHENTICATED, PERMISSION_DENIED (a wrong or revoked key)
    4  NOT_FOUND (an unknown model, operation or key)
    5  RESOURCE_EXHAUSTED (over the key's quota)
    6  DEADLINE_EXCEEDED
    7  CANCELLED
    8  UNAVAILABLE (the server is down, refuses the connection, or is overloaded; or the URL
       answers, but not like an openreel server)

Local mode (`openreel generate` without --server) and server mode print the same line,
`error: STATUS: message`, and exit with the same code for the same problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

EXIT_CODES = {
    "INVALID_ARGUMENT": 2, "FAILED_PRECONDITION": 2, "OUT_OF_RANGE": 2,
    "UNAUTHENTICATED": 3, "PERMISSION_DENIED": 3,
    "NOT_FOUND": 4,
    "RESOURCE_EXHAUSTED": 5,
    "DEADLINE_EXCEEDED": 6,
    "CANCELLED": 7,
    "UNAVAILABLE": 8,
}

# For the epilog of `openreel --help`.
SUMMARY = ("Exit codes: 2 invalid argument or unusable file, 3 bad or revoked key, 4 not found, "
           "5 over quota, 6 deadline exceeded, 7 cancelled, 8 server unavailable (or not an openreel server), "
           "1 anything else.")


def fail(status: str, message: str) -> typer.Exit:
    """Print `error: STATUS: message` on one line to stderr and return the Exit to raise."""
    typer.secho(f"error: {status}: {' '.join(message.split())}", fg=typer.colors.RED, err=True)
    return typer.Exit(EXIT_CODES.get(status, 1))


def file_problem(flag: str, path: object, reason: str) -> typer.Exit:
    """A local file a flag names cannot be used: exit 2, naming the flag."""
    return fail("INVALID_ARGUMENT", f"{flag} {path}: {reason}")


@contextmanager
def reported_errors(server: str | None = None) -> Iterator[None]:
    """Turn the errors a command can meet into one line and an exit code: the server's google.rpc
    errors (through the client), the same errors raised in process by local mode, a request the
    wire schema refuses before it is sent, and a server that cannot be reached."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as error:
        reported = _reported(error, server)
        if reported is None:
            raise
        raise reported from None


def _reported(error: Exception, server: str | None) -> typer.Exit | None:
    # Imported on the error path only: `openreel --help` should load none of these.
    from openreel.client.exceptions import OpenreelAPIError, UnexpectedResponse
    from openreel.errors import OpenreelError

    if isinstance(error, UnexpectedResponse) and server:
        return fail(error.status, f"{server} does not answer like an openreel server: {error.reason}")
    if isinstance(error, (OpenreelAPIError, OpenreelError)):
        return fail(error.status, error.message)
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        from openreel.errors import FieldViolation, InvalidArgument
        from openreel.protocol.rpc import describe_error

        violations = [FieldViolation(*describe_error(e)) for e in error.errors(include_url=False)]
        return fail("INVALID_ARGUMENT", InvalidArgument.from_violations(violations).message)
    import httpx

    if isinstance(error, httpx.InvalidURL):  # the --server URL was checked first (server_url.py)
        return fail("INVALID_ARGUMENT", f"cannot make a request URL from these arguments: {error}")
    if isinstance(error, httpx.UnsupportedProtocol):
        return fail("INVALID_ARGUMENT", f"--server {server}: not an http:// or https:// URL")
    if isinstance(error, httpx.TransportError):
        return fail("UNAVAILABLE", f"cannot reach the server at {server}: {str(error) or type(error).__name__}")
    return None
