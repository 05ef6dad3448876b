"""How the engine proves who it is to the remote: an API key header, or an OAuth access token
that google-auth mints from a service-account file (or application-default credentials) and
refreshes before it expires. Tokens and keys go only into request headers, never into messages."""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Protocol

from openreel.engines.upstream.options import UpstreamOptions
from openreel.errors import FailedPrecondition

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# What an HTTP header value can carry as it is: visible ASCII.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


class CredentialsUnusable(FailedPrecondition):
    """What is wrong with an entry's credentials, naming the setting to fix; the engine adds which
    catalog entry it is (one engine instance may serve several)."""


class TokenEndpointUnavailable(Exception):
    """The token endpoint could not be reached, or answered that it is in trouble: worth trying
    again later, like a remote's 503 (a refused grant is FailedPrecondition instead)."""


class Credentials(Protocol):
    def headers(self) -> dict[str, str]:
        """Headers for the next request; raises CredentialsUnusable when no credential can be had."""


class ApiKey:
    def __init__(self, key: str) -> None:
        self._key = key

    def headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._key}


class OAuthToken:
    """google-auth credentials, refreshed (through its own token endpoint call) when stale."""

    def __init__(self, credentials: Any, what: str) -> None:
        self._credentials, self._what = credentials, what
        self._lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        from google.auth.exceptions import GoogleAuthError, TransportError
        from google.auth.transport.requests import Request

        with self._lock:
            if not self._credentials.valid:
                try:
                    self._credentials.refresh(Request())
                except GoogleAuthError as exc:
                    if isinstance(exc, TransportError) or exc.retryable:
                        raise TokenEndpointUnavailable(f"{self._what}: the token endpoint did not mint an access "
                                                       f"token ({exc}).") from None
                    raise CredentialsUnusable(f"{self._what}: no access token could be minted ({exc}).") from None
            return {"Authorization": f"Bearer {self._credentials.token}"}


def missing_credentials(options: UpstreamOptions) -> str | None:
    """What is missing for the entry's credentials, as far as can be told without a network call
    (an unset key variable, a service-account file that is not there); None when nothing is."""
    if options.api_key_env and not options.key():
        return f"api_key_env ({options.api_key_env}) is empty or not set in the server's environment"
    if options.credentials_file and not os.access(options.credentials_file, os.R_OK):
        return f"credentials_file {options.credentials_file} cannot be read"
    return None


def credentials_for(options: UpstreamOptions) -> Credentials:
    """The credentials an entry names; CredentialsUnusable when they cannot be had."""
    if options.api_key or options.api_key_env:
        key = options.key()
        setting = f"api_key_env ({options.api_key_env})" if options.api_key_env else "api_key"
        if not key:
            raise CredentialsUnusable(f"{setting} is empty or not set.")
        if not _HEADER_SAFE.fullmatch(key):  # never quote the key: messages reach callers and logs
            raise CredentialsUnusable(f"{setting} holds characters no API key has (spaces, line "
                                     "breaks or non-ASCII); check the value.")
        return ApiKey(key)
    import google.auth
    from google.auth.exceptions import GoogleAuthError
    from google.oauth2 import service_account

    try:
        if options.credentials_file:
            credentials = service_account.Credentials.from_service_account_file(
                options.credentials_file, scopes=[CLOUD_PLATFORM_SCOPE])  # type: ignore[no-untyped-call]
            return OAuthToken(credentials, f"credentials_file {options.credentials_file}")
        credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    except (OSError, ValueError, GoogleAuthError) as exc:
        where = f"credentials_file {options.credentials_file}" if options.credentials_file else \
            "application-default credentials (set credentials_file, or GOOGLE_APPLICATION_CREDENTIALS)"
        raise CredentialsUnusable(f"{where} cannot be used ({exc}).") from None
    return OAuthToken(credentials, "application-default credentials")
