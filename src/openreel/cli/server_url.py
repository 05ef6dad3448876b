"""The --server URL of the commands that talk to a server, checked before any request: a URL that
no request could go to is an invalid argument (exit 2), not an unreachable server (exit 8).

An empty --server, like an empty OPENREEL_BASE_URL, means local mode. Only `openreel generate` has
one; the other commands refuse an empty URL rather than quietly asking http://127.0.0.1:8000."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openreel.cli.exit_codes import fail

if TYPE_CHECKING:
    from openreel.client.config import ClientConfig

EMPTY = ("--server / OPENREEL_BASE_URL is empty, which means local mode, and only `openreel generate` "
         "runs locally: give the server's URL")


def client_config(server: str | None, api_key: str | None) -> ClientConfig:
    """The client's config for these flags (unset ones from OPENREEL_*), with a usable server URL."""
    from openreel.client.config import init

    if server is not None and not server.strip():
        raise fail("INVALID_ARGUMENT", EMPTY)
    config = init(base_url=server, api_key=api_key)
    if not config.base_url:  # OPENREEL_BASE_URL="" and no --server
        raise fail("INVALID_ARGUMENT", EMPTY)
    problem = url_problem(config.base_url)
    if problem is not None:
        raise fail("INVALID_ARGUMENT", f"--server {server or config.base_url}: {problem}")
    return config


def url_problem(url: str) -> str | None:
    """Why no request could go to `url`, or None when one can."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"not a usable URL ({exc})"
    if parsed.scheme not in ("http", "https"):
        return "not an http:// or https:// URL"
    if not parsed.host:
        return "not a usable URL (no host in it)"
    return None
